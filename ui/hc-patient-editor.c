/* hc-patient-editor.c: registration and insurance of one patient
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The editor changes only what the user changed: each field remembers the text it was loaded
 * with, and an untouched field leaves the stored elements (extra given names, other phone
 * numbers, extensions, ...) exactly as they were. The Patient and its Coverages are written
 * as one changeset.
 */

#define G_LOG_DOMAIN "hc-patient-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-entry-row.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-patient-editor.h"
#include "hc-patient-editor-private.h"
#include "hc-widget-util.h"

#define SYSTEM_MRN         "urn:housecall:mrn"
#define SYSTEM_V2_0203     "http://terminology.hl7.org/CodeSystem/v2-0203"
#define SYSTEM_V2_0131     "http://terminology.hl7.org/CodeSystem/v2-0131"
#define SYSTEM_ROLE_CODE   "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
#define SYSTEM_SUBSCRIBER  "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
#define SYSTEM_COV_CLASS   "http://terminology.hl7.org/CodeSystem/coverage-class"
#define SYSTEM_SSN         "http://hl7.org/fhir/sid/us-ssn"
#define EXT_GENDER_IDENTITY "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity"

typedef struct
{
  JsonObject  *identifier;     /* a copy of the stored one, or a new one */
  HcEntryRow  *row;
  gboolean     removed;
} IdentifierEdit;

typedef struct
{
  JsonObject     *resource;    /* a copy of the stored Coverage, or a new one */
  gboolean        stored;
  gboolean        removed;
  AdwExpanderRow *row;
  HcEntryRow     *payor;
  HcEntryRow     *member;
  HcEntryRow     *group;
  AdwComboRow    *relationship;
  HcEntryRow     *start;
  HcEntryRow     *end;
} CoverageEdit;

struct _HcPatientEditor
{
  AdwWindow          parent_instance;

  /* template widgets */
  AdwWindowTitle    *window_title;
  GtkWidget         *save_button;
  GtkWidget         *spinner;
  GtkScrolledWindow *scroller;
  GtkWidget         *form;
  GtkLabel          *error_label;
  GtkWidget         *duplicate_box;
  GtkLabel          *duplicate_label;
  HcEntryRow        *family_row;
  HcEntryRow        *given_row;
  HcEntryRow        *birth_row;
  GtkLabel          *birth_error;
  AdwComboRow       *sex_row;
  HcEntryRow        *gender_identity_row;
  AdwPreferencesGroup *identifier_group;
  HcEntryRow        *mrn_row;
  HcEntryRow        *phone_row;
  HcEntryRow        *email_row;
  HcEntryRow        *street_row;
  HcEntryRow        *city_row;
  HcEntryRow        *state_row;
  HcEntryRow        *postal_row;
  HcEntryRow        *country_row;
  HcEntryRow        *contact_name_row;
  AdwComboRow       *contact_relationship_row;
  HcEntryRow        *contact_phone_row;
  AdwPreferencesGroup *coverage_group;
  GtkWidget         *no_coverage_label;

  /* owned */
  HcStore           *store;
  char              *patient_id;      /* NULL until saved, for a new patient */
  gboolean           is_new;
  JsonObject        *patient;         /* as loaded (or an empty new one) */
  GPtrArray         *identifiers;     /* IdentifierEdit */
  GPtrArray         *coverages;       /* CoverageEdit */
  HcPatient         *duplicate;       /* the registered patient this one may be */
  gboolean           duplicate_checked;
  GCancellable      *cancellable;
  guint              serial;          /* loads, checks and saves finished */
  gboolean           saving;          /* a save on its way: closing waits for it */
};

G_DEFINE_FINAL_TYPE (HcPatientEditor, hc_patient_editor, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_PATIENT_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SAVED,
  OPEN_PATIENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* the rows of sex_row's model */
static const char * const genders[] = { NULL, "female", "male", "other", "unknown" };

/* the rows of contact_relationship_row's model: v3-RoleCode */
static const char * const contact_codes[] = { NULL, "SPS", "PRN", "CHILD", "SIB", "FRND", NULL };

/* the coverage relationship combo: subscriber-relationship codes */
static const char * const subscriber_codes[] = { "self", "spouse", "child", "parent", "other" };
static const char * const subscriber_labels[] = {
  N_("Self"), N_("Spouse"), N_("Child"), N_("Parent"), N_("Other"),
};

static void
identifier_edit_free (gpointer data)
{
  IdentifierEdit *ie = data;

  g_clear_pointer (&ie->identifier, json_object_unref);
  g_free (ie);
}

static void
coverage_edit_free (gpointer data)
{
  CoverageEdit *ce = data;

  g_clear_pointer (&ce->resource, json_object_unref);
  g_free (ce);
}

/* ---- JSON helpers -------------------------------------------------------------------------- */

static JsonArray *
ensure_array (JsonObject *object,
              const char *member)
{
  JsonArray *array = hc_json_get_array (object, member);

  if (array == NULL)
    {
      array = json_array_new ();
      json_object_set_array_member (object, member, array);
    }
  return array;
}

static JsonObject *
ensure_object (JsonObject *object,
               const char *member)
{
  JsonObject *child = hc_json_get_object (object, member);

  if (child == NULL)
    {
      child = json_object_new ();
      json_object_set_object_member (object, member, child);
    }
  return child;
}

/* Sets or, for an empty @value, removes a string member. */
static void
set_or_remove (JsonObject *object,
               const char *member,
               const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (object, member, value);
  else if (json_object_has_member (object, member))
    json_object_remove_member (object, member);
}

static void
remove_if_empty (JsonObject *object,
                 const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return;
  if ((JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0) ||
      (JSON_NODE_HOLDS_OBJECT (node) && json_object_get_size (json_node_get_object (node)) == 0))
    json_object_remove_member (object, member);
}

static gboolean
concept_has_code (JsonObject *concept,
                  const char *code)
{
  JsonArray *codings = hc_json_get_array (concept, "coding");

  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    if (g_strcmp0 (hc_json_get_string (hc_json_array_get_object (codings, i), "code"), code) == 0)
      return TRUE;
  return FALSE;
}

static const char *
first_code (JsonObject *concept)
{
  return hc_json_get_string (hc_json_array_get_object (hc_json_get_array (concept, "coding"), 0),
                             "code");
}

/* The official name, else the usual, else the first. */
static JsonObject *
main_name (JsonObject *patient)
{
  JsonArray *names = hc_json_get_array (patient, "name");

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
      {
        JsonObject *name = hc_json_array_get_object (names, i);
        if (g_strcmp0 (hc_json_get_string (name, "use"), pass == 0 ? "official" : "usual") == 0)
          return name;
      }
  return hc_json_array_get_object (names, 0);
}

static char *
join_strings (JsonObject *object,
              const char *member)
{
  JsonArray *array = hc_json_get_array (object, member);
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_string_append_printf (s, "%s%s", s->len ? " " : "", json_node_get_string (node));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
is_mrn (JsonObject *identifier)
{
  return concept_has_code (hc_json_get_object (identifier, "type"), "MR") ||
         g_strcmp0 (hc_json_get_string (identifier, "system"), SYSTEM_MRN) == 0;
}

static JsonObject *
find_mrn (JsonObject *patient)
{
  JsonArray *ids = hc_json_get_array (patient, "identifier");

  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    if (is_mrn (hc_json_array_get_object (ids, i)))
      return hc_json_array_get_object (ids, i);
  return NULL;
}

static JsonObject *
find_telecom (JsonArray  *telecom,
              const char *system)
{
  for (guint i = 0; telecom != NULL && i < json_array_get_length (telecom); i++)
    {
      JsonObject *cp = hc_json_array_get_object (telecom, i);
      if (g_strcmp0 (hc_json_get_string (cp, "system"), system) == 0)
        return cp;
    }
  return NULL;
}

static JsonObject *
find_home_address (JsonObject *patient)
{
  JsonArray *addresses = hc_json_get_array (patient, "address");

  for (guint i = 0; addresses != NULL && i < json_array_get_length (addresses); i++)
    {
      JsonObject *address = hc_json_array_get_object (addresses, i);
      if (g_strcmp0 (hc_json_get_string (address, "use"), "home") == 0)
        return address;
    }
  return hc_json_array_get_object (addresses, 0);
}

/* The contact marked as emergency contact, else the first. */
static JsonObject *
find_emergency_contact (JsonObject *patient)
{
  JsonArray *contacts = hc_json_get_array (patient, "contact");

  for (guint i = 0; contacts != NULL && i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = hc_json_array_get_object (contacts, i);
      JsonArray *relationships = hc_json_get_array (contact, "relationship");

      for (guint j = 0; relationships != NULL && j < json_array_get_length (relationships); j++)
        if (concept_has_code (hc_json_array_get_object (relationships, j), "C"))
          return contact;
    }
  return hc_json_array_get_object (contacts, 0);
}

static JsonObject *
find_extension (JsonObject *object,
                const char *url)
{
  JsonArray *extensions = hc_json_get_array (object, "extension");

  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *extension = hc_json_array_get_object (extensions, i);
      if (g_strcmp0 (hc_json_get_string (extension, "url"), url) == 0)
        return extension;
    }
  return NULL;
}

/* Removes @object (by identity) from @array. */
static void
array_remove_object (JsonArray  *array,
                     JsonObject *object)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (hc_json_array_get_object (array, i) == object)
      {
        json_array_remove_element (array, i);
        return;
      }
}

