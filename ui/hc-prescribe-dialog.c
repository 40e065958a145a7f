/* hc-prescribe-dialog.c: write, renew or change a prescription, with safety checks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The checks read nothing but the catalogs and the chart in the local store, so they work
 * offline. A severe warning blocks signing until the prescriber gives a reason; the reason and
 * every warning shown are kept in the MedicationRequest (notes, and an extension per override:
 * docs/prescribing.md).
 */

#define G_LOG_DOMAIN "hc-prescribe"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-entry-row.h"
#include "hc-json.h"
#include "hc-prescribe-dialog.h"
#include "hc-prescription-print.h"
#include "hc-rx-common.h"
#include "hc-rx-private.h"

#define EXTENSION_OVERRIDE "urn:housecall:extension:safety-override"

struct _HcPrescribeDialog
{
  AdwWindow           parent_instance;

  /* template widgets */
  AdwWindowTitle     *window_title;
  GtkWidget          *sign_button;
  GtkLabel           *sign_hint;
  GtkLabel           *patient_label;
  GtkLabel           *allergies_label;
  GtkLabel           *replaces_label;
  GtkSearchEntry     *drug_search;
  GtkListBox         *drug_list;
  GtkLabel           *drug_label;
  GtkWidget          *dosage_group;
  GtkSpinButton      *dose_spin;
  GtkLabel           *dose_unit_label;
  AdwComboRow        *route_row;
  AdwComboRow        *frequency_row;
  GtkSwitch          *prn_switch;
  GtkSpinButton      *days_spin;
  GtkSpinButton      *quantity_spin;
  GtkLabel           *quantity_unit_label;
  GtkSpinButton      *refills_spin;
  HcEntryRow         *instructions_row;
  GtkLabel           *sig_label;
  GtkListBox         *warning_list;
  GtkWidget          *override_group;
  HcEntryRow         *override_row;
  GtkLabel           *error_label;

  /* owned */
  HcWindow           *window;
  HcStore            *store;
  HcPatient          *patient;
  JsonObject         *prior;
  HcClinical         *clinical;
  char               *requester;
  JsonArray          *chart;
  GPtrArray          *warnings;      /* HcClinicalWarning */
  GCancellable       *cancellable;
  HcPrescribeMode     mode;
  guint               pending_loads;
  guint               load_serial;
  gboolean            filling;
  gboolean            busy;

  /* borrowed from clinical */
  const HcDrug       *drug;
};

G_DEFINE_FINAL_TYPE (HcPrescribeDialog, hc_prescribe_dialog, ADW_TYPE_WINDOW)

static const struct
{
  const char *id;
  const char *label;
} routes[] = {
  { "oral", N_("By mouth (oral)") },
  { "sublingual", N_("Under the tongue (sublingual)") },
  { "inhalation", N_("Inhaled") },
  { "topical", N_("On the skin (topical)") },
  { "nasal", N_("In the nose (nasal)") },
  { "subcutaneous", N_("Under the skin (subcutaneous)") },
  { "intramuscular", N_("Into a muscle (intramuscular)") },
};

#define MAX_RESULTS 8

static guint
route_index (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_strcmp0 (routes[i].id, id) == 0)
      return i;
  return 0;
}

static guint
frequency_index (const char *id)
{
  const HcFrequency *frequencies = hc_clinical_frequencies ();

  for (guint i = 0; frequencies[i].id != NULL; i++)
    if (g_strcmp0 (frequencies[i].id, id) == 0)
      return i;
  return 0;
}

