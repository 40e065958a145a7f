/* hc-order-dialog.c: lab and imaging orders
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-order"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-entry-row.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-order-dialog.h"
#include "hc-rx-common.h"
#include "hc-rx-private.h"

#define SYSTEM_LOINC  "http://loinc.org"
#define SYSTEM_SNOMED "http://snomed.info/sct"

struct _HcOrderDialog
{
  AdwWindow           parent_instance;

  /* template widgets */
  AdwWindowTitle     *window_title;
  GtkWidget          *place_button;
  GtkLabel           *place_hint;
  GtkLabel           *patient_label;
  GtkSearchEntry     *test_search;
  GtkListBox         *test_list;
  GtkLabel           *test_label;
  GtkLabel           *code_label;
  AdwComboRow        *priority_row;
  HcEntryRow         *reason_row;
  GtkLabel           *error_label;

  /* owned */
  HcWindow           *window;
  HcStore            *store;
  HcPatient          *patient;
  HcClinical         *clinical;
  char               *requester;
  GCancellable       *cancellable;
  guint               load_serial;
  gboolean            busy;

  /* borrowed from clinical */
  const HcOrderable  *orderable;
};

G_DEFINE_FINAL_TYPE (HcOrderDialog, hc_order_dialog, ADW_TYPE_WINDOW)

static const struct
{
  const char *code;
  const char *label;
} priorities[] = {
  { "routine", N_("Routine") },
  { "urgent", N_("Urgent") },
  { "stat", N_("STAT (immediately)") },
};

/* the FHIR R4 example ServiceRequest categories */
static const struct
{
  const char *kind;
  const char *code;
  const char *display;
} categories[] = {
  { "lab", "108252007", "Laboratory procedure" },
  { "imaging", "363679005", "Imaging" },
};

#define MAX_RESULTS 8

static char *
current_reason (HcOrderDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_row))));
}

static void
update_place_button (HcOrderDialog *self)
{
  g_autofree char *reason = current_reason (self);
  const char *why_not = NULL;

  if (self->orderable == NULL)
    why_not = _("Choose a test or study to place the order.");
  else if (reason[0] == '\0')
    why_not = _("Give a reason for the order to place it.");
  hc_rx_set_ready (self->place_button, self->place_hint, !self->busy, why_not);
}

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "lab") == 0)
    return _("Laboratory");
  if (g_strcmp0 (kind, "imaging") == 0)
    return _("Imaging");
  return _("Procedure");
}

static void
update_results (HcOrderDialog *self)
{
  g_autoptr(GPtrArray) found = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->test_search));

  hc_widget_remove_children (GTK_WIDGET (self->test_list));
  if (self->clinical == NULL || query[0] == '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->test_list), FALSE);
      return;
    }
  found = hc_clinical_search_orderables (self->clinical, query, MAX_RESULTS);
  for (guint i = 0; i < found->len; i++)
    {
      const HcOrderable *orderable = found->pdata[i];
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), orderable->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), kind_label (orderable->kind));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_name (row, orderable->id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_append (self->test_list, row);
    }
  if (found->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("Nothing in the order catalog matches"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->test_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->test_list), TRUE);
}

static void
show_error (HcOrderDialog *self,
            const char    *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcOrderDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->clinical = hc_rx_load_finish (result, &self->requester, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->load_serial++;
  if (self->clinical == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The order catalog could not be loaded: %s"),
                                                  error->message);
      g_warning ("loading the clinical catalogs failed");
      show_error (self, message);
      return;
    }
  update_results (self);
}

static JsonObject *
build_request (HcOrderDialog *self)
{
  JsonObject *request = json_object_new ();
  JsonObject *subject = json_object_new ();
  JsonObject *requester = json_object_new ();
  JsonArray *array;
  g_autofree char *reference = g_strdup_printf ("Patient/%s", hc_patient_get_id (self->patient));
  g_autofree char *reason = current_reason (self);
  g_autofree char *now = hc_rx_now ();
  guint priority = adw_combo_row_get_selected (self->priority_row);

  json_object_set_string_member (request, "resourceType", "ServiceRequest");
  json_object_set_string_member (request, "status", "active");
  json_object_set_string_member (request, "intent", "order");
  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    if (g_strcmp0 (categories[i].kind, self->orderable->kind) == 0)
      {
        array = json_array_new ();
        json_array_add_object_element (array, hc_fhir_concept_new (SYSTEM_SNOMED, categories[i].code,
                                                           categories[i].display, NULL));
        json_object_set_array_member (request, "category", array);
      }
  json_object_set_string_member (request, "priority",
                                 priorities[MIN (priority, G_N_ELEMENTS (priorities) - 1)].code);
  json_object_set_object_member (request, "code",
                                 hc_fhir_concept_new (SYSTEM_LOINC, self->orderable->loinc,
                                              self->orderable->display, self->orderable->name));
  json_object_set_string_member (subject, "reference", reference);
  json_object_set_object_member (request, "subject", subject);
  json_object_set_string_member (request, "authoredOn", now);
  json_object_set_string_member (requester, "display", self->requester);
  json_object_set_object_member (request, "requester", requester);
  array = json_array_new ();
  json_array_add_object_element (array, hc_fhir_concept_new (NULL, NULL, NULL, reason));
  json_object_set_array_member (request, "reasonCode", array);
  return request;
}