/**
 * hc_patient_editor_make_patient:
 * @patient: a Patient resource with an id
 *
 * Returns: (transfer full): the list row of @patient
 */
HcPatient *
hc_patient_editor_make_patient (JsonObject *patient)
{
  JsonObject *name = main_name (patient);
  JsonObject *mrn = find_mrn (patient);
  JsonObject *phone = find_telecom (hc_json_get_array (patient, "telecom"), "phone");
  g_autofree char *given = name ? join_strings (name, "given") : NULL;

  if (mrn == NULL)
    mrn = hc_json_array_get_object (hc_json_get_array (patient, "identifier"), 0);
  return hc_patient_new (hc_json_get_string (patient, "id"),
                         name ? hc_json_get_string (name, "family") : NULL,
                         given && *given ? given : NULL,
                         hc_json_get_string (patient, "birthDate"),
                         hc_json_get_string (patient, "gender"),
                         mrn ? hc_json_get_string (mrn, "value") : NULL,
                         phone ? hc_json_get_string (phone, "value") : NULL);
}

/* ---- fields ------------------------------------------------------------------------------ */

/* Each entry remembers what it was loaded with, so an unchanged field writes nothing. */
static void
load_entry (HcEntryRow *row,
            const char *text)
{
  g_object_set_data_full (G_OBJECT (row), "hc-loaded", g_strdup (text ? text : ""), g_free);
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
}

static char *
entry_text (HcEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static gboolean
entry_changed (HcEntryRow *row)
{
  const char *loaded = g_object_get_data (G_OBJECT (row), "hc-loaded");
  g_autofree char *text = entry_text (row);

  return g_strcmp0 (text, loaded ? loaded : "") != 0;
}

static void
load_combo (AdwComboRow *row,
            guint        position)
{
  g_object_set_data (G_OBJECT (row), "hc-loaded", GUINT_TO_POINTER (position + 1));
  adw_combo_row_set_selected (row, position);
}

static gboolean
combo_changed (AdwComboRow *row)
{
  guint loaded = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "hc-loaded"));

  return loaded == 0 || loaded - 1 != adw_combo_row_get_selected (row);
}

static void
set_row_error (GtkWidget *row,
               gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                               error ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

/* YYYY-MM-DD, a real day, not in the future and not before 1880. An empty text is valid
 * only when @required is FALSE. Returns a translated problem, or NULL. */
static const char *
check_date (const char *text,
            gboolean    required,
            gboolean    past)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int y, m, d;

  if (text == NULL || *text == '\0')
    return required ? _("Enter the birth date, like 1961-07-04.") : NULL;
  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-' ||
      sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[8]) ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return _("Not a date: write it as year-month-day, like 1961-07-04.");
  if (y < 1880)
    return _("The year is too early.");
  if (past)
    {
      g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");

      if (strcmp (text, today) > 0)
        return _("The birth date is in the future.");
    }
  return NULL;
}

static void
show_error (HcPatientEditor *self,
            const char      *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
set_busy (HcPatientEditor *self,
          gboolean         busy)
{
  /* a text field made insensitive while focused never hears it lost the focus */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_widget_set_visible (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save-anyway", !busy);
}

static void
update_coverage_placeholder (HcPatientEditor *self)
{
  gboolean any = FALSE;

  for (guint i = 0; i < self->coverages->len; i++)
    any |= !((CoverageEdit *) g_ptr_array_index (self->coverages, i))->removed;
  gtk_widget_set_visible (self->no_coverage_label, !any);
}

/* ---- identifiers --------------------------------------------------------------------------- */

static const char *
identifier_title (JsonObject *identifier)
{
  JsonObject *type = hc_json_get_object (identifier, "type");
  const char *code = first_code (type);

  if (g_strcmp0 (code, "DL") == 0)
    return _("Driver’s License");
  if (g_strcmp0 (code, "PPN") == 0)
    return _("Passport");
  if (g_strcmp0 (code, "SS") == 0 ||
      g_strcmp0 (hc_json_get_string (identifier, "system"), SYSTEM_SSN) == 0)
    return _("Social Security Number");
  if (hc_json_get_string (type, "text") != NULL)
    return hc_json_get_string (type, "text");
  return _("Other Identifier");
}

static void
remove_identifier_cb (GtkButton      *button,
                      IdentifierEdit *ie)
{
  ie->removed = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (ie->row), FALSE);
}

static IdentifierEdit *
add_identifier_row (HcPatientEditor *self,
                    JsonObject      *identifier)
{
  IdentifierEdit *ie = g_new0 (IdentifierEdit, 1);
  GtkWidget *remove;

  ie->identifier = identifier;
  ie->row = HC_ENTRY_ROW (hc_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ie->row), identifier_title (identifier));
  load_entry (ie->row, hc_json_get_string (identifier, "value"));
  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove Identifier"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove Identifier"), -1);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_identifier_cb), ie);
  adw_action_row_add_suffix (ADW_ACTION_ROW (ie->row), remove);
  adw_preferences_group_add (self->identifier_group, GTK_WIDGET (ie->row));
  g_ptr_array_add (self->identifiers, ie);
  return ie;
}