static void
show_error (HcPrescribeDialog *self,
            const char        *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* What the fields say now; the strings are borrowed. */
static void
read_fields (HcPrescribeDialog *self,
             HcPrescription    *rx)
{
  guint route = adw_combo_row_get_selected (self->route_row);
  guint frequency = adw_combo_row_get_selected (self->frequency_row);
  const char *instructions = gtk_editable_get_text (GTK_EDITABLE (self->instructions_row));

  memset (rx, 0, sizeof *rx);
  rx->drug = self->drug;
  rx->dose = gtk_spin_button_get_value (self->dose_spin);
  rx->dose_unit = self->drug ? self->drug->dose_unit : NULL;
  rx->route = routes[MIN (route, G_N_ELEMENTS (routes) - 1)].id;
  rx->frequency = hc_clinical_frequencies ()[frequency].id;
  rx->as_needed = gtk_switch_get_active (self->prn_switch);
  rx->days = (guint) gtk_spin_button_get_value_as_int (self->days_spin);
  rx->quantity = gtk_spin_button_get_value (self->quantity_spin);
  rx->quantity_unit = self->drug ? self->drug->quantity_unit : NULL;
  rx->refills = (guint) gtk_spin_button_get_value_as_int (self->refills_spin);
  rx->instructions = instructions[0] != '\0' ? instructions : NULL;
}

static gboolean
has_severe_warning (HcPrescribeDialog *self)
{
  for (guint i = 0; self->warnings != NULL && i < self->warnings->len; i++)
    if (((HcClinicalWarning *) self->warnings->pdata[i])->severity == HC_CLINICAL_SEVERITY_HIGH)
      return TRUE;
  return FALSE;
}

static char *
override_reason (HcPrescribeDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->override_row))));
}

static void
update_sign_button (HcPrescribeDialog *self)
{
  g_autofree char *reason = override_reason (self);
  gboolean ready = self->clinical != NULL && self->pending_loads == 0 && !self->busy;
  const char *why_not = NULL;

  if (self->drug == NULL)
    why_not = _("Choose a medication to sign the prescription.");
  else if (gtk_spin_button_get_value (self->dose_spin) <= 0)
    why_not = _("Enter a dose to sign the prescription.");
  else if (gtk_spin_button_get_value (self->quantity_spin) <= 0)
    why_not = _("Enter the quantity to dispense to sign the prescription.");
  else if (has_severe_warning (self) && reason[0] == '\0')
    why_not = _("A severe warning needs a reason for overriding before you can sign.");
  hc_rx_set_ready (self->sign_button, self->sign_hint, ready, why_not);
}

static const char *
severity_label (HcClinicalSeverity severity)
{
  switch (severity)
    {
    case HC_CLINICAL_SEVERITY_HIGH:
      return _("Severe");
    case HC_CLINICAL_SEVERITY_MODERATE:
      return _("Moderate");
    case HC_CLINICAL_SEVERITY_LOW:
    default:
      return _("Minor");
    }
}

static GtkWidget *
new_warning_row (const HcClinicalWarning *warning)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon, *badge;
  g_autofree char *title = NULL;
  const char *style;

  switch (warning->kind)
    {
    case HC_CLINICAL_WARNING_ALLERGY:
      /* Translators: %s is the allergy as the chart records it, e.g. "Penicillin (unconfirmed)" */
      title = g_strdup_printf (_("Allergy: %s"), warning->culprit_text);
      break;
    case HC_CLINICAL_WARNING_INTERACTION:
      /* Translators: %s is an active prescription of the patient */
      title = g_strdup_printf (_("Interaction with %s"), warning->culprit_text);
      break;
    case HC_CLINICAL_WARNING_DUPLICATE:
    default:
      /* Translators: %s is an active prescription of the patient */
      title = g_strdup_printf (_("Duplicate of %s"), warning->culprit_text);
      break;
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), warning->message);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);

  style = warning->severity == HC_CLINICAL_SEVERITY_HIGH ? "error"
        : warning->severity == HC_CLINICAL_SEVERITY_MODERATE ? "warning" : "dim-label";
  icon = gtk_image_new_from_icon_name (warning->severity == HC_CLINICAL_SEVERITY_LOW
                                       ? "dialog-information-symbolic"
                                       : "dialog-warning-symbolic");
  gtk_widget_add_css_class (icon, style);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  severity_label (warning->severity), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  badge = gtk_label_new (severity_label (warning->severity));
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, style);
  gtk_widget_add_css_class (badge, "heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
  gtk_widget_add_css_class (row, "hc-warning");
  return row;
}

static guint
count_chart (HcPrescribeDialog *self,
             const char        *type)
{
  guint n = 0;

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *element = hc_json_array_get_object (self->chart, i);
      JsonObject *resource = element ? hc_json_get_object (element, "resource") : NULL;

      if (resource != NULL && g_strcmp0 (hc_json_get_string (resource, "resourceType"), type) == 0)
        n++;
    }
  return n;
}

