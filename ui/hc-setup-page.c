/* hc-setup-page.c: the first run: log this computer's store in to the practice server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same login as `housecall-cli login` (hc_sync_login_sync), off the UI thread, with the
 * reasons it fails said in a physician's words: a certificate the computer does not trust, a
 * wrong password, a server that cannot be reached.
 */

#define G_LOG_DOMAIN "hc-setup-page"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-entry-row.h"
#include "hc-setup-page.h"
#include "hc-sync-engine.h"

struct _HcSetupPage
{
  AdwBin        parent_instance;

  /* template widgets */
  HcEntryRow   *url_row;
  AdwActionRow *ca_row;
  GtkWidget    *ca_clear_button;
  HcEntryRow   *user_row;
  HcEntryRow   *password_row;
  GtkLabel     *error_label;
  GtkWidget    *spinner;

  /* owned */
  HcStore      *store;
  GCancellable *cancellable;
  char         *ca_file;
  guint         serial;
  gboolean      busy;
  GtkNativeDialog *chooser;
};

G_DEFINE_FINAL_TYPE (HcSetupPage, hc_setup_page, ADW_TYPE_BIN)

enum {
  LOGGED_IN,
  SKIPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char *url;
  char *user;
  char *password;
  char *ca_file;
} Login;

static void
login_free (gpointer data)
{
  Login *l = data;

  g_free (l->url);
  g_free (l->user);
  if (l->password != NULL)
    explicit_bzero (l->password, strlen (l->password));
  g_free (l->password);
  g_free (l->ca_file);
  g_free (l);
}

static void
show_error (HcSetupPage *self,
            const char  *message,
            GtkWidget   *focus)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

static void
update_actions (HcSetupPage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.log-in", !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.choose-ca", !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.clear-ca", !self->busy);
  gtk_widget_set_visible (self->spinner, self->busy);
}

static void
set_ca_file (HcSetupPage *self,
             const char  *path)
{
  g_autofree char *name = path ? g_path_get_basename (path) : NULL;

  g_free (self->ca_file);
  self->ca_file = g_strdup (path);
  adw_action_row_set_subtitle (self->ca_row,
                               name ? name : _("Only if the server uses the practice’s own "
                                               "certificate authority"));
  gtk_widget_set_visible (self->ca_clear_button, path != NULL);
}

/* The reason a login failed, for the person at the computer. */
static char *
login_error_text (const GError *error)
{
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_UNTRUSTED))
    return g_strdup (_("This computer does not trust the server’s certificate, so nothing was "
                       "sent. If the practice uses its own certificate authority, choose its "
                       "certificate file under Practice Certificate; ask whoever set up the "
                       "server for it."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_CLOCK))
    return g_strdup (_("The server’s certificate is not valid at this computer’s date and "
                       "time. Check the computer’s clock."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_LOGIN))
    return g_strdup (_("The user name or the password is wrong. Check Caps Lock and try "
                       "again."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_RATE_LIMITED))
    return g_strdup (_("Too many failed attempts. Wait a few minutes, then try again."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NETWORK))
    return g_strdup (_("No server answers at this address. Check the address and that this "
                       "computer is on the practice’s network."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_SERVER))
    return g_strdup (_("The server has a problem right now. Try again in a few minutes."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FORBIDDEN))
    return g_strdup (_("This user may not use Housecall on this server."));
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FAILED) &&
      strstr (error->message, "belongs to") != NULL)
    return g_strdup (_("The charts on this computer belong to another server or user. Log in "
                       "with that server and user name."));
  /* Translators: %s is a technical reason, in English */
  return g_strdup_printf (_("Could not log in: %s"), error->message);
}

static void
login_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Login *l = task_data;
  GError *error = NULL;

  if (hc_sync_login_sync (HC_STORE (source_object), l->url, l->user, l->password, l->ca_file,
                          cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HcSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  self->serial++;
  update_actions (self);
  if (error != NULL)
    {
      g_autofree char *text = login_error_text (error);
      GtkWidget *focus = GTK_WIDGET (self->url_row);

      g_debug ("Login failed: %s %d", g_quark_to_string (error->domain), error->code);
      if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_LOGIN))
        focus = GTK_WIDGET (self->password_row);
      show_error (self, text, focus);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_signal_emit (self, signals[LOGGED_IN], 0);
}