static void
add_identifier_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (widget);
  const char *code = g_variant_get_string (parameter, NULL);
  JsonObject *identifier = json_object_new ();
  IdentifierEdit *ie;

  json_object_set_string_member (identifier, "use", "official");
  if (g_str_equal (code, "other"))
    json_object_set_object_member (identifier, "type",
                                   hc_fhir_concept_new (NULL, NULL, NULL, _("Other Identifier")));
  else
    {
      const char *display = g_str_equal (code, "DL") ? "Driver's license number"
                          : g_str_equal (code, "PPN") ? "Passport number"
                          : "Social Security number";

      json_object_set_object_member (identifier, "type",
                                     hc_fhir_concept_new (SYSTEM_V2_0203, code, display, NULL));
      if (g_str_equal (code, "SS"))
        json_object_set_string_member (identifier, "system", SYSTEM_SSN);
    }
  ie = add_identifier_row (self, identifier);
  gtk_widget_grab_focus (GTK_WIDGET (ie->row));
}

/* ---- insurance ----------------------------------------------------------------------------- */

static const char *
coverage_payor_name (JsonObject *coverage)
{
  JsonObject *payor = hc_json_array_get_object (hc_json_get_array (coverage, "payor"), 0);

  return hc_json_get_string (payor, "display");
}

static JsonObject *
find_group_class (JsonObject *coverage)
{
  JsonArray *classes = hc_json_get_array (coverage, "class");

  for (guint i = 0; classes != NULL && i < json_array_get_length (classes); i++)
    {
      JsonObject *class = hc_json_array_get_object (classes, i);
      if (concept_has_code (hc_json_get_object (class, "type"), "group"))
        return class;
    }
  return NULL;
}

static void
update_coverage_title (CoverageEdit *ce)
{
  g_autofree char *payor = entry_text (ce->payor);
  g_autofree char *member = entry_text (ce->member);
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ce->row),
                                 *payor ? payor : _("New Insurance"));
  if (*member)
    /* Translators: the insurance member id, e.g. "Member ID AB123456789" */
    subtitle = g_strdup_printf (_("Member ID %s"), member);
  adw_expander_row_set_subtitle (ce->row, subtitle ? subtitle : "");
}

static void
coverage_text_changed_cb (GtkEditable  *editable,
                          CoverageEdit *ce)
{
  update_coverage_title (ce);
}

static void
remove_coverage (HcPatientEditor *self,
                 CoverageEdit    *ce)
{
  adw_preferences_group_remove (self->coverage_group, GTK_WIDGET (ce->row));
  ce->row = NULL;
  if (ce->stored)
    ce->removed = TRUE;    /* saved as entered-in-error */
  else
    g_ptr_array_remove (self->coverages, ce);
  update_coverage_placeholder (self);
}

static void
remove_coverage_cb (GtkButton       *button,
                    HcPatientEditor *self)
{
  CoverageEdit *ce = g_object_get_data (G_OBJECT (button), "hc-coverage");

  remove_coverage (self, ce);
}

static HcEntryRow *
add_coverage_entry (CoverageEdit *ce,
                    const char   *title,
                    const char   *text)
{
  HcEntryRow *row = HC_ENTRY_ROW (hc_entry_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  load_entry (row, text);
  adw_expander_row_add_row (ce->row, GTK_WIDGET (row));
  return row;
}

static CoverageEdit *
add_coverage_rows (HcPatientEditor *self,
                   JsonObject      *coverage,
                   gboolean         stored)
{
  CoverageEdit *ce = g_new0 (CoverageEdit, 1);
  JsonObject *group = find_group_class (coverage);
  JsonObject *period = hc_json_get_object (coverage, "period");
  const char *relationship = first_code (hc_json_get_object (coverage, "relationship"));
  g_autoptr(GtkStringList) relationships = gtk_string_list_new (NULL);
  GtkWidget *remove_row, *remove;
  guint selected = 0;

  ce->resource = coverage;
  ce->stored = stored;
  ce->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  ce->payor = add_coverage_entry (ce, _("Payer"), coverage_payor_name (coverage));
  ce->member = add_coverage_entry (ce, _("Member ID"), hc_json_get_string (coverage, "subscriberId"));
  ce->group = add_coverage_entry (ce, _("Group Number"), group ? hc_json_get_string (group, "value") : NULL);

  for (guint i = 0; i < G_N_ELEMENTS (subscriber_codes); i++)
    {
      gtk_string_list_append (relationships, _(subscriber_labels[i]));
      if (g_strcmp0 (relationship, subscriber_codes[i]) == 0)
        selected = i;
    }
  ce->relationship = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ce->relationship),
                                 _("Patient’s Relationship to Subscriber"));
  adw_combo_row_set_model (ce->relationship, G_LIST_MODEL (relationships));
  if (relationship != NULL || !stored)
    load_combo (ce->relationship, selected);
  adw_expander_row_add_row (ce->row, GTK_WIDGET (ce->relationship));

  ce->start = add_coverage_entry (ce, _("Valid From (YYYY-MM-DD)"),
                                  hc_json_get_string (period, "start"));
  ce->end = add_coverage_entry (ce, _("Valid Until (YYYY-MM-DD, empty: open)"),
                                hc_json_get_string (period, "end"));

  remove_row = adw_action_row_new ();
  remove = gtk_button_new_with_mnemonic (_("_Remove Insurance"));
  gtk_widget_set_halign (remove, GTK_ALIGN_END);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "destructive-action");
  g_object_set_data (G_OBJECT (remove), "hc-coverage", ce);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_coverage_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (remove_row), remove);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (remove_row), remove);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (remove_row),
                                 _("Recorded by mistake, or no longer held"));
  adw_expander_row_add_row (ce->row, remove_row);

  g_signal_connect (ce->payor, "changed", G_CALLBACK (coverage_text_changed_cb), ce);
  g_signal_connect (ce->member, "changed", G_CALLBACK (coverage_text_changed_cb), ce);
  update_coverage_title (ce);
  adw_preferences_group_add (self->coverage_group, GTK_WIDGET (ce->row));
  g_ptr_array_add (self->coverages, ce);
  update_coverage_placeholder (self);
  return ce;
}

static CoverageEdit *
add_new_coverage (HcPatientEditor *self)
{
  JsonObject *coverage = json_object_new ();
  CoverageEdit *ce;

  json_object_set_string_member (coverage, "resourceType", "Coverage");
  json_object_set_string_member (coverage, "status", "active");
  ce = add_coverage_rows (self, coverage, FALSE);
  adw_expander_row_set_expanded (ce->row, TRUE);
  return ce;
}