/* Checks what the fields say against the chart and shows the warnings and the sig. */
static void
update_checks (HcPrescribeDialog *self)
{
  g_autoptr(JsonObject) proposed = NULL;
  g_autofree char *sig = NULL;
  HcPrescription rx;

  if (self->filling)
    return;
  hc_widget_remove_children (GTK_WIDGET (self->warning_list));
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  if (self->clinical == NULL || self->pending_loads > 0 || self->drug == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     self->pending_loads > 0 ? _("Loading the chart…")
                                                             : _("Choose a drug to check it"));
      gtk_list_box_append (self->warning_list, row);
      gtk_label_set_label (self->sig_label, "—");
      gtk_widget_set_visible (self->override_group, FALSE);
      update_sign_button (self);
      return;
    }

  read_fields (self, &rx);
  sig = hc_clinical_format_sig (&rx);
  gtk_label_set_label (self->sig_label, sig);
  proposed = hc_clinical_build_medication_request (&rx, hc_patient_get_id (self->patient),
                                                   self->requester, NULL);
  {
    const char *ignore[] = { self->prior ? hc_json_get_string (self->prior, "id") : NULL, NULL };

    self->warnings = hc_clinical_check (self->clinical, proposed, self->chart, ignore);
  }
  for (guint i = 0; i < self->warnings->len; i++)
    gtk_list_box_append (self->warning_list, new_warning_row (self->warnings->pdata[i]));
  if (self->warnings->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
      g_autofree char *checked = NULL;

      gtk_widget_add_css_class (icon, "success");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("No allergy, interaction or duplicate warnings"));
      /* Translators: what the check read, on this computer */
      checked = g_strdup_printf (_("Checked against %u allergy records and %u prescriptions in "
                                   "this chart"),
                                 count_chart (self, "AllergyIntolerance"),
                                 count_chart (self, "MedicationRequest"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), checked);
      gtk_list_box_append (self->warning_list, row);
    }
  gtk_widget_set_visible (self->override_group, has_severe_warning (self));
  update_sign_button (self);
}

static void
fill_fields (HcPrescribeDialog    *self,
             const HcPrescription *rx)
{
  self->filling = TRUE;
  self->drug = rx->drug;
  gtk_widget_set_sensitive (self->dosage_group, rx->drug != NULL);
  if (rx->drug != NULL)
    {
      gtk_label_set_label (self->drug_label, rx->drug->name);
      gtk_label_set_label (self->dose_unit_label, rx->drug->dose_unit);
      gtk_label_set_label (self->quantity_unit_label, rx->drug->quantity_unit);
    }
  gtk_spin_button_set_value (self->dose_spin, rx->dose);
  adw_combo_row_set_selected (self->route_row, route_index (rx->route));
  adw_combo_row_set_selected (self->frequency_row, frequency_index (rx->frequency));
  gtk_switch_set_active (self->prn_switch, rx->as_needed);
  gtk_spin_button_set_value (self->days_spin, rx->days);
  gtk_spin_button_set_value (self->quantity_spin, rx->quantity);
  gtk_spin_button_set_value (self->refills_spin, rx->refills);
  gtk_editable_set_text (GTK_EDITABLE (self->instructions_row),
                         rx->instructions ? rx->instructions : "");
  self->filling = FALSE;
  update_checks (self);
}

static void
choose_drug (HcPrescribeDialog *self,
             const HcDrug      *drug)
{
  HcPrescription rx = {
    .drug = drug, .dose = drug->dose, .dose_unit = drug->dose_unit, .route = drug->route,
    .frequency = drug->frequency, .as_needed = drug->as_needed, .days = drug->days,
    .quantity = drug->quantity, .quantity_unit = drug->quantity_unit, .refills = drug->refills,
    .instructions = drug->instructions,
  };

  fill_fields (self, &rx);
}

static void
update_results (HcPrescribeDialog *self)
{
  g_autoptr(GPtrArray) found = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->drug_search));

  hc_widget_remove_children (GTK_WIDGET (self->drug_list));
  if (self->clinical == NULL || query[0] == '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->drug_list), FALSE);
      return;
    }
  found = hc_clinical_search_drugs (self->clinical, query, MAX_RESULTS);
  for (guint i = 0; i < found->len; i++)
    {
      const HcDrug *drug = found->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *ingredients = g_strjoinv (", ", drug->ingredients);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), drug->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), ingredients);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_name (row, drug->id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_append (self->drug_list, row);
    }
  if (found->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("No drug in the formulary matches"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->drug_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->drug_list), TRUE);
}

