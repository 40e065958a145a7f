/* test-clinical.c: catalogs and prescribing safety checks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-clinical"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hc-clinical.h"
#include "hc-fhir.h"
#include "hc-json.h"

static const char *clinical_files[] = {
  "formulary.json", "allergy-classes.json", "interactions.json", "lab-catalog.json",
};

static char *
source_clinical_dir (void)
{
  const char *root = g_getenv ("HOUSECALL_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "resources", "clinical", NULL);
}

static HcClinical *
load_shipped (void)
{
  g_autofree char *dir = source_clinical_dir ();
  g_autoptr(GError) error = NULL;
  HcClinical *clinical;

  g_setenv ("HOUSECALL_CLINICAL_DIR", dir, TRUE);
  clinical = hc_clinical_load (&error);
  g_assert_no_error (error);
  g_assert_nonnull (clinical);
  return clinical;
}

static JsonObject *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hc_json_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

/* An AllergyIntolerance @id to @text (RxNorm @rxnorm when not NULL). */
static JsonObject *
allergy (const char *id,
         const char *text,
         const char *rxnorm,
         const char *verification,
         const char *clinical)
{
  g_autofree char *coding = NULL;
  g_autofree char *json = NULL;

  if (rxnorm != NULL)
    coding = g_strdup_printf ("\"coding\": [{\"system\": \"http://www.nlm.nih.gov/research/umls/rxnorm\","
                              " \"code\": \"%s\", \"display\": \"%s\"}],", rxnorm, text);
  json = g_strdup_printf (
    "{\"resourceType\": \"AllergyIntolerance\", \"id\": \"%s\","
    " \"clinicalStatus\": {\"coding\": [{\"system\": \"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical\", \"code\": \"%s\"}]},"
    " \"verificationStatus\": {\"coding\": [{\"system\": \"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification\", \"code\": \"%s\"}]},"
    " \"type\": \"allergy\", \"category\": [\"medication\"],"
    " \"code\": {%s \"text\": \"%s\"}, \"patient\": {\"reference\": \"Patient/p1\"}}",
    id, clinical, verification, coding ? coding : "", text);
  return parse (json);
}

/* A MedicationRequest @id for formulary drug @drug_id with its default sig. */
static JsonObject *
order_for (HcClinical *clinical,
           const char *drug_id,
           const char *id,
           const char *status)
{
  const HcDrug *drug = hc_clinical_get_drug (clinical, drug_id);
  HcPrescription rx = { 0 };
  JsonObject *request;

  g_assert_nonnull (drug);
  rx.drug = drug;
  rx.dose = drug->dose;
  rx.dose_unit = drug->dose_unit;
  rx.route = drug->route;
  rx.frequency = drug->frequency;
  rx.as_needed = drug->as_needed;
  rx.days = drug->days;
  rx.quantity = drug->quantity;
  rx.quantity_unit = drug->quantity_unit;
  rx.refills = drug->refills;
  rx.instructions = drug->instructions;
  request = hc_clinical_build_medication_request (&rx, "p1", "Dr. Test", "2026-11-27T10:00:00Z");
  if (id != NULL)
    json_object_set_string_member (request, "id", id);
  if (status != NULL)
    json_object_set_string_member (request, "status", status);
  return request;
}

static GPtrArray *
check (HcClinical *clinical,
       JsonObject *proposed,
       JsonObject *first,
       ...)
{
  g_autoptr(JsonArray) chart = json_array_new ();
  va_list args;

  va_start (args, first);
  for (JsonObject *o = first; o != NULL; o = va_arg (args, JsonObject *))
    json_array_add_object_element (chart, json_object_ref (o));
  va_end (args);
  return hc_clinical_check (clinical, proposed, chart, NULL);
}