static void
add_coverage_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (widget);
  CoverageEdit *ce = add_new_coverage (self);

  gtk_widget_grab_focus (GTK_WIDGET (ce->payor));
}

/* ---- loading ------------------------------------------------------------------------------- */

static void
load_form (HcPatientEditor *self)
{
  JsonObject *patient = self->patient;
  JsonObject *name = main_name (patient);
  JsonObject *mrn = find_mrn (patient);
  JsonArray *telecom = hc_json_get_array (patient, "telecom");
  JsonObject *phone = find_telecom (telecom, "phone");
  JsonObject *email = find_telecom (telecom, "email");
  JsonObject *address = find_home_address (patient);
  JsonObject *contact = find_emergency_contact (patient);
  JsonObject *contact_phone = find_telecom (hc_json_get_array (contact, "telecom"), "phone");
  JsonArray *ids = hc_json_get_array (patient, "identifier");
  g_autofree char *given = name ? join_strings (name, "given") : NULL;
  g_autofree char *contact_name = NULL;
  const char *gender = hc_json_get_string (patient, "gender");
  guint sex = 0, relationship = 0;

  load_entry (self->family_row, name ? hc_json_get_string (name, "family") : NULL);
  load_entry (self->given_row, given);
  load_entry (self->birth_row, hc_json_get_string (patient, "birthDate"));
  for (guint i = 1; i < G_N_ELEMENTS (genders); i++)
    if (g_strcmp0 (gender, genders[i]) == 0)
      sex = i;
  load_combo (self->sex_row, sex);
  {
    JsonObject *identity = find_extension (patient, EXT_GENDER_IDENTITY);
    JsonObject *concept = hc_json_get_object (identity, "valueCodeableConcept");
    const char *text = hc_json_get_string (concept, "text");

    if (text == NULL)
      text = hc_json_get_string (hc_json_array_get_object (hc_json_get_array (concept, "coding"), 0),
                                 "display");
    load_entry (self->gender_identity_row, text);
  }
  load_entry (self->mrn_row, mrn ? hc_json_get_string (mrn, "value") : NULL);
  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    {
      JsonObject *id = hc_json_array_get_object (ids, i);
      if (id != NULL && id != mrn)
        add_identifier_row (self, json_object_ref (id));
    }

  load_entry (self->phone_row, phone ? hc_json_get_string (phone, "value") : NULL);
  load_entry (self->email_row, email ? hc_json_get_string (email, "value") : NULL);
  {
    JsonArray *lines = hc_json_get_array (address, "line");
    JsonNode *first = lines && json_array_get_length (lines) ? json_array_get_element (lines, 0) : NULL;

    load_entry (self->street_row, first && JSON_NODE_HOLDS_VALUE (first) ? json_node_get_string (first) : NULL);
  }
  load_entry (self->city_row, hc_json_get_string (address, "city"));
  load_entry (self->state_row, hc_json_get_string (address, "state"));
  load_entry (self->postal_row, hc_json_get_string (address, "postalCode"));
  load_entry (self->country_row, hc_json_get_string (address, "country"));

  if (contact != NULL)
    {
      JsonObject *cname = hc_json_get_object (contact, "name");
      JsonArray *relationships = hc_json_get_array (contact, "relationship");

      if (hc_json_get_string (cname, "text") != NULL)
        contact_name = g_strdup (hc_json_get_string (cname, "text"));
      else if (cname != NULL)
        {
          g_autofree char *cgiven = join_strings (cname, "given");
          const char *cfamily = hc_json_get_string (cname, "family");

          contact_name = g_strstrip (g_strdup_printf ("%s %s", cgiven, cfamily ? cfamily : ""));
        }
      for (guint j = 0; relationships != NULL && j < json_array_get_length (relationships); j++)
        for (guint k = 1; k < G_N_ELEMENTS (contact_codes) - 1; k++)
          if (concept_has_code (hc_json_array_get_object (relationships, j), contact_codes[k]))
            relationship = k;
      if (relationship == 0 && relationships != NULL && json_array_get_length (relationships) > 1)
        relationship = G_N_ELEMENTS (contact_codes) - 1;   /* "Other" */
    }
  load_entry (self->contact_name_row, contact_name);
  load_combo (self->contact_relationship_row, relationship);
  load_entry (self->contact_phone_row,
              contact_phone ? hc_json_get_string (contact_phone, "value") : NULL);
}

static void
coverages_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HcPatientEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = hc_store_list_chart_finish (HC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  set_busy (self, FALSE);
  if (rows == NULL)
    {
      show_error (self, error->message);
      return;
    }
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *coverage = hc_json_get_object (json_array_get_object_element (rows, i),
                                                 "resource");
      if (coverage != NULL)
        add_coverage_rows (self, hc_json_object_copy (coverage), TRUE);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->family_row));
}

static void
patient_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HcPatientEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patient = hc_store_get_finish (HC_STORE (source), result, &error);
  const char * const types[] = { "Coverage", NULL };

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (patient == NULL)
    {
      self->serial++;
      set_busy (self, FALSE);
      gtk_widget_set_sensitive (self->form, FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", FALSE);
      show_error (self, error->message);
      return;
    }
  g_clear_pointer (&self->patient, json_object_unref);
  self->patient = g_steal_pointer (&patient);
  load_form (self);
  hc_store_list_chart_async (self->store, self->patient_id, types, self->cancellable,
                             coverages_loaded_cb, g_object_ref (self));
}

/* ---- saving -------------------------------------------------------------------------------- */

/* Local checks; marks the rows and returns FALSE when something must be fixed first. */
static gboolean
validate_form (HcPatientEditor *self)
{
  g_autofree char *family = entry_text (self->family_row);
  g_autofree char *birth = entry_text (self->birth_row);
  const char *problem = NULL;
  GtkWidget *first_bad = NULL;

  show_error (self, NULL);
  set_row_error (GTK_WIDGET (self->family_row), *family == '\0');
  if (*family == '\0')
    first_bad = GTK_WIDGET (self->family_row);

  /* an old record without a birth date may stay so; a new one needs it */
  if (self->is_new || entry_changed (self->birth_row))
    problem = check_date (birth, self->is_new, TRUE);
  set_row_error (GTK_WIDGET (self->birth_row), problem != NULL);
  gtk_label_set_label (self->birth_error, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->birth_error), problem != NULL);
  if (problem != NULL && first_bad == NULL)
    first_bad = GTK_WIDGET (self->birth_row);

  for (guint i = 0; i < self->coverages->len; i++)
    {
      CoverageEdit *ce = g_ptr_array_index (self->coverages, i);
      g_autofree char *payor = NULL;
      g_autofree char *start = NULL;
      g_autofree char *end = NULL;
      gboolean bad_start, bad_end;

      if (ce->removed)
        continue;
      payor = entry_text (ce->payor);
      start = entry_text (ce->start);
      end = entry_text (ce->end);
      bad_start = check_date (start, FALSE, FALSE) != NULL;
      bad_end = check_date (end, FALSE, FALSE) != NULL || (*start && *end && strcmp (end, start) < 0);
      set_row_error (GTK_WIDGET (ce->payor), *payor == '\0');
      set_row_error (GTK_WIDGET (ce->start), bad_start);
      set_row_error (GTK_WIDGET (ce->end), bad_end);
      if (*payor == '\0' || bad_start || bad_end)
        {
          adw_expander_row_set_expanded (ce->row, TRUE);
          if (first_bad == NULL)
            first_bad = GTK_WIDGET (*payor == '\0' ? ce->payor : bad_start ? ce->start : ce->end);
        }
    }

  if (first_bad == NULL)
    return TRUE;
  if (first_bad != GTK_WIDGET (self->birth_row))
    show_error (self, _("Some fields need attention: they are marked in red. Insurance needs a "
                        "payer, and dates are written like 2024-01-31."));
  gtk_widget_grab_focus (first_bad);
  return FALSE;
}