static void
show_allergies (HcPrescribeDialog *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; self->chart != NULL && i < json_array_get_length (self->chart); i++)
    {
      JsonObject *element = hc_json_array_get_object (self->chart, i);
      JsonObject *resource = element ? hc_json_get_object (element, "resource") : NULL;
      const char *label;

      if (resource == NULL ||
          g_strcmp0 (hc_json_get_string (resource, "resourceType"), "AllergyIntolerance") != 0)
        continue;
      label = hc_clinical_concept_label (hc_json_get_object (resource, "code"));
      if (label == NULL)
        continue;
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", label);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->allergies_label), TRUE);
  if (text->len == 0)
    {
      gtk_label_set_label (self->allergies_label, _("No allergies recorded"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->allergies_label), "warning");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->allergies_label), "warning");
      /* Translators: %s is a list of the patient's allergies */
      g_autofree char *line = g_strdup_printf (_("Allergies: %s"), text->str);

      gtk_label_set_label (self->allergies_label, line);
    }
}

static void
loads_finished (HcPrescribeDialog *self)
{
  self->load_serial++;
  show_allergies (self);
  if (self->clinical != NULL && self->prior != NULL)
    {
      HcPrescription rx;

      if (hc_clinical_read_prescription (self->clinical, self->prior, &rx) && rx.drug != NULL)
        fill_fields (self, &rx);
      else
        show_error (self, _("This prescription is not in the formulary: choose the drug again."));
    }
  update_results (self);
  update_checks (self);
}

static void
clinical_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(HcPrescribeDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->clinical = hc_rx_load_finish (result, &self->requester, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->clinical == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The drug catalog could not be loaded, so "
                                                    "nothing can be checked: %s"),
                                                  error->message);
      g_warning ("loading the clinical catalogs failed");
      show_error (self, message);
    }
  if (--self->pending_loads == 0)
    loads_finished (self);
}

static void
chart_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HcPrescribeDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->chart = hc_store_list_chart_finish (HC_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->chart == NULL)
    {
      g_warning ("reading the chart failed: %s", error->message);
      /* without the chart nothing can be checked: do not let it be signed */
      g_clear_pointer (&self->clinical, hc_clinical_unref);
      show_error (self, _("The chart could not be read, so allergies and interactions cannot be "
                          "checked."));
    }
  if (--self->pending_loads == 0)
    loads_finished (self);
}

static void
add_note (JsonObject *request,
          const char *author,
          const char *time,
          const char *text)
{
  JsonArray *notes = hc_json_get_array (request, "note");
  JsonObject *note = json_object_new ();

  if (notes == NULL)
    {
      notes = json_array_new ();
      json_object_set_array_member (request, "note", notes);
    }
  json_object_set_string_member (note, "authorString", author);
  json_object_set_string_member (note, "time", time);
  json_object_set_string_member (note, "text", text);
  json_array_add_object_element (notes, note);
}

static void
add_sub_extension (JsonArray  *extensions,
                   const char *url,
                   const char *value_member,
                   JsonNode   *value)
{
  JsonObject *extension = json_object_new ();

  json_object_set_string_member (extension, "url", url);
  json_object_set_member (extension, value_member, value);
  json_array_add_object_element (extensions, extension);
}