static void
placed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcOrderDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) stored = NULL;

  stored = hc_store_put_many_finish (HC_STORE (source), result, &error);
  self->busy = FALSE;
  /* the window went meanwhile (the dialog with it): what was saved stays saved */
  if (self->store == NULL)
    {
      if (stored == NULL)
        g_warning ("saving an order failed: %s", error->message);
      return;
    }
  if (stored == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Nothing was saved: %s"),
                                                  hc_store_error_text (error));

      g_debug ("saving an order failed: %s", error->message);
      show_error (self, message);
      update_place_button (self);
      return;
    }
  g_debug ("placed ServiceRequest/%s",
           hc_json_get_string (hc_json_array_get_object (stored, 0), "id"));
  hc_window_reload_chart (self->window);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
place_clicked_cb (HcOrderDialog *self)
{
  g_autoptr(JsonArray) resources = json_array_new ();

  update_place_button (self);
  if (!gtk_widget_get_sensitive (self->place_button))
    return;
  json_array_add_object_element (resources, build_request (self));
  self->busy = TRUE;
  show_error (self, NULL);
  update_place_button (self);
  /* not cancelled with the dialog: once placed, it is saved */
  hc_store_put_many_async (self->store, resources, NULL, placed_cb, g_object_ref (self));
}

static void
search_changed_cb (HcOrderDialog *self)
{
  update_results (self);
}

static void
test_row_activated_cb (HcOrderDialog *self,
                       GtkListBoxRow *row)
{
  const HcOrderable *orderable =
    self->clinical ? hc_clinical_get_orderable (self->clinical,
                                                gtk_widget_get_name (GTK_WIDGET (row)))
                   : NULL;
  g_autofree char *code = NULL;

  if (orderable == NULL)
    return;
  self->orderable = orderable;
  gtk_label_set_label (self->test_label, orderable->name);
  if (orderable->loinc != NULL)
    /* Translators: the kind of order, then its LOINC code and name */
    code = g_strdup_printf (_("%s · LOINC %s, %s"), kind_label (orderable->kind), orderable->loinc,
                            orderable->display ? orderable->display : orderable->name);
  else
    code = g_strdup (kind_label (orderable->kind));
  gtk_label_set_label (self->code_label, code);
  gtk_widget_set_visible (GTK_WIDGET (self->code_label), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->test_search), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->reason_row));
  update_place_button (self);
}

static void
search_activate_cb (HcOrderDialog *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->test_list, 0);

  if (first != NULL && gtk_list_box_row_get_activatable (first))
    test_row_activated_cb (self, first);
}

static void
reason_changed_cb (HcOrderDialog *self)
{
  update_place_button (self);
}

/* Escape (or the close button) while saving: the dialog stays until the order is saved */
static gboolean
hc_order_dialog_close_request (GtkWindow *window)
{
  if (HC_ORDER_DIALOG (window)->busy)
    return TRUE;
  return GTK_WINDOW_CLASS (hc_order_dialog_parent_class)->close_request (window);
}

static void
hc_order_dialog_dispose (GObject *object)
{
  HcOrderDialog *self = HC_ORDER_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_ORDER_DIALOG);
  g_clear_object (&self->window);
  g_clear_object (&self->store);
  g_clear_object (&self->patient);
  self->orderable = NULL;
  g_clear_pointer (&self->clinical, hc_clinical_unref);

  G_OBJECT_CLASS (hc_order_dialog_parent_class)->dispose (object);
}

static void
hc_order_dialog_finalize (GObject *object)
{
  HcOrderDialog *self = HC_ORDER_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->requester);

  G_OBJECT_CLASS (hc_order_dialog_parent_class)->finalize (object);
}