static void
apply_name (HcPatientEditor *self,
            JsonObject      *patient)
{
  JsonObject *name;

  if (!entry_changed (self->family_row) && !entry_changed (self->given_row))
    return;
  name = main_name (patient);
  if (name == NULL)
    {
      name = json_object_new ();
      json_object_set_string_member (name, "use", "official");
      json_array_add_object_element (ensure_array (patient, "name"), name);
    }
  if (entry_changed (self->family_row))
    {
      g_autofree char *family = entry_text (self->family_row);
      set_or_remove (name, "family", family);
    }
  if (entry_changed (self->given_row))
    {
      g_autofree char *given = entry_text (self->given_row);
      g_auto(GStrv) words = g_strsplit_set (given, " \t", -1);
      JsonArray *array = json_array_new ();

      for (guint i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          json_array_add_string_element (array, words[i]);
      json_object_set_array_member (name, "given", array);
      remove_if_empty (name, "given");
    }
  /* a text rendering would now be stale */
  if (json_object_has_member (name, "text"))
    json_object_remove_member (name, "text");
}

static void
apply_identifiers (HcPatientEditor *self,
                   JsonObject      *patient)
{
  JsonObject *mrn = find_mrn (patient);
  JsonArray *ids;

  if (entry_changed (self->mrn_row))
    {
      g_autofree char *value = entry_text (self->mrn_row);

      if (*value == '\0' && mrn != NULL)
        array_remove_object (hc_json_get_array (patient, "identifier"), mrn);
      else if (*value != '\0')
        {
          if (mrn == NULL)
            {
              mrn = json_object_new ();
              json_object_set_string_member (mrn, "use", "usual");
              json_object_set_object_member (mrn, "type",
                                             hc_fhir_concept_new (SYSTEM_V2_0203, "MR",
                                                          "Medical record number", NULL));
              json_object_set_string_member (mrn, "system", SYSTEM_MRN);
              json_array_add_object_element (ensure_array (patient, "identifier"), mrn);
            }
          json_object_set_string_member (mrn, "value", value);
        }
    }

  /* the other identifiers: the patient's copy holds the same objects the rows edit */
  ids = hc_json_get_array (patient, "identifier");
  for (guint i = 0; i < self->identifiers->len; i++)
    {
      IdentifierEdit *ie = g_ptr_array_index (self->identifiers, i);
      g_autofree char *value = entry_text (ie->row);
      JsonObject *found = NULL;

      /* find this identifier in the copy: same position among the loaded ones */
      for (guint j = 0; ids != NULL && j < json_array_get_length (ids); j++)
        if (json_object_equal (hc_json_array_get_object (ids, j), ie->identifier))
          {
            found = hc_json_array_get_object (ids, j);
            break;
          }
      if (ie->removed || *value == '\0')
        {
          if (found != NULL)
            array_remove_object (ids, found);
          continue;
        }
      if (!entry_changed (ie->row) && found != NULL)
        continue;
      if (found == NULL)
        {
          found = hc_json_object_copy (ie->identifier);
          json_array_add_object_element (ensure_array (patient, "identifier"), found);
          ids = hc_json_get_array (patient, "identifier");
        }
      json_object_set_string_member (found, "value", value);
    }
  remove_if_empty (patient, "identifier");
}

/* Sets the value of the first contact point of @system in @owner.telecom, adding or removing it. */
static void
apply_telecom (JsonObject  *owner,
               const char  *system,
               const char  *use,
               HcEntryRow  *row)
{
  g_autofree char *value = NULL;
  JsonArray *telecom;
  JsonObject *cp;

  if (!entry_changed (row))
    return;
  value = entry_text (row);
  telecom = hc_json_get_array (owner, "telecom");
  cp = find_telecom (telecom, system);
  if (*value == '\0')
    {
      if (cp != NULL)
        array_remove_object (telecom, cp);
      remove_if_empty (owner, "telecom");
      return;
    }
  if (cp == NULL)
    {
      cp = json_object_new ();
      json_object_set_string_member (cp, "system", system);
      if (use != NULL)
        json_object_set_string_member (cp, "use", use);
      json_array_add_object_element (ensure_array (owner, "telecom"), cp);
    }
  json_object_set_string_member (cp, "value", value);
}

static void
apply_address (HcPatientEditor *self,
               JsonObject      *patient)
{
  struct { HcEntryRow *row; const char *member; } parts[] = {
    { self->city_row, "city" }, { self->state_row, "state" },
    { self->postal_row, "postalCode" }, { self->country_row, "country" },
  };
  JsonObject *address = find_home_address (patient);
  gboolean any = entry_changed (self->street_row);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    any |= entry_changed (parts[i].row);
  if (!any)
    return;
  if (address == NULL)
    {
      address = json_object_new ();
      json_object_set_string_member (address, "use", "home");
      json_array_add_object_element (ensure_array (patient, "address"), address);
    }
  if (entry_changed (self->street_row))
    {
      g_autofree char *street = entry_text (self->street_row);
      JsonArray *lines = ensure_array (address, "line");

      if (json_array_get_length (lines) > 0)
        json_array_remove_element (lines, 0);
      if (*street != '\0')
        {
          /* json-glib has no insert: rebuild with the street first */
          JsonArray *rebuilt = json_array_new ();

          json_array_add_string_element (rebuilt, street);
          for (guint i = 0; i < json_array_get_length (lines); i++)
            json_array_add_element (rebuilt, json_node_copy (json_array_get_element (lines, i)));
          json_object_set_array_member (address, "line", rebuilt);
        }
      remove_if_empty (address, "line");
    }
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (entry_changed (parts[i].row))
      {
        g_autofree char *value = entry_text (parts[i].row);
        set_or_remove (address, parts[i].member, value);
      }
  if (json_object_has_member (address, "text"))
    json_object_remove_member (address, "text");
  if (json_object_get_size (address) <= 1 && json_object_has_member (address, "use"))
    array_remove_object (hc_json_get_array (patient, "address"), address);
  remove_if_empty (patient, "address");
}

static void
apply_contact (HcPatientEditor *self,
               JsonObject      *patient)
{
  JsonObject *contact;

  if (!entry_changed (self->contact_name_row) && !entry_changed (self->contact_phone_row) &&
      !combo_changed (self->contact_relationship_row))
    return;
  contact = find_emergency_contact (patient);
  if (contact == NULL)
    {
      contact = json_object_new ();
      json_array_add_object_element (ensure_array (patient, "contact"), contact);
    }
  if (entry_changed (self->contact_name_row))
    {
      g_autofree char *name = entry_text (self->contact_name_row);

      if (*name != '\0')
        {
          JsonObject *human = json_object_new ();
          json_object_set_string_member (human, "text", name);
          json_object_set_object_member (contact, "name", human);
        }
      else if (json_object_has_member (contact, "name"))
        json_object_remove_member (contact, "name");
    }
  if (combo_changed (self->contact_relationship_row) ||
      !json_object_has_member (contact, "relationship"))
    {
      guint selected = adw_combo_row_get_selected (self->contact_relationship_row);
      JsonArray *relationships = json_array_new ();
      GListModel *model = adw_combo_row_get_model (self->contact_relationship_row);
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, selected);

      json_array_add_object_element (relationships,
                                     hc_fhir_concept_new (SYSTEM_V2_0131, "C", "Emergency Contact", NULL));
      if (selected > 0 && selected < G_N_ELEMENTS (contact_codes) && contact_codes[selected])
        json_array_add_object_element (relationships,
                                       hc_fhir_concept_new (SYSTEM_ROLE_CODE, contact_codes[selected],
                                                    NULL, gtk_string_object_get_string (item)));
      else if (selected > 0)
        json_array_add_object_element (relationships,
                                       hc_fhir_concept_new (NULL, NULL, NULL,
                                                    gtk_string_object_get_string (item)));
      json_object_set_array_member (contact, "relationship", relationships);
    }
  apply_telecom (contact, "phone", NULL, self->contact_phone_row);
  /* a contact with nothing but the emergency mark left is no contact */
  if (!json_object_has_member (contact, "name") && !json_object_has_member (contact, "telecom"))
    array_remove_object (hc_json_get_array (patient, "contact"), contact);
  remove_if_empty (patient, "contact");
}

