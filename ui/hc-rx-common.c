/* hc-rx-common.c: what the prescribing and order dialogs share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-rx"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-author.h"
#include "hc-json.h"
#include "hc-rx-common.h"
#include "hc-widget-util.h"

typedef struct
{
  HcWindow         *window;
  JsonObject       *resource;
  HcRxReasonFunc    reason_func;
  HcRxResourceFunc  resource_func;
  GtkEditable      *entry;
  char             *type;
  char             *id;
} Request;

typedef struct
{
  HcClinical *clinical;
  char       *requester;
} Loaded;

static void
request_free (Request *request)
{
  g_clear_object (&request->window);
  g_clear_pointer (&request->resource, json_object_unref);
  g_free (request->type);
  g_free (request->id);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->clinical, hc_clinical_unref);
  g_free (loaded->requester);
  g_free (loaded);
}

char *
hc_rx_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");
}

void
hc_rx_show_error (GtkWindow  *parent,
                  const char *heading,
                  const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) resource = NULL;

  resource = hc_store_get_finish (HC_STORE (source), result, &error);
  if (resource == NULL)
    {
      g_warning ("reading %s/%s failed: %s", request->type, request->id, error->message);
      hc_rx_show_error (GTK_WINDOW (request->window), _("The record could not be read"),
                        error->message);
      return;
    }
  request->resource_func (request->window, resource);
}

void
hc_rx_fetch (HcWindow         *window,
             const char       *type,
             const char       *id,
             HcRxResourceFunc  func)
{
  Request *request;

  g_return_if_fail (HC_IS_WINDOW (window));
  g_return_if_fail (type != NULL && id != NULL);

  request = g_new0 (Request, 1);
  request->window = g_object_ref (window);
  request->resource_func = func;
  request->type = g_strdup (type);
  request->id = g_strdup (id);
  hc_store_get_async (hc_window_get_store (window), type, id, NULL, fetched_cb, request);
}

static void
reason_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, HC_RX_RESPONSE_CONFIRM, reason[0] != '\0');
}

static void
reason_activate_cb (GtkEntry         *entry,
                    AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, HC_RX_RESPONSE_CONFIRM))
    adw_message_dialog_response (dialog, HC_RX_RESPONSE_CONFIRM);
}

static void
destroy_dialog (gpointer data)
{
  g_autoptr(GtkWindow) dialog = data;

  gtk_window_destroy (dialog);
}

static void
reason_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  Request *request = user_data;
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (request->entry)));

  if (g_strcmp0 (response, HC_RX_RESPONSE_CONFIRM) == 0 && reason[0] != '\0')
    request->reason_func (request->window, request->resource, reason);
  /* however the dialog ended (hidden or closed), it goes with its reference to the window */
  g_idle_add_once (destroy_dialog, g_object_ref (dialog));
}

void
hc_rx_ask_reason (HcWindow       *window,
                  JsonObject     *resource,
                  const char     *heading,
                  const char     *body,
                  const char     *placeholder,
                  const char     *confirm_label,
                  HcRxReasonFunc  func)
{
  GtkWidget *dialog;
  GtkWidget *entry;
  Request *request;

  g_return_if_fail (HC_IS_WINDOW (window));

  dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, body);
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    HC_RX_RESPONSE_CONFIRM, confirm_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), HC_RX_RESPONSE_CONFIRM,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), HC_RX_RESPONSE_CONFIRM,
                                           FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), HC_RX_RESPONSE_CONFIRM);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  request = g_new0 (Request, 1);
  request->window = g_object_ref (window);
  request->resource = json_object_ref (resource);
  request->reason_func = func;
  request->entry = GTK_EDITABLE (entry);
  g_signal_connect (entry, "changed", G_CALLBACK (reason_changed_cb), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (reason_activate_cb), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (reason_response_cb), request,
                         (GClosureNotify) (void (*) (void)) request_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HcWindow) window = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) stored = NULL;

  stored = hc_store_put_many_finish (HC_STORE (source), result, &error);
  if (stored == NULL)
    {
      g_debug ("writing an order failed: %s", error->message);
      hc_rx_show_error (GTK_WINDOW (window), _("The change could not be saved"),
                        hc_store_error_text (error));
      return;
    }
  hc_window_reload_chart (window);
}

void
hc_rx_write (HcWindow  *window,
             JsonArray *resources)
{
  g_return_if_fail (HC_IS_WINDOW (window));

  hc_store_put_many_async (hc_window_get_store (window), resources, NULL, written_cb,
                           g_object_ref (window));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HcStore *store = task_data;
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->clinical = hc_clinical_load (&error);
  if (loaded->clinical == NULL)
    {
      loaded_free (loaded);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    g_autoptr(JsonObject) author = hc_author_lookup_sync (store, cancellable);

    loaded->requester = g_strdup (hc_json_get_string (author, "display"));
  }
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

void
hc_rx_load_async (HcStore             *store,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, hc_rx_load_async);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

HcClinical *
hc_rx_load_finish (GAsyncResult  *result,
                   char         **requester,
                   GError       **error)
{
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), error);
  HcClinical *clinical;

  if (loaded == NULL)
    return NULL;
  clinical = g_steal_pointer (&loaded->clinical);
  if (requester != NULL)
    *requester = g_steal_pointer (&loaded->requester);
  loaded_free (loaded);
  return clinical;
}

/**
 * hc_rx_set_ready:
 * @button: the button that confirms the dialog
 * @hint: a label next to it
 * @ready: whether the dialog can confirm at all (loaded, not saving)
 * @why_not: (nullable): what the user still has to do, or %NULL
 *
 * Enables @button, or disables it and shows why in @hint.
 */
void
hc_rx_set_ready (GtkWidget  *button,
                 GtkLabel   *hint,
                 gboolean    ready,
                 const char *why_not)
{
  g_return_if_fail (GTK_IS_WIDGET (button));
  g_return_if_fail (GTK_IS_LABEL (hint));

  gtk_widget_set_sensitive (button, ready && why_not == NULL);
  gtk_label_set_label (hint, why_not != NULL ? why_not : "");
  gtk_widget_set_visible (GTK_WIDGET (hint), why_not != NULL);
  /* GTK 4.8 reads the description property (the tooltip) before the relation */
  if (why_not != NULL)
    {
      gtk_accessible_update_relation (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, hint, NULL, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, why_not, -1);
    }
  else
    {
      const char *tooltip = gtk_widget_get_tooltip_text (button);

      gtk_accessible_reset_relation (GTK_ACCESSIBLE (button),
                                     GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
      if (tooltip != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (button),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}