static void
test_search (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(GPtrArray) found = NULL;
  const HcDrug *drug;
  const HcOrderable *test;

  found = hc_clinical_search_drugs (clinical, "amox", 0);
  g_assert_cmpuint (found->len, ==, 1);
  drug = found->pdata[0];
  g_assert_cmpstr (drug->id, ==, "amoxicillin-500-cap");
  g_clear_pointer (&found, g_ptr_array_unref);

  /* every word a prefix of some word, case-insensitively */
  found = hc_clinical_search_drugs (clinical, "LISIN 20", 0);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((HcDrug *) found->pdata[0])->id, ==, "lisinopril-20-tab");
  g_clear_pointer (&found, g_ptr_array_unref);

  /* by ingredient of a combination product */
  found = hc_clinical_search_drugs (clinical, "trimeth", 0);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((HcDrug *) found->pdata[0])->id, ==, "smx-tmp-800-160-tab");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = hc_clinical_search_drugs (clinical, "mox", 0);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  found = hc_clinical_search_drugs (clinical, "", 5);
  g_assert_cmpuint (found->len, ==, 5);
  g_clear_pointer (&found, g_ptr_array_unref);

  found = hc_clinical_search_orderables (clinical, "a1c", 0);
  g_assert_cmpuint (found->len, ==, 1);
  test = found->pdata[0];
  g_assert_cmpstr (test->loinc, ==, "4548-4");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = hc_clinical_search_orderables (clinical, "chest x", 0);
  g_assert_cmpuint (found->len, ==, 1);
  test = found->pdata[0];
  g_assert_cmpstr (test->kind, ==, "imaging");
  g_assert_null (test->loinc);
}

static void
assert_one_allergy_warning (GPtrArray          *warnings,
                            HcClinicalSeverity  severity,
                            const char         *culprit)
{
  HcClinicalWarning *warning;

  g_assert_cmpuint (warnings->len, ==, 1);
  warning = warnings->pdata[0];
  g_assert_cmpint (warning->kind, ==, HC_CLINICAL_WARNING_ALLERGY);
  g_assert_cmpint (warning->severity, ==, severity);
  g_assert_cmpstr (warning->culprit, ==, culprit);
  g_assert_nonnull (warning->message);
}