/* The Patient to write: the loaded one with the user's changes. */
static JsonObject *
build_patient (HcPatientEditor *self)
{
  JsonObject *patient = hc_json_object_copy (self->patient);

  json_object_set_string_member (patient, "id", self->patient_id);
  apply_name (self, patient);
  if (entry_changed (self->birth_row))
    {
      g_autofree char *birth = entry_text (self->birth_row);
      set_or_remove (patient, "birthDate", birth);
    }
  if (combo_changed (self->sex_row))
    set_or_remove (patient, "gender", genders[adw_combo_row_get_selected (self->sex_row)]);
  if (entry_changed (self->gender_identity_row))
    {
      g_autofree char *identity = entry_text (self->gender_identity_row);
      JsonObject *extension = find_extension (patient, EXT_GENDER_IDENTITY);

      if (extension != NULL)
        array_remove_object (hc_json_get_array (patient, "extension"), extension);
      if (*identity != '\0')
        {
          extension = json_object_new ();
          json_object_set_string_member (extension, "url", EXT_GENDER_IDENTITY);
          json_object_set_object_member (extension, "valueCodeableConcept",
                                         hc_fhir_concept_new (NULL, NULL, NULL, identity));
          json_array_add_object_element (ensure_array (patient, "extension"), extension);
        }
      remove_if_empty (patient, "extension");
    }
  apply_identifiers (self, patient);
  apply_telecom (patient, "phone", "home", self->phone_row);
  apply_telecom (patient, "email", "home", self->email_row);
  apply_address (self, patient);
  apply_contact (self, patient);
  return patient;
}

/* The Coverage to write for @ce, or NULL when it is unchanged. */
static JsonObject *
build_coverage (HcPatientEditor *self,
                CoverageEdit    *ce)
{
  g_autoptr(JsonObject) coverage = hc_json_object_copy (ce->resource);
  g_autofree char *subject = g_strconcat ("Patient/", self->patient_id, NULL);

  if (ce->removed)
    {
      json_object_set_string_member (coverage, "status", "entered-in-error");
      return g_steal_pointer (&coverage);
    }

  if (!ce->stored || !json_object_has_member (coverage, "beneficiary"))
    {
      JsonObject *beneficiary = json_object_new ();
      json_object_set_string_member (beneficiary, "reference", subject);
      json_object_set_object_member (coverage, "beneficiary", beneficiary);
    }
  if (entry_changed (ce->payor))
    {
      g_autofree char *payor = entry_text (ce->payor);
      JsonArray *payors = json_array_new ();
      JsonObject *reference = json_object_new ();

      json_object_set_string_member (reference, "display", payor);
      json_array_add_object_element (payors, reference);
      json_object_set_array_member (coverage, "payor", payors);
    }
  if (entry_changed (ce->member))
    {
      g_autofree char *member = entry_text (ce->member);
      set_or_remove (coverage, "subscriberId", member);
    }
  if (entry_changed (ce->group))
    {
      g_autofree char *value = entry_text (ce->group);
      JsonObject *group = find_group_class (coverage);

      if (*value == '\0' && group != NULL)
        array_remove_object (hc_json_get_array (coverage, "class"), group);
      else if (*value != '\0')
        {
          if (group == NULL)
            {
              group = json_object_new ();
              json_object_set_object_member (group, "type",
                                             hc_fhir_concept_new (SYSTEM_COV_CLASS, "group", "Group", NULL));
              json_array_add_object_element (ensure_array (coverage, "class"), group);
            }
          json_object_set_string_member (group, "value", value);
        }
      remove_if_empty (coverage, "class");
    }
  if (combo_changed (ce->relationship))
    {
      guint selected = adw_combo_row_get_selected (ce->relationship);

      json_object_set_object_member (coverage, "relationship",
                                     hc_fhir_concept_new (SYSTEM_SUBSCRIBER, subscriber_codes[selected],
                                                  NULL, NULL));
    }
  if (entry_changed (ce->start) || entry_changed (ce->end))
    {
      g_autofree char *start = entry_text (ce->start);
      g_autofree char *end = entry_text (ce->end);
      JsonObject *period = ensure_object (coverage, "period");

      set_or_remove (period, "start", start);
      set_or_remove (period, "end", end);
      remove_if_empty (coverage, "period");
    }

  if (ce->stored && json_object_equal (coverage, ce->resource))
    return NULL;
  return g_steal_pointer (&coverage);
}

