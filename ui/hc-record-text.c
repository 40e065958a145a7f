/* hc-record-text.c: FHIR records in a physician's words
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The conflict inbox and the merge notices show records to clinicians, who should never see
 * JSON: each element gets a label ("Phone") and each value the text a chart would show
 * ("Anna Maria Berg", "+49 30 5550101 (home)", "Penicillin", "4 May 1961").
 */

#define G_LOG_DOMAIN "hc-record-text"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hc-fhir.h"
#include "hc-format.h"
#include "hc-record-text.h"

typedef struct
{
  const char *type;      /* NULL: any type */
  const char *element;
  const char *label;
} Label;

static const Label labels[] = {
  { "Patient", "name", N_("Name") },
  { "Patient", "birthDate", N_("Birth date") },
  { "Patient", "gender", N_("Sex") },
  { "Patient", "telecom", N_("Phone") },
  { "Patient", "address", N_("Address") },
  { "Patient", "identifier", N_("Identifiers") },
  { "Patient", "maritalStatus", N_("Marital status") },
  { "Patient", "communication", N_("Language") },
  { "Patient", "contact", N_("Contact person") },
  { "Patient", "generalPractitioner", N_("Family doctor") },
  { "Patient", "deceasedBoolean", N_("Deceased") },
  { "Patient", "deceasedDateTime", N_("Date of death") },
  { "Patient", "active", N_("Record in use") },
  { "AllergyIntolerance", "code", N_("Substance") },
  { "AllergyIntolerance", "clinicalStatus", N_("Status") },
  { "AllergyIntolerance", "verificationStatus", N_("Verification") },
  { "AllergyIntolerance", "criticality", N_("Criticality") },
  { "AllergyIntolerance", "reaction", N_("Reactions") },
  { "AllergyIntolerance", "onsetDateTime", N_("Onset") },
  { "AllergyIntolerance", "recorder", N_("Recorded by") },
  { "MedicationRequest", "medicationCodeableConcept", N_("Drug") },
  { "MedicationRequest", "medication[x]", N_("Drug") },
  { "MedicationRequest", "medicationReference", N_("Drug") },
  { "MedicationRequest", "dosageInstruction", N_("Dose") },
  { "MedicationRequest", "dispenseRequest", N_("Quantity") },
  { "MedicationRequest", "authoredOn", N_("Prescribed on") },
  { "MedicationRequest", "requester", N_("Prescriber") },
  { "MedicationRequest", "intent", N_("Kind") },
  { "Condition", "code", N_("Problem") },
  { "Condition", "clinicalStatus", N_("Status") },
  { "Condition", "verificationStatus", N_("Verification") },
  { "Condition", "onsetDateTime", N_("Onset") },
  { "Condition", "abatementDateTime", N_("Resolved on") },
  { "Condition", "severity", N_("Severity") },
  { "Condition", "asserter", N_("Recorded by") },
  { "Encounter", "class", N_("Visit type") },
  { "Encounter", "period", N_("Time") },
  { "Encounter", "participant", N_("Clinicians") },
  { "Encounter", "diagnosis", N_("Diagnoses") },
  { "Observation", "code", N_("Test") },
  { "Observation", "valueQuantity", N_("Result") },
  { "Observation", "valueString", N_("Result") },
  { "Observation", "valueCodeableConcept", N_("Result") },
  { "Observation", "effectiveDateTime", N_("Taken") },
  { "Observation", "interpretation", N_("Interpretation") },
  { "Observation", "component", N_("Values") },
  { "ServiceRequest", "code", N_("Order") },
  { "ServiceRequest", "priority", N_("Priority") },
  { NULL, "status", N_("Status") },
  { NULL, "category", N_("Category") },
  { NULL, "type", N_("Type") },
  { NULL, "note", N_("Note") },
  { NULL, "reasonCode", N_("Reason") },
  { NULL, "recordedDate", N_("Recorded on") },
  { NULL, "patient", N_("Patient") },
  { NULL, "subject", N_("Patient") },
  { NULL, "encounter", N_("Visit") },
  { NULL, "code", N_("Code") },
  { NULL, "identifier", N_("Identifiers") },
  { NULL, "start", N_("Start") },
  { NULL, "end", N_("End") },
  { NULL, "description", N_("Description") },
};