/* The warnings shown before signing, and the reason for overriding the severe ones. */
static void
record_warnings (HcPrescribeDialog *self,
                 JsonObject        *request,
                 const char        *now)
{
  g_autofree char *reason = override_reason (self);

  for (guint i = 0; i < self->warnings->len; i++)
    {
      HcClinicalWarning *warning = self->warnings->pdata[i];
      const char *kind = warning->kind == HC_CLINICAL_WARNING_ALLERGY ? "allergy"
                       : warning->kind == HC_CLINICAL_WARNING_INTERACTION ? "interaction"
                       : "duplicate";
      const char *severity = hc_clinical_severity_to_string (warning->severity);
      g_autofree char *text = NULL;

      /* the record's notes are clinical text in the prescriber's words, not UI strings */
      if (warning->severity == HC_CLINICAL_SEVERITY_HIGH)
        text = g_strdup_printf ("Safety warning overridden (%s %s, %s): %s Reason: %s", severity,
                                kind, warning->culprit_text, warning->message, reason);
      else
        text = g_strdup_printf ("Safety warning shown before signing (%s %s, %s): %s", severity,
                                kind, warning->culprit_text, warning->message);
      add_note (request, self->requester, now, text);

      if (warning->severity == HC_CLINICAL_SEVERITY_HIGH)
        {
          JsonArray *extensions = hc_json_get_array (request, "extension");
          JsonObject *extension = json_object_new ();
          JsonArray *parts = json_array_new ();
          JsonObject *culprit = json_object_new ();
          JsonNode *node;

          if (extensions == NULL)
            {
              extensions = json_array_new ();
              json_object_set_array_member (request, "extension", extensions);
            }
          json_object_set_string_member (extension, "url", EXTENSION_OVERRIDE);
          add_sub_extension (parts, "kind", "valueCode", json_node_init_string (json_node_alloc (), kind));
          add_sub_extension (parts, "severity", "valueCode",
                             json_node_init_string (json_node_alloc (), severity));
          add_sub_extension (parts, "rule", "valueString",
                             json_node_init_string (json_node_alloc (), warning->rule));
          add_sub_extension (parts, "message", "valueString",
                             json_node_init_string (json_node_alloc (), warning->message));
          json_object_set_string_member (culprit, "reference", warning->culprit);
          json_object_set_string_member (culprit, "display", warning->culprit_text);
          node = json_node_init_object (json_node_alloc (), culprit);
          json_object_unref (culprit);
          add_sub_extension (parts, "culprit", "valueReference", node);
          add_sub_extension (parts, "reason", "valueString",
                             json_node_init_string (json_node_alloc (), reason));
          json_object_set_array_member (extension, "extension", parts);
          json_array_add_object_element (extensions, extension);
        }
    }
}

static void
signed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcPrescribeDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) stored = NULL;

  stored = hc_store_put_many_finish (HC_STORE (source), result, &error);
  self->busy = FALSE;
  /* the window went meanwhile (the dialog with it): what was saved stays saved */
  if (self->store == NULL)
    {
      if (stored == NULL)
        g_warning ("saving a prescription failed: %s", error->message);
      return;
    }
  if (stored == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Nothing was saved: %s"),
                                                  hc_store_error_text (error));

      g_debug ("saving a prescription failed: %s", error->message);
      show_error (self, message);
      update_sign_button (self);
      return;
    }
  g_debug ("signed MedicationRequest/%s",
           hc_json_get_string (hc_json_array_get_object (stored, 0), "id"));
  hc_window_reload_chart (self->window);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
sign_clicked_cb (HcPrescribeDialog *self)
{
  g_autoptr(JsonArray) resources = json_array_new ();
  g_autofree char *now = hc_rx_now ();
  JsonObject *request;
  HcPrescription rx;

  update_checks (self);
  if (!gtk_widget_get_sensitive (self->sign_button))
    return;
  read_fields (self, &rx);
  request = hc_clinical_build_medication_request (&rx, hc_patient_get_id (self->patient),
                                                  self->requester, now);
  record_warnings (self, request, now);
  json_array_add_object_element (resources, request);
  if (self->prior != NULL && self->mode != HC_PRESCRIBE_NEW)
    {
      g_autofree char *reference =
        g_strdup_printf ("MedicationRequest/%s", hc_json_get_string (self->prior, "id"));
      JsonObject *prior = json_object_new ();
      JsonObject *old = hc_json_object_copy (self->prior);
      JsonObject *reason = json_object_new ();

      json_object_set_string_member (prior, "reference", reference);
      json_object_set_object_member (request, "priorPrescription", prior);
      /* the old order ends in the same changeset as the new one starts */
      json_object_set_string_member (old, "status",
                                     self->mode == HC_PRESCRIBE_CHANGE ? "stopped" : "completed");
      json_object_set_string_member (reason, "text",
                                     self->mode == HC_PRESCRIBE_CHANGE
                                     ? "Changed: replaced by a new prescription"
                                     : "Renewed: replaced by a new prescription");
      json_object_set_object_member (old, "statusReason", reason);
      json_array_add_object_element (resources, old);
    }

  self->busy = TRUE;
  show_error (self, NULL);
  update_sign_button (self);
  /* not cancelled with the dialog: once signed, it is saved */
  hc_store_put_many_async (self->store, resources, NULL, signed_cb, g_object_ref (self));
}