/* The store's validation messages start with the element path. */
static GtkWidget *
row_for_problem (HcPatientEditor *self,
                 const char      *message)
{
  if (g_str_has_prefix (message, "Patient.birthDate"))
    return GTK_WIDGET (self->birth_row);
  if (g_str_has_prefix (message, "Patient.name"))
    return GTK_WIDGET (self->family_row);
  if (g_str_has_prefix (message, "Patient.telecom"))
    return GTK_WIDGET (self->phone_row);
  return NULL;
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HcPatientEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) stored = hc_store_put_many_finish (HC_STORE (source), result, &error);
  g_autoptr(HcPatient) patient = NULL;

  self->saving = FALSE;
  /* the editor went meanwhile (its window closed): what was saved stays saved */
  if (self->store == NULL)
    {
      if (stored == NULL)
        g_warning ("Saving the patient failed: %s", error->message);
      return;
    }
  self->serial++;
  set_busy (self, FALSE);
  if (stored == NULL)
    {
      g_autofree char *message = NULL;
      GtkWidget *row = row_for_problem (self, error->message);

      g_debug ("Saving the patient failed: %s %d", g_quark_to_string (error->domain), error->code);
      if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID))
        /* Translators: %s is the store's reason, which names the element, in English */
        message = g_strdup_printf (_("Nothing was saved: the chart store refused the record (%s). "
                                     "Correct it and save again."), error->message);
      else
        /* Translators: %s is a technical reason, in English */
        message = g_strdup_printf (_("Nothing was saved: %s"), hc_store_error_text (error));
      show_error (self, message);
      if (row != NULL)
        {
          set_row_error (row, TRUE);
          gtk_widget_grab_focus (row);
        }
      return;
    }

  patient = hc_patient_editor_make_patient (json_array_get_object_element (stored, 0));
  g_debug ("Saved patient %s", hc_patient_get_id (patient));
  g_signal_emit (self, signals[SAVED], 0, patient);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
write_patient (HcPatientEditor *self)
{
  g_autoptr(JsonArray) batch = json_array_new ();

  json_array_add_object_element (batch, build_patient (self));
  for (guint i = 0; i < self->coverages->len; i++)
    {
      JsonObject *coverage = build_coverage (self, g_ptr_array_index (self->coverages, i));
      if (coverage != NULL)
        json_array_add_object_element (batch, coverage);
    }
  set_busy (self, TRUE);
  /* not cancelled with the editor: once Save was pressed, the record is saved */
  self->saving = TRUE;
  hc_store_put_many_async (self->store, batch, NULL, saved_cb, g_object_ref (self));
}

/* Same family name (folded), same birth date, and given names that start alike. */
static gboolean
is_duplicate (HcPatient  *candidate,
              const char *family,
              const char *given,
              const char *birth)
{
  g_autofree char *a = hc_fhir_fold (family);
  g_autofree char *b = hc_fhir_fold (hc_patient_get_family (candidate));
  g_autofree char *ga = hc_fhir_fold (given);
  g_autofree char *gb = hc_fhir_fold (hc_patient_get_given (candidate) ?
                                      hc_patient_get_given (candidate) : "");
  gsize common = 0;

  if (g_strcmp0 (a, b) != 0 || g_strcmp0 (birth, hc_patient_get_birth_date (candidate)) != 0)
    return FALSE;
  if (*ga == '\0' || *gb == '\0')
    return TRUE;
  while (ga[common] != '\0' && ga[common] == gb[common])
    common++;
  /* "Kate" and "Katherine", "Jon" and "John": the first letters match */
  return common >= MIN (3, MIN (strlen (ga), strlen (gb))) || common >= 2;
}

static void
show_duplicate (HcPatientEditor *self,
                HcPatient       *patient)
{
  g_autofree char *text = NULL;
  const char *mrn = hc_patient_get_mrn (patient);
  const char *phone = hc_patient_get_phone (patient);

  g_set_object (&self->duplicate, patient);
  /* Translators: a registered patient: name, birth date, then MRN and phone or "–" */
  text = g_strdup_printf (_("%s, born %s, medical record number %s, phone %s, is already in "
                            "the chart store. Open that patient instead, or save this one as a "
                            "different person."),
                          hc_patient_get_display_name (patient),
                          hc_patient_get_birth_date (patient),
                          mrn ? mrn : "–", phone ? phone : "–");
  gtk_label_set_label (self->duplicate_label, text);
  gtk_widget_set_visible (self->duplicate_box, TRUE);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
duplicates_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HcPatientEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) model = hc_store_search_patients_finish (HC_STORE (source), result, &error);
  g_autofree char *family = entry_text (self->family_row);
  g_autofree char *given = entry_text (self->given_row);
  g_autofree char *birth = entry_text (self->birth_row);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  set_busy (self, FALSE);
  self->duplicate_checked = TRUE;
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HcPatient) candidate = g_list_model_get_item (model, i);

      if (g_strcmp0 (hc_patient_get_id (candidate), self->patient_id) != 0 &&
          is_duplicate (candidate, family, given, birth))
        {
          show_duplicate (self, candidate);
          return;
        }
    }
  /* a failed search must not block registration: save, and the log says why */
  if (model == NULL)
    g_warning ("Duplicate check failed: %s %d", g_quark_to_string (error->domain), error->code);
  write_patient (self);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (widget);
  gboolean anyway = g_str_equal (action_name, "editor.save-anyway");

  if (!validate_form (self))
    return;
  gtk_widget_set_visible (self->duplicate_box, FALSE);

  if (self->is_new && !anyway)
    {
      g_autofree char *family = entry_text (self->family_row);
      g_autofree char *birth = entry_text (self->birth_row);
      g_autofree char *query = g_strdup_printf ("%s %s", family, birth);

      set_busy (self, TRUE);
      hc_store_search_patients_async (self->store, query, 50, self->cancellable, duplicates_cb,
                                      g_object_ref (self));
      return;
    }
  write_patient (self);
}

static void
open_duplicate_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (widget);
  g_autoptr(HcPatient) patient = NULL;

  if (self->duplicate == NULL)
    return;
  patient = g_object_ref (self->duplicate);
  g_signal_emit (self, signals[OPEN_PATIENT], 0, patient);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
hc_patient_editor_constructed (GObject *object)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (object);

  G_OBJECT_CLASS (hc_patient_editor_parent_class)->constructed (object);

  self->is_new = self->patient_id == NULL;
  if (self->is_new)
    {
      self->patient_id = hc_fhir_new_id ();
      self->patient = json_object_new ();
      json_object_set_string_member (self->patient, "resourceType", "Patient");
      json_object_set_boolean_member (self->patient, "active", TRUE);
      adw_window_title_set_title (self->window_title, _("New Patient"));
      gtk_window_set_title (GTK_WINDOW (self), _("New Patient"));
      load_form (self);
      /* a new patient is usually insured: one empty insurance to fill, removable */
      update_coverage_placeholder (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->family_row));
      return;
    }

  adw_window_title_set_title (self->window_title, _("Edit Patient"));
  gtk_window_set_title (GTK_WINDOW (self), _("Edit Patient"));
  set_busy (self, TRUE);
  hc_store_get_async (self->store, "Patient", self->patient_id, self->cancellable,
                      patient_loaded_cb, g_object_ref (self));
}

static gboolean
hc_patient_editor_close_request (GtkWindow *window)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (window);

  /* Escape while saving: the editor stays until the record is saved */
  if (self->saving)
    return TRUE;
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (hc_patient_editor_parent_class)->close_request (window);
}