typedef struct
{
  const char *code;
  const char *text;
} Code;

/* codes that clinicians read in words; anything else shows as its code */
static const Code codes[] = {
  { "active", N_("Active") },
  { "inactive", N_("Inactive") },
  { "resolved", N_("Resolved") },
  { "remission", N_("In remission") },
  { "recurrence", N_("Recurrence") },
  { "confirmed", N_("Confirmed") },
  { "unconfirmed", N_("Unconfirmed") },
  { "provisional", N_("Provisional") },
  { "refuted", N_("Refuted") },
  { "entered-in-error", N_("Entered in error") },
  { "high", N_("High") },
  { "low", N_("Low") },
  { "unable-to-assess", N_("Unable to assess") },
  { "mild", N_("Mild") },
  { "moderate", N_("Moderate") },
  { "severe", N_("Severe") },
  { "allergy", N_("Allergy") },
  { "intolerance", N_("Intolerance") },
  { "food", N_("Food") },
  { "medication", N_("Medication") },
  { "environment", N_("Environment") },
  { "on-hold", N_("On hold") },
  { "cancelled", N_("Cancelled") },
  { "completed", N_("Completed") },
  { "stopped", N_("Stopped") },
  { "draft", N_("Draft") },
  { "order", N_("Order") },
  { "plan", N_("Plan") },
  { "proposal", N_("Proposal") },
  { "planned", N_("Planned") },
  { "arrived", N_("Arrived") },
  { "in-progress", N_("In progress") },
  { "finished", N_("Finished") },
  { "final", N_("Final") },
  { "preliminary", N_("Preliminary") },
  { "amended", N_("Amended") },
  { "routine", N_("Routine") },
  { "urgent", N_("Urgent") },
  { "stat", N_("Immediately") },
  { "home", N_("home") },
  { "work", N_("work") },
  { "mobile", N_("mobile") },
  { "temp", N_("temporary") },
  { "old", N_("old") },
  { "phone", N_("Phone") },
  { "email", N_("E-mail") },
  { "fax", N_("Fax") },
  { "sms", N_("Text messages") },
};