static void
drug_search_changed_cb (HcPrescribeDialog *self)
{
  update_results (self);
}

static void
drug_row_activated_cb (HcPrescribeDialog *self,
                       GtkListBoxRow     *row)
{
  const HcDrug *drug = self->clinical
                       ? hc_clinical_get_drug (self->clinical, gtk_widget_get_name (GTK_WIDGET (row)))
                       : NULL;

  if (drug == NULL)
    return;
  choose_drug (self, drug);
  gtk_editable_set_text (GTK_EDITABLE (self->drug_search), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->dose_spin));
}

static void
drug_search_activate_cb (HcPrescribeDialog *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->drug_list, 0);

  if (first != NULL && gtk_list_box_row_get_activatable (first))
    drug_row_activated_cb (self, first);
}

/* 1 rather than 1.00, 0.25 as it is */
static gboolean
spin_output_cb (GtkSpinButton *spin)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%g", gtk_spin_button_get_value (spin));
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static void
field_changed_cb (HcPrescribeDialog *self)
{
  update_checks (self);
}

static void
override_changed_cb (HcPrescribeDialog *self)
{
  update_sign_button (self);
}

/* Escape (or the close button) while saving: the dialog stays until the prescription is saved */
static gboolean
hc_prescribe_dialog_close_request (GtkWindow *window)
{
  if (HC_PRESCRIBE_DIALOG (window)->busy)
    return TRUE;
  return GTK_WINDOW_CLASS (hc_prescribe_dialog_parent_class)->close_request (window);
}

static void
hc_prescribe_dialog_dispose (GObject *object)
{
  HcPrescribeDialog *self = HC_PRESCRIBE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_PRESCRIBE_DIALOG);
  g_clear_object (&self->window);
  g_clear_object (&self->store);
  g_clear_object (&self->patient);
  g_clear_pointer (&self->prior, json_object_unref);
  g_clear_pointer (&self->chart, json_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  self->drug = NULL;
  g_clear_pointer (&self->clinical, hc_clinical_unref);

  G_OBJECT_CLASS (hc_prescribe_dialog_parent_class)->dispose (object);
}

static void
hc_prescribe_dialog_finalize (GObject *object)
{
  HcPrescribeDialog *self = HC_PRESCRIBE_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->requester);

  G_OBJECT_CLASS (hc_prescribe_dialog_parent_class)->finalize (object);
}

static void
hc_prescribe_dialog_class_init (HcPrescribeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_prescribe_dialog_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = hc_prescribe_dialog_close_request;
  object_class->finalize = hc_prescribe_dialog_finalize;

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-prescribe-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, sign_button);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, sign_hint);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, patient_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, allergies_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, replaces_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, drug_search);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, drug_list);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, drug_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, dosage_group);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, dose_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, dose_unit_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, route_row);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, frequency_row);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, prn_switch);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, days_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, quantity_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, quantity_unit_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, refills_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, instructions_row);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, sig_label);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, warning_list);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, override_group);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, override_row);
  gtk_widget_class_bind_template_child (widget_class, HcPrescribeDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, sign_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, drug_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, drug_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, drug_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, spin_output_cb);
  gtk_widget_class_bind_template_callback (widget_class, override_changed_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hc_prescribe_dialog_init (HcPrescribeDialog *self)
{
  g_autoptr(GtkStringList) route_labels = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) frequency_labels = gtk_string_list_new (NULL);
  const HcFrequency *frequencies = hc_clinical_frequencies ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    gtk_string_list_append (route_labels, _(routes[i].label));
  adw_combo_row_set_model (self->route_row, G_LIST_MODEL (route_labels));
  for (guint i = 0; frequencies[i].id != NULL; i++)
    gtk_string_list_append (frequency_labels, _(frequencies[i].label));
  adw_combo_row_set_model (self->frequency_row, G_LIST_MODEL (frequency_labels));
  gtk_widget_set_visible (GTK_WIDGET (self->drug_list), FALSE);
  update_sign_button (self);
  /* the keyboard starts in the search, not on Cancel */
  gtk_widget_grab_focus (GTK_WIDGET (self->drug_search));
}