static void
hc_patient_editor_dispose (GObject *object)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_PATIENT_EDITOR);
  g_clear_object (&self->store);
  g_clear_object (&self->duplicate);

  G_OBJECT_CLASS (hc_patient_editor_parent_class)->dispose (object);
}

static void
hc_patient_editor_finalize (GObject *object)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->patient_id, g_free);
  g_clear_pointer (&self->patient, json_object_unref);
  g_clear_pointer (&self->identifiers, g_ptr_array_unref);
  g_clear_pointer (&self->coverages, g_ptr_array_unref);

  G_OBJECT_CLASS (hc_patient_editor_parent_class)->finalize (object);
}

static void
hc_patient_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_editor_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HcPatientEditor *self = HC_PATIENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_PATIENT_ID:
      self->patient_id = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_editor_class_init (HcPatientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = hc_patient_editor_constructed;
  object_class->dispose = hc_patient_editor_dispose;
  object_class->finalize = hc_patient_editor_finalize;
  object_class->get_property = hc_patient_editor_get_property;
  object_class->set_property = hc_patient_editor_set_property;
  window_class->close_request = hc_patient_editor_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HC_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HcPatientEditor:patient-id:
   *
   * The patient being edited; %NULL at construction registers a new one (which gets its id
   * at once, so its insurance can refer to it).
   */
  properties[PROP_PATIENT_ID] =
    g_param_spec_string ("patient-id", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, HC_TYPE_PATIENT);
  signals[OPEN_PATIENT] = g_signal_new ("open-patient", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, HC_TYPE_PATIENT);

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-patient-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, spinner);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, scroller);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, form);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, duplicate_box);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, duplicate_label);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, family_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, given_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, birth_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, birth_error);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, sex_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, gender_identity_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, identifier_group);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, mrn_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, phone_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, street_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, city_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, state_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, postal_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, country_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, contact_name_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, contact_relationship_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, contact_phone_row);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, coverage_group);
  gtk_widget_class_bind_template_child (widget_class, HcPatientEditor, no_coverage_label);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.save-anyway", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.open-duplicate", NULL,
                                   open_duplicate_action);
  gtk_widget_class_install_action (widget_class, "editor.add-coverage", NULL, add_coverage_action);
  gtk_widget_class_install_action (widget_class, "editor.add-identifier", "s",
                                   add_identifier_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hc_patient_editor_init (HcPatientEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the birth date's problem is read with the field that has the focus */
  gtk_accessible_update_relation (GTK_ACCESSIBLE (hc_entry_row_get_editable (self->birth_row)),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->birth_error, NULL,
                                  -1);
  self->cancellable = g_cancellable_new ();
  self->identifiers = g_ptr_array_new_with_free_func (identifier_edit_free);
  self->coverages = g_ptr_array_new_with_free_func (coverage_edit_free);
}

/**
 * hc_patient_editor_new:
 * @parent: (nullable): the window the editor belongs to
 * @store: the chart store
 * @patient_id: (nullable): the patient to edit, or %NULL to register a new one
 *
 * Returns: (transfer none): a new editor window, not yet shown (the window list owns it)
 */
HcPatientEditor *
hc_patient_editor_new (GtkWindow  *parent,
                       HcStore    *store,
                       const char *patient_id)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HC_IS_STORE (store), NULL);

  return g_object_new (HC_TYPE_PATIENT_EDITOR,
                       "transient-for", parent,
                       "store", store,
                       "patient-id", patient_id,
                       NULL);
}

/* ---- for tests ------------------------------------------------------------------------------ */

GtkEditable *
_hc_patient_editor_get_entry (HcPatientEditor *self,
                              const char      *name)
{
  struct { const char *name; HcEntryRow *row; } rows[] = {
    { "family", self->family_row }, { "given", self->given_row }, { "birth", self->birth_row },
    { "gender-identity", self->gender_identity_row },
    { "mrn", self->mrn_row }, { "phone", self->phone_row }, { "email", self->email_row },
    { "street", self->street_row }, { "city", self->city_row }, { "state", self->state_row },
    { "postal", self->postal_row }, { "country", self->country_row },
    { "contact-name", self->contact_name_row }, { "contact-phone", self->contact_phone_row },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_str_equal (rows[i].name, name))
      return GTK_EDITABLE (rows[i].row);
  g_return_val_if_reached (NULL);
}

AdwComboRow *
_hc_patient_editor_get_combo (HcPatientEditor *self,
                              const char      *name)
{
  if (g_str_equal (name, "sex"))
    return self->sex_row;
  if (g_str_equal (name, "contact-relationship"))
    return self->contact_relationship_row;
  g_return_val_if_reached (NULL);
}

guint
_hc_patient_editor_get_n_coverages (HcPatientEditor *self)
{
  guint n = 0;

  for (guint i = 0; i < self->coverages->len; i++)
    n += !((CoverageEdit *) g_ptr_array_index (self->coverages, i))->removed;
  return n;
}

static CoverageEdit *
nth_coverage (HcPatientEditor *self,
              guint            index)
{
  for (guint i = 0; i < self->coverages->len; i++)
    {
      CoverageEdit *ce = g_ptr_array_index (self->coverages, i);
      if (!ce->removed && index-- == 0)
        return ce;
    }
  g_return_val_if_reached (NULL);
}

GtkEditable *
_hc_patient_editor_get_coverage_entry (HcPatientEditor *self,
                                       guint            index,
                                       const char      *name)
{
  CoverageEdit *ce = nth_coverage (self, index);
  struct { const char *name; HcEntryRow *row; } rows[] = {
    { "payor", ce->payor }, { "member", ce->member }, { "group", ce->group },
    { "start", ce->start }, { "end", ce->end },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_str_equal (rows[i].name, name))
      return GTK_EDITABLE (rows[i].row);
  g_return_val_if_reached (NULL);
}

AdwComboRow *
_hc_patient_editor_get_coverage_relationship (HcPatientEditor *self,
                                              guint            index)
{
  return nth_coverage (self, index)->relationship;
}

void
_hc_patient_editor_remove_coverage (HcPatientEditor *self,
                                    guint            index)
{
  remove_coverage (self, nth_coverage (self, index));
}

guint
_hc_patient_editor_get_serial (HcPatientEditor *self)
{
  return self->serial;
}

const char *
_hc_patient_editor_get_error (HcPatientEditor *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ?
         gtk_label_get_label (self->error_label) : NULL;
}

const char *
_hc_patient_editor_get_birth_error (HcPatientEditor *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->birth_error)) ?
         gtk_label_get_label (self->birth_error) : NULL;
}

const char *
_hc_patient_editor_get_duplicate_text (HcPatientEditor *self)
{
  return gtk_widget_get_visible (self->duplicate_box) ?
         gtk_label_get_label (self->duplicate_label) : NULL;
}

const char *
_hc_patient_editor_get_patient_id (HcPatientEditor *self)
{
  return self->patient_id;
}