static const char *
code_text (const char *code)
{
  if (code == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (codes[i].code, code) == 0)
      return _(codes[i].text);
  if (strcmp (code, "male") == 0 || strcmp (code, "female") == 0 || strcmp (code, "other") == 0 ||
      strcmp (code, "unknown") == 0)
    return hc_format_sex (code);
  return code;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* "birthDate" → "Birth date" */
static char *
words_of (const char *element)
{
  GString *s = g_string_new (NULL);

  for (const char *p = element; *p != '\0'; p++)
    {
      if (*p == '[')
        break;
      if (g_ascii_isupper (*p) && s->len > 0)
        {
          g_string_append_c (s, ' ');
          g_string_append_c (s, g_ascii_tolower (*p));
        }
      else if (s->len == 0)
        g_string_append_c (s, g_ascii_toupper (*p));
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

const char *
hc_record_text_kind (const char *type)
{
  static const Label kinds[] = {
    { "Patient", NULL, N_("Patient details") },
    { "AllergyIntolerance", NULL, N_("Allergy") },
    { "MedicationRequest", NULL, N_("Prescription") },
    { "MedicationStatement", NULL, N_("Medication") },
    { "Condition", NULL, N_("Problem") },
    { "Encounter", NULL, N_("Visit") },
    { "Observation", NULL, N_("Observation") },
    { "ServiceRequest", NULL, N_("Order") },
    { "DiagnosticReport", NULL, N_("Result") },
    { "Immunization", NULL, N_("Immunization") },
    { "Procedure", NULL, N_("Procedure") },
    { "Appointment", NULL, N_("Appointment") },
    { "Coverage", NULL, N_("Insurance") },
    { "DocumentReference", NULL, N_("Note") },
    { "Composition", NULL, N_("Note") },
    { "Practitioner", NULL, N_("Clinician") },
  };

  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kinds[i].type, type) == 0)
      return _(kinds[i].label);
  /* Translators: a kind of record the app has no name for */
  return _("Record");
}

char *
hc_record_text_label (const char *type,
                      const char *element)
{
  g_return_val_if_fail (element != NULL, NULL);

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
      if ((pass == 0 ? g_strcmp0 (labels[i].type, type) == 0 : labels[i].type == NULL) &&
          strcmp (labels[i].element, element) == 0)
        return g_strdup (_(labels[i].label));
  return words_of (element);
}

char *
hc_record_text_date (const char *text)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;
  int y = 0, m = 0, d = 0;

  if (text == NULL)
    return NULL;
  if (strchr (text, 'T') != NULL && (when = g_date_time_new_from_iso8601 (text, NULL)) != NULL)
    {
      local = g_date_time_to_local (when);
      /* Translators: a date with a time for strftime, e.g. "27 Nov 2026, 14:32" */
      return g_date_time_format (local, C_("date and time", "%-d %b %Y, %H:%M"));
    }
  if (sscanf (text, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen (text) == 10 &&
      g_date_valid_dmy (d, m, y))
    {
      when = g_date_time_new_local (y, m, d, 12, 0, 0);
      /* Translators: a date for strftime, e.g. "4 May 1961" */
      return g_date_time_format (when, C_("date", "%-d %b %Y"));
    }
  if (sscanf (text, "%4d-%2d", &y, &m) == 2 && strlen (text) == 7 && m >= 1 && m <= 12)
    {
      when = g_date_time_new_local (y, m, 1, 12, 0, 0);
      /* Translators: a month and year for strftime, e.g. "May 1961" */
      return g_date_time_format (when, C_("month", "%b %Y"));
    }
  return NULL;
}

static char *
human_name (JsonObject *name)
{
  g_autoptr(GStrvBuilder) parts = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  JsonArray *given = get_array (name, "given");
  const char *text = get_string (name, "text");

  if (get_string (name, "family") == NULL && given == NULL && text != NULL)
    return g_strdup (text);
  for (guint i = 0; get_array (name, "prefix") && i < json_array_get_length (get_array (name, "prefix")); i++)
    g_strv_builder_add (parts, json_array_get_string_element (get_array (name, "prefix"), i));
  for (guint i = 0; given != NULL && i < json_array_get_length (given); i++)
    g_strv_builder_add (parts, json_array_get_string_element (given, i));
  if (get_string (name, "family") != NULL)
    g_strv_builder_add (parts, get_string (name, "family"));
  strv = g_strv_builder_end (parts);
  return g_strjoinv (" ", strv);
}

char *
hc_record_text_person_name (JsonObject *person)
{
  JsonArray *names = get_array (person, "name");
  JsonObject *chosen = NULL;

  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      JsonObject *name = json_array_get_object_element (names, i);

      if (chosen == NULL || g_strcmp0 (get_string (name, "use"), "official") == 0)
        chosen = name;
      if (g_strcmp0 (get_string (name, "use"), "official") == 0)
        break;
    }
  return chosen != NULL ? human_name (chosen) : NULL;
}

static char *
codeable_concept (JsonObject *concept)
{
  JsonArray *coding = get_array (concept, "coding");

  if (get_string (concept, "text") != NULL)
    return g_strdup (get_string (concept, "text"));
  for (guint i = 0; coding != NULL && i < json_array_get_length (coding); i++)
    {
      JsonObject *c = json_array_get_object_element (coding, i);

      if (get_string (c, "display") != NULL)
        return g_strdup (get_string (c, "display"));
    }
  if (coding != NULL && json_array_get_length (coding) > 0)
    return g_strdup (code_text (get_string (json_array_get_object_element (coding, 0), "code")));
  return NULL;
}

static char *
quantity (JsonObject *q)
{
  JsonNode *value = json_object_get_member (q, "value");
  g_autofree char *number = NULL;
  const char *unit = get_string (q, "unit") ? get_string (q, "unit") : get_string (q, "code");

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;
  if (json_node_get_value_type (value) == G_TYPE_INT64)
    number = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
  else
    number = g_strdup_printf ("%g", json_node_get_double (value));
  return unit != NULL ? g_strdup_printf ("%s %s", number, unit) : g_steal_pointer (&number);
}