static char *
entry_text (HcEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
log_in_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HcSetupPage *self = HC_SETUP_PAGE (widget);
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = entry_text (self->url_row);
  g_autofree char *user = entry_text (self->user_row);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  Login *l;

  if (self->busy || self->store == NULL)
    return;
  if (*url == '\0')
    {
      show_error (self, _("Enter the server’s address first."), GTK_WIDGET (self->url_row));
      return;
    }
  if (!g_str_has_prefix (url, "https://"))
    {
      show_error (self, _("The address starts with https:// — Housecall talks to the server "
                          "only over an encrypted connection."), GTK_WIDGET (self->url_row));
      return;
    }
  if (*user == '\0' || *password == '\0')
    {
      show_error (self, _("Enter your user name and password."),
                  GTK_WIDGET (*user == '\0' ? self->user_row : self->password_row));
      return;
    }

  l = g_new0 (Login, 1);
  l->url = g_steal_pointer (&url);
  l->user = g_steal_pointer (&user);
  l->password = g_strdup (password);
  l->ca_file = g_strdup (self->ca_file);
  self->busy = TRUE;
  show_error (self, NULL, NULL);
  update_actions (self);
  task = g_task_new (self->store, self->cancellable, login_cb, g_object_ref (self));
  g_task_set_source_tag (task, log_in_action);
  g_task_set_task_data (task, l, login_free);
  g_task_run_in_thread (task, login_thread);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     HcSetupPage     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        set_ca_file (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_ca_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HcSetupPage *self = HC_SETUP_PAGE (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Practice Certificate"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"),
                                         _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Certificates (PEM)"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_mime_type (filter, "application/x-x509-ca-cert");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  g_clear_object (&self->chooser);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

static void
clear_ca_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  set_ca_file (HC_SETUP_PAGE (widget), NULL);
}

static void
skip_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HcSetupPage *self = HC_SETUP_PAGE (widget);

  hc_setup_page_clear (self);
  g_signal_emit (self, signals[SKIPPED], 0);
}

static void
changed_cb (HcSetupPage *self,
            GtkEditable *editable)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

static void
activate_cb (HcSetupPage *self,
             HcEntryRow  *row)
{
  /* Enter moves on to the next empty field, and logs in from the last */
  if (row == self->url_row && *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->user_row));
  else if (row != self->password_row &&
           *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "setup.log-in", NULL);
}

static void
hc_setup_page_dispose (GObject *object)
{
  HcSetupPage *self = HC_SETUP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_SETUP_PAGE);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hc_setup_page_parent_class)->dispose (object);
}

static void
hc_setup_page_finalize (GObject *object)
{
  HcSetupPage *self = HC_SETUP_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->ca_file, g_free);

  G_OBJECT_CLASS (hc_setup_page_parent_class)->finalize (object);
}

static void
hc_setup_page_class_init (HcSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_setup_page_dispose;
  object_class->finalize = hc_setup_page_finalize;

  /**
   * HcSetupPage::logged-in:
   *
   * The store is logged in to the server: sync can start.
   */
  signals[LOGGED_IN] = g_signal_new ("logged-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HcSetupPage::skipped:
   *
   * The user chose to work without a server for now.
   */
  signals[SKIPPED] = g_signal_new ("skipped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, ca_row);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, user_row);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, HcSetupPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);

  gtk_widget_class_install_action (widget_class, "setup.log-in", NULL, log_in_action);
  gtk_widget_class_install_action (widget_class, "setup.choose-ca", NULL, choose_ca_action);
  gtk_widget_class_install_action (widget_class, "setup.clear-ca", NULL, clear_ca_action);
  gtk_widget_class_install_action (widget_class, "setup.skip", NULL, skip_action);
}

static void
hc_setup_page_init (HcSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_actions (self);
}

void
hc_setup_page_set_store (HcSetupPage *self,
                         HcStore     *store)
{
  g_return_if_fail (HC_IS_SETUP_PAGE (self));
  g_return_if_fail (store == NULL || HC_IS_STORE (store));

  g_set_object (&self->store, store);
}

void
hc_setup_page_prefill (HcSetupPage *self,
                       const char  *url,
                       const char  *user)
{
  g_return_if_fail (HC_IS_SETUP_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url ? url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user ? user : "");
}

void
hc_setup_page_clear (HcSetupPage *self)
{
  g_return_if_fail (HC_IS_SETUP_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_error (self, NULL, NULL);
}

GtkEditable *
_hc_setup_page_get_url (HcSetupPage *self)
{
  return GTK_EDITABLE (self->url_row);
}

GtkEditable *
_hc_setup_page_get_user (HcSetupPage *self)
{
  return GTK_EDITABLE (self->user_row);
}

GtkEditable *
_hc_setup_page_get_password (HcSetupPage *self)
{
  return GTK_EDITABLE (self->password_row);
}

void
_hc_setup_page_set_ca_file (HcSetupPage *self,
                            const char  *path)
{
  set_ca_file (self, path);
}

const char *
_hc_setup_page_get_error (HcSetupPage *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_label (self->error_label) : NULL;
}

guint
_hc_setup_page_get_serial (HcSetupPage *self)
{
  return self->serial;
}