/**
 * hc_prescribe_dialog_new:
 * @window: the main window, with a patient's chart open
 * @mode: a new prescription, or a renewal or change of @prior
 * @prior: (nullable): the MedicationRequest renewed or changed
 *
 * Returns: (transfer floating): the dialog, not shown yet
 */
HcPrescribeDialog *
hc_prescribe_dialog_new (HcWindow        *window,
                         HcPrescribeMode  mode,
                         JsonObject      *prior)
{
  HcPrescribeDialog *self;
  HcPatient *patient;
  g_autofree char *birth = NULL;
  g_autofree char *line = NULL;
  const char * const types[] = { "AllergyIntolerance", "MedicationRequest", NULL };

  g_return_val_if_fail (HC_IS_WINDOW (window), NULL);
  g_return_val_if_fail (hc_window_get_patient (window) != NULL, NULL);
  g_return_val_if_fail (mode == HC_PRESCRIBE_NEW || prior != NULL, NULL);

  self = g_object_new (HC_TYPE_PRESCRIBE_DIALOG, "transient-for", window, NULL);
  patient = hc_window_get_patient (window);
  self->window = g_object_ref (window);
  self->store = g_object_ref (hc_window_get_store (window));
  self->patient = g_object_ref (patient);
  self->mode = mode;
  self->prior = prior ? json_object_ref (prior) : NULL;

  if (mode != HC_PRESCRIBE_NEW)
    {
      const char *title = mode == HC_PRESCRIBE_RENEW ? _("Renew Prescription")
                                                      : _("Change Prescription");
      g_autofree char *replaces = NULL;

      gtk_window_set_title (GTK_WINDOW (self), title);
      adw_window_title_set_title (self->window_title, title);
      /* Translators: %s is the prescription being renewed or changed */
      replaces = g_strdup_printf (mode == HC_PRESCRIBE_RENEW
                                  ? _("Renews %s; the current order will be marked completed.")
                                  : _("Replaces %s; the current order will be stopped."),
                                  hc_clinical_concept_label (hc_json_get_object (prior,
                                                                           "medicationCodeableConcept")));
      gtk_label_set_label (self->replaces_label, replaces);
      gtk_widget_set_visible (GTK_WIDGET (self->replaces_label), TRUE);
    }
  adw_window_title_set_subtitle (self->window_title, hc_patient_get_display_name (patient));
  birth = hc_patient_get_birth_date (patient) ? g_strdup (hc_patient_get_birth_date (patient))
                                              : g_strdup (_("unknown"));
  /* Translators: the patient's name and birth date */
  line = g_strdup_printf (_("%s, born %s"), hc_patient_get_display_name (patient), birth);
  gtk_label_set_label (self->patient_label, line);
  gtk_label_set_label (self->allergies_label, _("Loading allergies…"));

  self->pending_loads = 2;
  hc_rx_load_async (self->store, self->cancellable, clinical_loaded_cb, g_object_ref (self));
  hc_store_list_chart_async (self->store, hc_patient_get_id (patient), types, self->cancellable,
                             chart_loaded_cb, g_object_ref (self));
  update_checks (self);
  return self;
}

/* ------------------------------------------------------------------------------------------ */
/* Window actions */

static void
prescribe_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HcWindow *window = HC_WINDOW (widget);

  if (hc_window_get_patient (window) == NULL)
    return;
  gtk_window_present (GTK_WINDOW (hc_prescribe_dialog_new (window, HC_PRESCRIBE_NEW, NULL)));
}

static void
renew_with (HcWindow   *window,
            JsonObject *request)
{
  if (hc_window_get_patient (window) != NULL)
    gtk_window_present (GTK_WINDOW (hc_prescribe_dialog_new (window, HC_PRESCRIBE_RENEW, request)));
}