static char *
contact_point (JsonObject *cp)
{
  const char *value = get_string (cp, "value");
  const char *system = get_string (cp, "system");
  const char *use = get_string (cp, "use");

  if (value == NULL)
    return NULL;
  if (system != NULL && strcmp (system, "phone") != 0 && use != NULL)
    /* Translators: a contact, e.g. "E-mail (work): a@b.de" */
    return g_strdup_printf (_("%s (%s): %s"), code_text (system), code_text (use), value);
  if (system != NULL && strcmp (system, "phone") != 0)
    /* Translators: a contact, e.g. "E-mail: a@b.de" */
    return g_strdup_printf (_("%s: %s"), code_text (system), value);
  if (use != NULL)
    /* Translators: a phone number and where it rings, e.g. "+49 30 5550101 (home)" */
    return g_strdup_printf (_("%s (%s)"), value, code_text (use));
  return g_strdup (value);
}

static char *
address (JsonObject *a)
{
  g_autoptr(GStrvBuilder) parts = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  g_autofree char *town = NULL;
  JsonArray *lines = get_array (a, "line");

  if (get_string (a, "text") != NULL)
    return g_strdup (get_string (a, "text"));
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    g_strv_builder_add (parts, json_array_get_string_element (lines, i));
  town = g_strstrip (g_strdup_printf ("%s %s", get_string (a, "postalCode") ? get_string (a, "postalCode") : "",
                                      get_string (a, "city") ? get_string (a, "city") : ""));
  if (*town != '\0')
    g_strv_builder_add (parts, town);
  if (get_string (a, "country") != NULL)
    g_strv_builder_add (parts, get_string (a, "country"));
  strv = g_strv_builder_end (parts);
  return g_strjoinv (", ", strv);
}

static char *
dosage (JsonObject *d)
{
  JsonArray *rates = get_array (d, "doseAndRate");
  JsonObject *repeat = get_object (get_object (d, "timing"), "repeat");
  g_autofree char *dose = NULL;
  g_autofree char *route = codeable_concept (get_object (d, "route"));

  if (get_string (d, "text") != NULL)
    return g_strdup (get_string (d, "text"));
  if (rates != NULL && json_array_get_length (rates) > 0)
    dose = quantity (get_object (json_array_get_object_element (rates, 0), "doseQuantity"));
  if (repeat != NULL && json_object_has_member (repeat, "frequency"))
    {
      g_autofree char *with_timing = NULL;
      gint64 frequency = json_object_get_int_member (repeat, "frequency");
      gint64 period = json_object_has_member (repeat, "period")
                      ? (gint64) json_object_get_double_member (repeat, "period") : 1;
      const char *unit = get_string (repeat, "periodUnit");

      if (period == 1 && g_strcmp0 (unit, "d") == 0)
        /* Translators: a dose and how often, e.g. "500 mg, 3 times a day" */
        with_timing = g_strdup_printf (ngettext ("%s, %d time a day", "%s, %d times a day",
                                                 (gulong) frequency),
                                       dose ? dose : "", (int) frequency);
      else
        /* Translators: a dose and how often, e.g. "500 mg, 2 × per 1 wk" */
        with_timing = g_strdup_printf (_("%s, %d × per %d %s"), dose ? dose : "", (int) frequency,
                                       (int) period, unit ? unit : "");
      g_free (dose);
      dose = g_steal_pointer (&with_timing);
    }
  if (route != NULL && dose != NULL)
    return g_strdup_printf ("%s (%s)", dose, route);
  return dose != NULL ? g_steal_pointer (&dose) : g_steal_pointer (&route);
}

static char *
identifier (JsonObject *id)
{
  JsonObject *type = get_object (id, "type");
  g_autofree char *kind = type ? codeable_concept (type) : NULL;
  const char *value = get_string (id, "value");

  if (value == NULL)
    return NULL;
  if (g_strcmp0 (kind, "MR") == 0)
    {
      g_free (kind);
      /* Translators: MRN is the medical record number */
      kind = g_strdup (_("MRN"));
    }
  return kind != NULL ? g_strdup_printf ("%s %s", kind, value) : g_strdup (value);
}

static char *value_of (const char *element, JsonNode *node);