static void
hc_order_dialog_class_init (HcOrderDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_order_dialog_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = hc_order_dialog_close_request;
  object_class->finalize = hc_order_dialog_finalize;

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-order-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, place_button);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, place_hint);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, patient_label);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, test_search);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, test_list);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, test_label);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, code_label);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, priority_row);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, reason_row);
  gtk_widget_class_bind_template_child (widget_class, HcOrderDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, place_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, test_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, reason_changed_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hc_order_dialog_init (HcOrderDialog *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    gtk_string_list_append (labels, _(priorities[i].label));
  adw_combo_row_set_model (self->priority_row, G_LIST_MODEL (labels));
  gtk_widget_set_visible (GTK_WIDGET (self->test_list), FALSE);
  update_place_button (self);
  /* the keyboard starts in the search, not on Cancel */
  gtk_widget_grab_focus (GTK_WIDGET (self->test_search));
}

/**
 * hc_order_dialog_new:
 * @window: the main window, with a patient's chart open
 *
 * Returns: (transfer floating): the dialog, not shown yet
 */
HcOrderDialog *
hc_order_dialog_new (HcWindow *window)
{
  HcOrderDialog *self;
  HcPatient *patient;
  g_autofree char *line = NULL;

  g_return_val_if_fail (HC_IS_WINDOW (window), NULL);
  g_return_val_if_fail (hc_window_get_patient (window) != NULL, NULL);

  self = g_object_new (HC_TYPE_ORDER_DIALOG, "transient-for", window, NULL);
  patient = hc_window_get_patient (window);
  self->window = g_object_ref (window);
  self->store = g_object_ref (hc_window_get_store (window));
  self->patient = g_object_ref (patient);
  adw_window_title_set_subtitle (self->window_title, hc_patient_get_display_name (patient));
  /* Translators: the patient's name and birth date */
  line = g_strdup_printf (_("%s, born %s"), hc_patient_get_display_name (patient),
                          hc_patient_get_birth_date (patient) ? hc_patient_get_birth_date (patient)
                                                              : _("unknown"));
  gtk_label_set_label (self->patient_label, line);
  hc_rx_load_async (self->store, self->cancellable, loaded_cb, g_object_ref (self));
  return self;
}

/* ------------------------------------------------------------------------------------------ */
/* Window actions */

static void
new_order_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HcWindow *window = HC_WINDOW (widget);

  if (hc_window_get_patient (window) != NULL)
    gtk_window_present (GTK_WINDOW (hc_order_dialog_new (window)));
}

static void
cancel_for_reason (HcWindow   *window,
                   JsonObject *request,
                   const char *reason)
{
  g_autoptr(JsonArray) resources = json_array_new ();
  JsonObject *revoked = hc_json_object_copy (request);
  JsonArray *notes = hc_json_get_array (revoked, "note");
  JsonObject *note = json_object_new ();
  g_autofree char *now = hc_rx_now ();
  g_autofree char *text = g_strdup_printf ("Order cancelled: %s", reason);

  /* R4 ServiceRequest has no statusReason: the reason is a note */
  json_object_set_string_member (revoked, "status", "revoked");
  if (notes == NULL)
    {
      notes = json_array_new ();
      json_object_set_array_member (revoked, "note", notes);
    }
  json_object_set_string_member (note, "time", now);
  json_object_set_string_member (note, "text", text);
  json_array_add_object_element (notes, note);
  json_array_add_object_element (resources, revoked);
  hc_rx_write (window, resources);
}

static void
cancel_with (HcWindow   *window,
             JsonObject *request)
{
  g_autofree char *heading = NULL;

  /* Translators: %s is a lab test or imaging study */
  heading = g_strdup_printf (_("Cancel the order for %s?"),
                             hc_clinical_concept_label (hc_json_get_object (request, "code")));
  hc_rx_ask_reason (window, request, heading,
                    _("The order stays in the chart, marked cancelled, with your reason."),
                    _("Reason, e.g. ordered in error or done elsewhere"), _("Cancel _Order"),
                    cancel_for_reason);
}

static void
cancel_order_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  hc_rx_fetch (HC_WINDOW (widget), "ServiceRequest", g_variant_get_string (parameter, NULL),
               cancel_with);
}

void
_hc_order_install_actions (GtkWidgetClass *window_class)
{
  gtk_widget_class_install_action (window_class, "win.new-order", NULL, new_order_action);
  gtk_widget_class_install_action (window_class, "win.cancel-order", "s", cancel_order_action);
}

/* ------------------------------------------------------------------------------------------ */
/* For tests */

guint
_hc_order_dialog_get_load_serial (HcOrderDialog *self)
{
  return self->load_serial;
}

GtkEditable *
_hc_order_dialog_get_search (HcOrderDialog *self)
{
  return GTK_EDITABLE (self->test_search);
}

GtkListBox *
_hc_order_dialog_get_test_list (HcOrderDialog *self)
{
  return self->test_list;
}

GtkWidget *
_hc_order_dialog_get_place_button (HcOrderDialog *self)
{
  return self->place_button;
}

AdwComboRow *
_hc_order_dialog_get_priority_row (HcOrderDialog *self)
{
  return self->priority_row;
}

GtkEditable *
_hc_order_dialog_get_reason (HcOrderDialog *self)
{
  return GTK_EDITABLE (self->reason_row);
}