static void
change_with (HcWindow   *window,
             JsonObject *request)
{
  if (hc_window_get_patient (window) != NULL)
    gtk_window_present (GTK_WINDOW (hc_prescribe_dialog_new (window, HC_PRESCRIBE_CHANGE, request)));
}

static void
stop_for_reason (HcWindow   *window,
                 JsonObject *request,
                 const char *reason)
{
  g_autoptr(JsonArray) resources = json_array_new ();
  JsonObject *stopped = hc_json_object_copy (request);
  JsonObject *status_reason = json_object_new ();

  json_object_set_string_member (stopped, "status", "stopped");
  json_object_set_string_member (status_reason, "text", reason);
  json_object_set_object_member (stopped, "statusReason", status_reason);
  json_array_add_object_element (resources, stopped);
  hc_rx_write (window, resources);
}

static void
stop_with (HcWindow   *window,
           JsonObject *request)
{
  g_autofree char *heading = NULL;

  /* Translators: %s is a drug */
  heading = g_strdup_printf (_("Stop %s?"),
                             hc_clinical_concept_label (hc_json_get_object (request,
                                                                      "medicationCodeableConcept")));
  hc_rx_ask_reason (window, request, heading,
                    _("The prescription stays in the chart, marked stopped, with your reason."),
                    _("Reason, e.g. side effects or no longer needed"), _("_Stop Prescription"),
                    stop_for_reason);
}

static void
print_with (HcWindow   *window,
            JsonObject *request)
{
  g_autoptr(GError) error = NULL;
  HcPatient *patient = hc_window_get_patient (window);

  if (patient == NULL)
    return;
  if (!hc_prescription_print (GTK_WINDOW (window), hc_window_get_store (window), request, patient,
                              NULL, &error))
    hc_rx_show_error (GTK_WINDOW (window), _("The prescription could not be printed"),
                      error->message);
}

static void
fetch_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  static const struct
  {
    const char       *action;
    HcRxResourceFunc  func;
  } actions[] = {
    { "win.renew-prescription", renew_with },
    { "win.change-prescription", change_with },
    { "win.stop-prescription", stop_with },
    { "win.print-prescription", print_with },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (actions[i].action, action_name) == 0)
      hc_rx_fetch (HC_WINDOW (widget), "MedicationRequest", g_variant_get_string (parameter, NULL),
                   actions[i].func);
}

void
_hc_prescribe_install_actions (GtkWidgetClass *window_class)
{
  gtk_widget_class_install_action (window_class, "win.prescribe", NULL, prescribe_action);
  gtk_widget_class_install_action (window_class, "win.renew-prescription", "s", fetch_action);
  gtk_widget_class_install_action (window_class, "win.change-prescription", "s", fetch_action);
  gtk_widget_class_install_action (window_class, "win.stop-prescription", "s", fetch_action);
  gtk_widget_class_install_action (window_class, "win.print-prescription", "s", fetch_action);
}

/* ------------------------------------------------------------------------------------------ */
/* For tests */

guint
_hc_prescribe_dialog_get_load_serial (HcPrescribeDialog *self)
{
  return self->load_serial;
}

GtkEditable *
_hc_prescribe_dialog_get_search (HcPrescribeDialog *self)
{
  return GTK_EDITABLE (self->drug_search);
}

GtkListBox *
_hc_prescribe_dialog_get_drug_list (HcPrescribeDialog *self)
{
  return self->drug_list;
}

GtkWidget *
_hc_prescribe_dialog_get_sign_button (HcPrescribeDialog *self)
{
  return self->sign_button;
}

GtkEditable *
_hc_prescribe_dialog_get_override (HcPrescribeDialog *self)
{
  return GTK_EDITABLE (self->override_row);
}

GtkListBox *
_hc_prescribe_dialog_get_warning_list (HcPrescribeDialog *self)
{
  return self->warning_list;
}

GPtrArray *
_hc_prescribe_dialog_get_warnings (HcPrescribeDialog *self)
{
  return self->warnings;
}

const char *
_hc_prescribe_dialog_get_drug_id (HcPrescribeDialog *self)
{
  return self->drug ? self->drug->id : NULL;
}

const char *
_hc_prescribe_dialog_get_error (HcPrescribeDialog *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_label (self->error_label) : NULL;
}