static char *
reaction (JsonObject *r)
{
  JsonArray *manifestations = get_array (r, "manifestation");
  g_autoptr(GStrvBuilder) parts = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  g_autofree char *joined = NULL;
  const char *severity = get_string (r, "severity");

  for (guint i = 0; manifestations != NULL && i < json_array_get_length (manifestations); i++)
    {
      g_autofree char *text = codeable_concept (json_array_get_object_element (manifestations, i));
      if (text != NULL)
        g_strv_builder_add (parts, text);
    }
  strv = g_strv_builder_end (parts);
  joined = g_strjoinv (", ", strv);
  if (severity != NULL)
    return g_strdup_printf ("%s (%s)", joined, code_text (severity));
  return g_steal_pointer (&joined);
}

/* "label: value" for the members of an object nothing above knows */
static char *
generic_object (JsonObject *object)
{
  g_autoptr(GList) members = json_object_get_members (object);
  GString *s = g_string_new (NULL);

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *label = hc_record_text_label (NULL, l->data);
      g_autofree char *value = value_of (l->data, json_object_get_member (object, l->data));

      if (g_str_equal (l->data, "extension") || g_str_equal (l->data, "id"))
        continue;
      if (s->len > 0)
        g_string_append (s, "; ");
      /* Translators: one part of a record, e.g. "Start: 4 May 2026" */
      g_string_append_printf (s, _("%s: %s"), label, value);
    }
  return g_string_free (s, FALSE);
}

static char *
object_value (const char *element,
              JsonObject *object)
{
  char *text = NULL;

  if (g_strcmp0 (element, "name") == 0 || json_object_has_member (object, "family") ||
      json_object_has_member (object, "given"))
    text = human_name (object);
  else if (g_strcmp0 (element, "telecom") == 0)
    text = contact_point (object);
  else if (g_strcmp0 (element, "address") == 0 || json_object_has_member (object, "city") ||
           json_object_has_member (object, "line"))
    text = address (object);
  else if (g_strcmp0 (element, "dosageInstruction") == 0)
    text = dosage (object);
  else if (g_strcmp0 (element, "identifier") == 0)
    text = identifier (object);
  else if (g_strcmp0 (element, "reaction") == 0)
    text = reaction (object);
  else if (g_strcmp0 (element, "note") == 0 && get_string (object, "text") != NULL)
    text = g_strdup (get_string (object, "text"));
  else if (json_object_has_member (object, "coding") ||
           (json_object_get_size (object) == 1 && get_string (object, "text") != NULL))
    text = codeable_concept (object);
  else if (json_object_has_member (object, "reference") || get_string (object, "display") != NULL)
    text = g_strdup (get_string (object, "display") ? get_string (object, "display")
                                                    : get_string (object, "reference"));
  else if (json_object_has_member (object, "value") &&
           (json_object_has_member (object, "unit") || json_object_has_member (object, "code")))
    text = quantity (object);
  else if (json_object_has_member (object, "start") || json_object_has_member (object, "end"))
    {
      g_autofree char *start = hc_record_text_date (get_string (object, "start"));
      g_autofree char *end = hc_record_text_date (get_string (object, "end"));

      /* Translators: a period of time, e.g. "4 May 2026, 10:00 – 4 May 2026, 10:20" */
      text = g_strdup_printf (_("%s – %s"), start ? start : "…", end ? end : "…");
    }
  if (text == NULL || *text == '\0')
    {
      g_free (text);
      text = generic_object (object);
    }
  return text;
}

static char *
value_of (const char *element,
          JsonNode   *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("Not recorded"));
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      GString *s = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *item = value_of (element, json_array_get_element (array, i));

          if (s->len > 0)
            g_string_append_c (s, '\n');
          g_string_append (s, item);
        }
      if (s->len == 0)
        g_string_append (s, _("None"));
      return g_string_free (s, FALSE);
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    return object_value (element, json_node_get_object (node));

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? _("Yes") : _("No"));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    default:
      {
        const char *text = json_node_get_string (node);
        char *date = hc_record_text_date (text);

        if (date != NULL)
          return date;
        if (text != NULL && strchr (text, ' ') == NULL)
          return g_strdup (code_text (text));
        return g_strdup (text ? text : "");
      }
    }
}

char *
hc_record_text_value (const char *element,
                      JsonNode   *node)
{
  return value_of (element, node);
}