static void
test_penicillin_allergy (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) penicillin = allergy ("a1", "Penicillin", NULL, "confirmed", "active");
  g_autoptr(JsonObject) amoxicillin = order_for (clinical, "amoxicillin-500-cap", NULL, NULL);
  g_autoptr(JsonObject) cephalexin = order_for (clinical, "cephalexin-500-cap", NULL, NULL);
  g_autoptr(JsonObject) azithromycin = order_for (clinical, "azithromycin-250-tab", NULL, NULL);
  g_autoptr(JsonObject) doxycycline = order_for (clinical, "doxycycline-100-cap", NULL, NULL);
  g_autoptr(GPtrArray) warnings = NULL;

  warnings = check (clinical, amoxicillin, penicillin, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/a1");
  g_assert_cmpstr (((HcClinicalWarning *) warnings->pdata[0])->culprit_text, ==, "Penicillin");
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* cross-reactivity: a warning, at a lower severity */
  warnings = check (clinical, cephalexin, penicillin, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_MODERATE, "AllergyIntolerance/a1");
  g_assert_nonnull (strstr (((HcClinicalWarning *) warnings->pdata[0])->message, "cephalosporin"));
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* no beta-lactam, no warning */
  warnings = check (clinical, azithromycin, penicillin, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = check (clinical, doxycycline, penicillin, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
}

static void
test_allergy_status (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) amoxicillin = order_for (clinical, "amoxicillin-500-cap", NULL, NULL);
  g_autoptr(JsonObject) unconfirmed = allergy ("a2", "Penicillin", NULL, "unconfirmed", "active");
  g_autoptr(JsonObject) in_error = allergy ("a3", "Penicillin", NULL, "entered-in-error", "active");
  g_autoptr(JsonObject) refuted = allergy ("a4", "Penicillin", NULL, "refuted", "active");
  g_autoptr(JsonObject) resolved = allergy ("a5", "Penicillin", NULL, "confirmed", "resolved");
  /* as the demo data codes it: RxNorm penicillin V, text only "Penicillin" */
  g_autoptr(JsonObject) coded = allergy ("a6", "Penicillin", "7984", "confirmed", "active");
  /* coded only: no text the names could match */
  g_autoptr(JsonObject) code_only = parse (
    "{\"resourceType\": \"AllergyIntolerance\", \"id\": \"a7\", \"patient\": {\"reference\": \"Patient/p1\"},"
    " \"code\": {\"coding\": [{\"system\": \"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": \"70618\"}]}}");
  g_autoptr(GPtrArray) warnings = NULL;
  HcClinicalWarning *warning;

  /* an unconfirmed allergy warns just as much: the cautious value counts */
  warnings = check (clinical, amoxicillin, unconfirmed, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/a2");
  warning = warnings->pdata[0];
  g_assert_nonnull (strstr (warning->culprit_text, "unconfirmed"));
  g_clear_pointer (&warnings, g_ptr_array_unref);

  warnings = check (clinical, amoxicillin, in_error, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = check (clinical, amoxicillin, refuted, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* resolved: still shown, but it does not block */
  warnings = check (clinical, amoxicillin, resolved, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_LOW, "AllergyIntolerance/a5");
  g_clear_pointer (&warnings, g_ptr_array_unref);

  warnings = check (clinical, amoxicillin, coded, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/a6");
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = check (clinical, amoxicillin, code_only, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/a7");
}

static void
test_other_allergies (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) sulfa = allergy ("s1", "Sulfonamide antibiotics", "10831", "confirmed", "active");
  g_autoptr(JsonObject) aspirin = allergy ("s2", "Aspirin", "1191", "confirmed", "active");
  g_autoptr(JsonObject) codeine = allergy ("s3", "Codeine", NULL, "confirmed", "active");
  g_autoptr(JsonObject) peanut = allergy ("s4", "Peanut", NULL, "confirmed", "active");
  g_autoptr(JsonObject) bactrim = order_for (clinical, "smx-tmp-800-160-tab", NULL, NULL);
  g_autoptr(JsonObject) hctz = order_for (clinical, "hydrochlorothiazide-25-tab", NULL, NULL);
  g_autoptr(JsonObject) naproxen = order_for (clinical, "naproxen-500-tab", NULL, NULL);
  g_autoptr(JsonObject) oxycodone = order_for (clinical, "oxycodone-5-tab", NULL, NULL);
  g_autoptr(JsonObject) tylenol3 = order_for (clinical, "acetaminophen-codeine-300-30-tab", NULL, NULL);
  g_autoptr(GPtrArray) warnings = NULL;

  warnings = check (clinical, bactrim, sulfa, aspirin, codeine, peanut, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/s1");
  g_clear_pointer (&warnings, g_ptr_array_unref);
  /* a non-antibiotic sulfonamide does not cross-react */
  warnings = check (clinical, hctz, sulfa, aspirin, codeine, peanut, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = check (clinical, naproxen, sulfa, aspirin, codeine, peanut, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/s2");
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = check (clinical, oxycodone, sulfa, aspirin, codeine, peanut, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/s3");
  g_clear_pointer (&warnings, g_ptr_array_unref);
  /* the ingredient itself, inside a combination product */
  warnings = check (clinical, tylenol3, sulfa, aspirin, codeine, peanut, NULL);
  assert_one_allergy_warning (warnings, HC_CLINICAL_SEVERITY_HIGH, "AllergyIntolerance/s3");
  g_assert_nonnull (strstr (((HcClinicalWarning *) warnings->pdata[0])->message, "codeine"));
}

static void
assert_interaction (HcClinical         *clinical,
                    const char         *proposed_drug,
                    const char         *active_drug,
                    const char         *rule,
                    HcClinicalSeverity  severity)
{
  g_autoptr(JsonObject) proposed = order_for (clinical, proposed_drug, NULL, NULL);
  g_autoptr(JsonObject) active = order_for (clinical, active_drug, "m1", NULL);
  g_autoptr(GPtrArray) warnings = check (clinical, proposed, active, NULL);
  HcClinicalWarning *warning;

  g_assert_cmpuint (warnings->len, ==, 1);
  warning = warnings->pdata[0];
  g_assert_cmpint (warning->kind, ==, HC_CLINICAL_WARNING_INTERACTION);
  g_assert_cmpstr (warning->rule, ==, rule);
  g_assert_cmpint (warning->severity, ==, severity);
  g_assert_cmpstr (warning->culprit, ==, "MedicationRequest/m1");
  g_assert_cmpstr (warning->culprit_text, ==, hc_clinical_get_drug (clinical, active_drug)->name);
}

static void
test_interactions (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  struct { const char *a, *b, *rule; HcClinicalSeverity severity; } pairs[] = {
    { "warfarin-5-tab", "ibuprofen-600-tab", "warfarin-nsaid", HC_CLINICAL_SEVERITY_HIGH },
    { "warfarin-5-tab", "aspirin-81-tab", "warfarin-nsaid", HC_CLINICAL_SEVERITY_HIGH },
    { "sertraline-50-tab", "tramadol-50-tab", "ssri-tramadol", HC_CLINICAL_SEVERITY_HIGH },
    { "lisinopril-10-tab", "spironolactone-25-tab", "acei-potassium-sparing", HC_CLINICAL_SEVERITY_MODERATE },
    { "simvastatin-20-tab", "clarithromycin-500-tab", "simvastatin-clarithromycin", HC_CLINICAL_SEVERITY_HIGH },
    { "methotrexate-2.5-tab", "smx-tmp-800-160-tab", "methotrexate-trimethoprim", HC_CLINICAL_SEVERITY_HIGH },
    { "sildenafil-50-tab", "nitroglycerin-0.4-sl-tab", "pde5-nitrate", HC_CLINICAL_SEVERITY_HIGH },
    { "sildenafil-50-tab", "isosorbide-mononitrate-er-30-tab", "pde5-nitrate", HC_CLINICAL_SEVERITY_HIGH },
  };

  /* each pair warns whichever of the two is prescribed second */
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      assert_interaction (clinical, pairs[i].a, pairs[i].b, pairs[i].rule, pairs[i].severity);
      assert_interaction (clinical, pairs[i].b, pairs[i].a, pairs[i].rule, pairs[i].severity);
    }
}

static void
test_medication_status (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) ibuprofen = order_for (clinical, "ibuprofen-600-tab", NULL, NULL);
  g_autoptr(JsonObject) stopped = order_for (clinical, "warfarin-5-tab", "m1", "stopped");
  g_autoptr(JsonObject) active = order_for (clinical, "warfarin-5-tab", "m2", NULL);
  g_autoptr(JsonObject) lisinopril = order_for (clinical, "lisinopril-20-tab", NULL, NULL);
  g_autoptr(JsonArray) chart = json_array_new ();
  g_autoptr(GPtrArray) warnings = NULL;
  const char *ignore[] = { "m2", NULL };
  HcClinicalWarning *warning;

  warnings = check (clinical, ibuprofen, stopped, NULL);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* as hc_store_list_chart() gives it, with one to ignore (the order being changed) */
  {
    JsonObject *element = json_object_new ();

    json_object_set_object_member (element, "resource", json_object_ref (active));
    json_object_set_string_member (element, "state", "local");
    json_array_add_object_element (chart, element);
  }
  warnings = hc_clinical_check (clinical, ibuprofen, chart, NULL);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = hc_clinical_check (clinical, ibuprofen, chart, ignore);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_clear_pointer (&warnings, g_ptr_array_unref);

  /* the demo's lisinopril 10 mg, coded by its RxNorm product only */
  {
    g_autoptr(JsonObject) demo = parse (
      "{\"resourceType\": \"MedicationRequest\", \"id\": \"d1\", \"status\": \"active\", \"intent\": \"order\","
      " \"subject\": {\"reference\": \"Patient/p1\"},"
      " \"medicationCodeableConcept\": {\"coding\": [{\"system\": \"http://www.nlm.nih.gov/research/umls/rxnorm\","
      "   \"code\": \"314076\"}]}}");

    warnings = check (clinical, lisinopril, demo, NULL);
  }
  g_assert_cmpuint (warnings->len, ==, 1);
  warning = warnings->pdata[0];
  g_assert_cmpint (warning->kind, ==, HC_CLINICAL_WARNING_DUPLICATE);
  g_assert_cmpstr (warning->culprit, ==, "MedicationRequest/d1");
}

static void
test_ordering (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) ibuprofen = order_for (clinical, "ibuprofen-600-tab", NULL, NULL);
  g_autoptr(JsonObject) sertraline = order_for (clinical, "sertraline-50-tab", "m1", NULL);
  g_autoptr(JsonObject) warfarin = order_for (clinical, "warfarin-5-tab", "m2", NULL);
  g_autoptr(GPtrArray) warnings = check (clinical, ibuprofen, sertraline, warfarin, NULL);

  /* most severe first */
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_cmpstr (((HcClinicalWarning *) warnings->pdata[0])->rule, ==, "warfarin-nsaid");
  g_assert_cmpstr (((HcClinicalWarning *) warnings->pdata[1])->rule, ==, "ssri-nsaid");
}

static void
test_build_and_read (void)
{
  g_autoptr(HcClinical) clinical = load_shipped ();
  g_autoptr(JsonObject) request = order_for (clinical, "amoxicillin-500-cap", NULL, NULL);
  g_autoptr(JsonObject) inhaler = order_for (clinical, "albuterol-hfa-90-inh", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ingredients = NULL;
  JsonObject *dosage;
  HcPrescription rx;

  json_object_set_string_member (request, "id", "0192f0c4-0000-7000-8000-000000000001");
  hc_fhir_validate (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hc_json_get_string (request, "status"), ==, "active");
  g_assert_cmpstr (hc_json_get_string (request, "intent"), ==, "order");
  dosage = hc_json_array_get_object (hc_json_get_array (request, "dosageInstruction"), 0);
  g_assert_cmpstr (hc_json_get_string (dosage, "text"), ==,
                   "Take 1 capsule by mouth three times daily for 7 days.");

  g_assert_true (hc_clinical_read_prescription (clinical, request, &rx));
  g_assert_nonnull (rx.drug);
  g_assert_cmpstr (rx.drug->id, ==, "amoxicillin-500-cap");
  g_assert_cmpstr (rx.frequency, ==, "TID");
  g_assert_cmpfloat (rx.dose, ==, 1);
  g_assert_cmpuint (rx.days, ==, 7);
  g_assert_cmpfloat (rx.quantity, ==, 21);
  g_assert_cmpstr (rx.route, ==, "oral");

  ingredients = hc_clinical_request_ingredients (clinical, request);
  g_assert_cmpstrv (ingredients, ((const char *[]) { "amoxicillin", NULL }));

  json_object_set_string_member (inhaler, "id", "0192f0c4-0000-7000-8000-000000000002");
  hc_fhir_validate (inhaler, &error);
  g_assert_no_error (error);
  dosage = hc_json_array_get_object (hc_json_get_array (inhaler, "dosageInstruction"), 0);
  g_assert_cmpstr (hc_json_get_string (dosage, "text"), ==,
                   "Inhale 2 puffs every 4 hours as needed. For wheezing or shortness of breath.");
}

/* A copy of the shipped files in a temporary HOUSECALL_CLINICAL_DIR, with @file replaced by
 * @contents; returns the load error. */
static GError *
load_with (const char *file,
           const char *contents)
{
  g_autofree char *source = source_clinical_dir ();
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HcClinical) clinical = NULL;
  GError *load_error = NULL;

  dir = g_dir_make_tmp ("hc-test-clinical-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (clinical_files); i++)
    {
      g_autofree char *from = g_build_filename (source, clinical_files[i], NULL);
      g_autofree char *to = g_build_filename (dir, clinical_files[i], NULL);
      g_autofree char *data = NULL;
      gsize length;

      g_file_get_contents (from, &data, &length, &error);
      g_assert_no_error (error);
      if (strcmp (clinical_files[i], file) == 0)
        g_file_set_contents (to, contents, -1, &error);
      else
        g_file_set_contents (to, data, (gssize) length, &error);
      g_assert_no_error (error);
    }
  g_setenv ("HOUSECALL_CLINICAL_DIR", dir, TRUE);
  clinical = hc_clinical_load (&load_error);
  g_assert_null (clinical);
  for (guint i = 0; i < G_N_ELEMENTS (clinical_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, clinical_files[i], NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_test_message ("%s", load_error->message);
  return load_error;
}

static void
assert_mentions (const GError *error,
                 const char   *first,
                 ...)
{
  va_list args;

  va_start (args, first);
  for (const char *s = first; s != NULL; s = va_arg (args, const char *))
    if (strstr (error->message, s) == NULL)
      g_error ("the message \"%s\" does not mention \"%s\"", error->message, s);
  va_end (args);
}

static void
test_malformed_files (void)
{
  g_autoptr(GError) error = NULL;

  error = load_with ("formulary.json", "{\"ingredients\": [ {\"name\": \"x\" ");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  assert_mentions (error, "formulary.json", "not valid JSON", NULL);
  g_clear_error (&error);

  error = load_with ("formulary.json",
                     "{\"ingredients\": [{\"name\": \"amoxicillin\", \"classes\": [\"penicillin\"]}],"
                     " \"drugs\": [{\"id\": \"amox\", \"name\": \"Amoxicillin 500 mg\", \"route\": \"oral\","
                     "   \"ingredients\": [\"amoxicilin\"],"
                     "   \"sig\": {\"dose\": 1, \"unit\": \"capsule\", \"frequency\": \"TID\", \"quantity\": 21}}]}");
  g_assert_error (error, HC_CLINICAL_ERROR, HC_CLINICAL_ERROR_INVALID);
  assert_mentions (error, "formulary.json", "drugs[0]", "\"amox\"", "amoxicilin", NULL);
  g_clear_error (&error);

  error = load_with ("formulary.json",
                     "{\"ingredients\": [{\"name\": \"amoxicillin\", \"classes\": [\"penicillin\"]}],"
                     " \"drugs\": [{\"id\": \"amox\", \"name\": \"Amoxicillin 500 mg\", \"route\": \"oral\","
                     "   \"ingredients\": [\"amoxicillin\"],"
                     "   \"sig\": {\"dose\": \"one\", \"unit\": \"capsule\", \"frequency\": \"TID\", \"quantity\": 21}}]}");
  assert_mentions (error, "formulary.json", "drugs[0]", "\"dose\" must be a number", NULL);
  g_clear_error (&error);

  error = load_with ("interactions.json",
                     "{\"rules\": [{\"id\": \"r1\", \"a\": {\"ingredient\": \"warfarin\"},"
                     " \"b\": {\"class\": \"nsaids\"}, \"severity\": \"high\", \"message\": \"m\"}]}");
  assert_mentions (error, "interactions.json", "rules[0]", "\"r1\"", "nsaids", NULL);
  g_clear_error (&error);

  error = load_with ("interactions.json",
                     "{\"rules\": [{\"id\": \"r1\", \"a\": {\"ingredient\": \"warfarin\"},"
                     " \"b\": {\"class\": \"nsaid\"}, \"severity\": \"severe\", \"message\": \"m\"}]}");
  assert_mentions (error, "interactions.json", "\"r1\"", "severity", NULL);
  g_clear_error (&error);

  error = load_with ("allergy-classes.json", "[]");
  assert_mentions (error, "allergy-classes.json", "top level", NULL);
  g_clear_error (&error);

  error = load_with ("lab-catalog.json",
                     "{\"tests\": [{\"id\": \"cbc\", \"name\": \"CBC\", \"kind\": \"lab\", \"loinc\": \"58410\"}]}");
  assert_mentions (error, "lab-catalog.json", "tests[0]", "\"cbc\"", "58410", NULL);
  g_clear_error (&error);

  /* a file given to the wrong name */
  error = load_with ("lab-catalog.json", "{\"format\": \"housecall-formulary\", \"tests\": []}");
  assert_mentions (error, "lab-catalog.json", "housecall-lab-catalog", NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/clinical/search", test_search);
  g_test_add_func ("/hc/data/clinical/penicillin-allergy", test_penicillin_allergy);
  g_test_add_func ("/hc/data/clinical/allergy-status", test_allergy_status);
  g_test_add_func ("/hc/data/clinical/other-allergies", test_other_allergies);
  g_test_add_func ("/hc/data/clinical/interactions", test_interactions);
  g_test_add_func ("/hc/data/clinical/medication-status", test_medication_status);
  g_test_add_func ("/hc/data/clinical/ordering", test_ordering);
  g_test_add_func ("/hc/data/clinical/build-and-read", test_build_and_read);
  g_test_add_func ("/hc/data/clinical/malformed-files", test_malformed_files);
  return g_test_run ();
}