char *
hc_record_text_patient_id (const char *type,
                           JsonObject *resource)
{
  g_autofree char *reference = resource ? hc_fhir_patient_reference (resource) : NULL;

  if (reference == NULL || !g_str_has_prefix (reference, "Patient/"))
    return NULL;
  return g_strdup (reference + strlen ("Patient/"));
}

/* "allergies" for "AllergyIntolerance/…": what a chart calls several records of that kind */
static const char *
kind_plural (const char *resource)
{
  static const Label plurals[] = {
    { "Patient/", NULL, N_("patient details") },
    { "AllergyIntolerance/", NULL, N_("allergies") },
    { "MedicationRequest/", NULL, N_("prescriptions") },
    { "MedicationStatement/", NULL, N_("medications") },
    { "Condition/", NULL, N_("problems") },
    { "Encounter/", NULL, N_("visits") },
    { "Observation/", NULL, N_("observations") },
    { "ServiceRequest/", NULL, N_("orders") },
    { "DiagnosticReport/", NULL, N_("results") },
    { "Immunization/", NULL, N_("immunizations") },
    { "Procedure/", NULL, N_("procedures") },
    { "Appointment/", NULL, N_("appointments") },
    { "Coverage/", NULL, N_("insurance") },
    { "DocumentReference/", NULL, N_("notes") },
    { "Composition/", NULL, N_("notes") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (plurals); i++)
    if (g_str_has_prefix (resource, plurals[i].type))
      return _(plurals[i].label);
  return NULL;
}

char *
hc_record_text_change_notice (JsonArray  *changes,
                              const char *patient_id,
                              gboolean   *conflict_out)
{
  g_autoptr(GPtrArray) kinds = g_ptr_array_new ();
  g_autoptr(GString) joined = g_string_new (NULL);
  gboolean merged = FALSE;
  gboolean conflict = FALSE;

  g_return_val_if_fail (changes != NULL, NULL);

  if (conflict_out != NULL)
    *conflict_out = FALSE;
  if (patient_id == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);
      const char *kind;

      if (g_strcmp0 (get_string (change, "patient"), patient_id) != 0 ||
          (kind = kind_plural (get_string (change, "resource") ? get_string (change, "resource") : "")) == NULL)
        continue;
      merged |= json_object_get_boolean_member_with_default (change, "merged", FALSE);
      conflict |= json_object_get_boolean_member_with_default (change, "conflict", FALSE);
      if (!g_ptr_array_find (kinds, kind, NULL))
        g_ptr_array_add (kinds, (gpointer) kind);
    }
  if (kinds->len == 0)
    return NULL;
  for (guint i = 0; i < kinds->len; i++)
    {
      if (i > 0)
        /* Translators: between the last two of "allergies, problems and prescriptions" */
        g_string_append (joined, i + 1 == kinds->len ? _(" and ") : ", ");
      g_string_append (joined, kinds->pdata[i]);
    }
  if (conflict_out != NULL)
    *conflict_out = conflict;
  if (conflict)
    /* Translators: %s is what changed, e.g. "allergies" or "allergies and problems"; the
     * toast's button (Review) opens the conflict inbox */
    return g_strdup_printf (_("A colleague’s change to %s conflicts with yours"), joined->str);
  if (merged)
    /* Translators: %s is what changed, e.g. "allergies" or "allergies and problems" */
    return g_strdup_printf (_("Chart updated: a colleague’s change to %s was merged with yours"),
                            joined->str);
  /* Translators: %s is what changed, e.g. "allergies" or "allergies and problems" */
  return g_strdup_printf (_("Chart updated: a colleague changed %s"), joined->str);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
hc_record_text_elements (JsonObject *resource)
{
  g_autoptr(GList) members = resource ? json_object_get_members (resource) : NULL;
  GPtrArray *elements = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (g_str_equal (member, "meta") || g_str_equal (member, "resourceType") ||
          g_str_equal (member, "id") || g_str_equal (member, "text") ||
          g_str_equal (member, "contained") || member[0] == '_')
        continue;
      g_ptr_array_add (elements, g_strdup (member));
    }
  g_ptr_array_sort (elements, compare_strings);
  return elements;
}
