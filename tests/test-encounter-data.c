/* test-encounter-data.c: diagnosis search, templates, snippets, vitals and visit resources
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hc-encounter-data.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-test-utils.h"
#include "hc-visit-summary.h"

/* The demo data's reviewed ICD-10-CM table (data/hc-demo.c): the shipped subset must have each
 * with the same description. */
static const char * const demo_codes[][2] = {
  { "I10", "Essential (primary) hypertension" },
  { "E11.9", "Type 2 diabetes mellitus without complications" },
  { "E11.65", "Type 2 diabetes mellitus with hyperglycemia" },
  { "E78.5", "Hyperlipidemia, unspecified" },
  { "E78.00", "Pure hypercholesterolemia, unspecified" },
  { "J45.909", "Unspecified asthma, uncomplicated" },
  { "E03.9", "Hypothyroidism, unspecified" },
  { "F41.1", "Generalized anxiety disorder" },
  { "F32.9", "Major depressive disorder, single episode, unspecified" },
  { "K21.9", "Gastro-esophageal reflux disease without esophagitis" },
  { "E66.9", "Obesity, unspecified" },
  { "J30.9", "Allergic rhinitis, unspecified" },
  { "G47.33", "Obstructive sleep apnea (adult) (pediatric)" },
  { "J44.9", "Chronic obstructive pulmonary disease, unspecified" },
  { "I48.91", "Unspecified atrial fibrillation" },
  { "M17.11", "Unilateral primary osteoarthritis, right knee" },
  { "E55.9", "Vitamin D deficiency, unspecified" },
  { "G43.909", "Migraine, unspecified, not intractable, without status migrainosus" },
  { "J06.9", "Acute upper respiratory infection, unspecified" },
  { "N39.0", "Urinary tract infection, site not specified" },
  { "M54.50", "Low back pain, unspecified" },
  { "Z00.00", "Encounter for general adult medical examination without abnormal findings" },
  { "Z00.129", "Encounter for routine child health examination without abnormal findings" },
};

static HcEncounterData *
load_shipped (void)
{
  g_autoptr(GError) error = NULL;
  HcEncounterData *data = hc_encounter_data_load (&error);

  g_assert_no_error (error);
  g_assert_nonnull (data);
  return data;
}

static void
test_catalog_shipped (void)
{
  g_autoptr(HcEncounterData) data = load_shipped ();
  g_autoptr(GRegex) syntax = g_regex_new ("^[A-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$", 0, 0, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) all = hc_encounter_data_search_icd10 (data, "a", 10000);
  const HcIcd10Code *code;

  for (guint i = 0; i < G_N_ELEMENTS (demo_codes); i++)
    {
      code = hc_encounter_data_lookup_icd10 (data, demo_codes[i][0]);
      g_assert_nonnull (code);
      g_assert_cmpstr (code->display, ==, demo_codes[i][1]);
    }
  g_assert_null (hc_encounter_data_lookup_icd10 (data, "I10.0"));

  /* every code well-formed and listed once (a search for any word prefix "a" sees many) */
  g_assert_cmpuint (all->len, >, 20);
  for (const char *letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; *letters; letters++)
    {
      char prefix[2] = { *letters, '\0' };
      g_autoptr(GPtrArray) hits = hc_encounter_data_search_icd10 (data, prefix, 10000);

      for (guint i = 0; i < hits->len; i++)
        {
          const HcIcd10Code *c = hits->pdata[i];
          if (g_ascii_toupper (c->code[0]) != *letters)
            continue;
          g_assert_true (g_regex_match (syntax, c->code, 0, NULL));
          g_assert_false (g_hash_table_contains (seen, c->code));
          g_hash_table_add (seen, (gpointer) c->code);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 90);

  g_assert_cmpuint (hc_encounter_data_get_n_templates (data), >=, 4);
  g_assert_nonnull (hc_encounter_data_find_template (data, "general"));
  g_assert_nonnull (hc_encounter_data_find_template (data, "diabetes-follow-up"));
  g_assert_nonnull (hc_encounter_data_find_template (data, "uri"));
  g_assert_nonnull (hc_encounter_data_find_template (data, "hypertension-follow-up"));
  g_assert_null (hc_encounter_data_find_template (data, "nope"));
  g_assert_cmpuint (hc_encounter_data_get_n_snippets (data), >=, 5);
}

static const char *
hit (GPtrArray *hits,
     guint      i)
{
  g_assert_cmpuint (i, <, hits->len);
  return ((const HcIcd10Code *) hits->pdata[i])->code;
}

static void
test_search_ranked (void)
{
  g_autoptr(HcEncounterData) data = load_shipped ();
  GPtrArray *hits;

  /* a word of the description: the short, general description first */
  hits = hc_encounter_data_search_icd10 (data, "hypert", 10);
  g_assert_cmpstr (hit (hits, 0), ==, "I10");
  g_assert_cmpuint (hits->len, >=, 2);   /* R03.0 "...without diagnosis of hypertension" */
  g_ptr_array_unref (hits);

  /* a code with or without its dot, any case; then the codes it starts */
  hits = hc_encounter_data_search_icd10 (data, "e119", 10);
  g_assert_cmpstr (hit (hits, 0), ==, "E11.9");
  g_assert_cmpuint (hits->len, ==, 1);
  g_ptr_array_unref (hits);
  hits = hc_encounter_data_search_icd10 (data, "E11", 10);
  g_assert_cmpuint (hits->len, ==, 4);
  g_assert_cmpstr (hit (hits, 0), ==, "E11.9");   /* shorter code first */
  g_ptr_array_unref (hits);
  hits = hc_encounter_data_search_icd10 (data, "i10", 10);
  g_assert_cmpstr (hit (hits, 0), ==, "I10");
  g_ptr_array_unref (hits);

  /* every word must match; order does not matter */
  hits = hc_encounter_data_search_icd10 (data, "diabetes type 2 hyperglyc", 10);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (hit (hits, 0), ==, "E11.65");
  g_ptr_array_unref (hits);
  hits = hc_encounter_data_search_icd10 (data, "knee right", 10);
  g_assert_cmpuint (hits->len, ==, 2);   /* M17.11, M25.561 */
  g_ptr_array_unref (hits);

  /* a synonym finds the code, after description matches */
  hits = hc_encounter_data_search_icd10 (data, "HTN", 10);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (hit (hits, 0), ==, "I10");
  g_ptr_array_unref (hits);

  /* a description word starting the description ranks before one in the middle */
  hits = hc_encounter_data_search_icd10 (data, "acute", 50);
  for (guint i = 0; i < hits->len; i++)
    if (!g_str_has_prefix (((const HcIcd10Code *) hits->pdata[i])->display, "Acute"))
      for (guint j = i + 1; j < hits->len; j++)
        g_assert_false (g_str_has_prefix (((const HcIcd10Code *) hits->pdata[j])->display, "Acute"));
  g_ptr_array_unref (hits);

  /* limits, nothing found, nothing asked */
  hits = hc_encounter_data_search_icd10 (data, "unspecified", 3);
  g_assert_cmpuint (hits->len, ==, 3);
  g_ptr_array_unref (hits);
  hits = hc_encounter_data_search_icd10 (data, "zzqx", 10);
  g_assert_cmpuint (hits->len, ==, 0);
  g_ptr_array_unref (hits);
  hits = hc_encounter_data_search_icd10 (data, "  ", 10);
  g_assert_cmpuint (hits->len, ==, 0);
  g_ptr_array_unref (hits);
}

static void
test_snippets (void)
{
  g_autoptr(HcEncounterData) data = load_shipped ();
  const HcSnippet *s;
  gsize start = 99;
  const char *text = "Exam: .nad";

  s = hc_encounter_data_match_snippet (data, text, strlen (text), &start);
  g_assert_nonnull (s);
  g_assert_cmpstr (s->text, ==, "No acute distress.");
  g_assert_cmpuint (start, ==, 6);
  /* at the start, after a line break, any case */
  g_assert_nonnull (hc_encounter_data_match_snippet (data, ".nad", 4, &start));
  g_assert_cmpuint (start, ==, 0);
  g_assert_nonnull (hc_encounter_data_match_snippet (data, "x\n.NAD", 6, NULL));
  /* not inside a word, not when the cursor is elsewhere */
  g_assert_null (hc_encounter_data_match_snippet (data, "x.nad", 5, NULL));
  g_assert_null (hc_encounter_data_match_snippet (data, ".nad more", 9, NULL));
  g_assert_null (hc_encounter_data_match_snippet (data, ".na", 3, NULL));
  g_assert_null (hc_encounter_data_match_snippet (data, "", 0, NULL));
}

static JsonNode *
object_node (const char *json)
{
  g_autoptr(JsonObject) object = hc_test_object (json);

  return json_node_init_object (json_node_alloc (), object);
}

static void
test_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) icd = object_node ((
    "{\"codes\":[{\"code\":\"I10\"}]}"));
  g_autoptr(JsonNode) good = object_node ((
    "{\"codes\":[]}"));
  g_autoptr(JsonNode) tmpl = object_node ((
    "{\"snippets\":[{\"trigger\":\"two words\",\"text\":\"x\"}]}"));
  g_autoptr(HcEncounterData) data = NULL;
  g_autofree char *dir = hc_test_tmpdir ("clinical");
  g_autofree char *path = g_build_filename (dir, "icd10cm.json", NULL);

  g_assert_no_error (error);
  data = hc_encounter_data_new (icd, NULL, &error);
  g_assert_null (data);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "icd10cm.json"));
  g_clear_error (&error);
  data = hc_encounter_data_new (good, tmpl, &error);
  g_assert_null (data);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "snippet"));
  g_clear_error (&error);

  /* a file that says it is something else */
  {
    g_autoptr(JsonNode) other = object_node ("{\"format\":\"housecall-formulary\",\"codes\":[]}");
    g_autoptr(HcEncounterData) none = hc_encounter_data_new (other, NULL, &error);

    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "format"));
    g_clear_error (&error);
  }

  /* a practice's own file comes first, and a broken one is reported, not half-used */
  g_assert_true (g_file_set_contents (path, "{\"codes\": 3}", -1, NULL));
  g_setenv ("HOUSECALL_CLINICAL_DIR", dir, TRUE);
  data = hc_encounter_data_load (&error);
  g_unsetenv ("HOUSECALL_CLINICAL_DIR");
  g_assert_null (data);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
assert_parses (HcVital     kind,
               const char *text,
               double      value,
               double      value2)
{
  g_autoptr(GError) error = NULL;
  HcVitalValue v;

  if (!hc_vital_parse (kind, text, &v, &error))
    g_error ("'%s' did not parse: %s", text, error->message);
  g_assert_cmpint (v.kind, ==, kind);
  g_assert_cmpfloat_with_epsilon (v.value, value, 1e-6);
  g_assert_cmpfloat_with_epsilon (v.value2, value2, 1e-6);
}

/* Asserts @text is refused with @code and that the message contains @words. */
static void
assert_refused (HcVital     kind,
                const char *text,
                int         code,
                const char *words)
{
  g_autoptr(GError) error = NULL;
  HcVitalValue v;

  g_assert_false (hc_vital_parse (kind, text, &v, &error));
  g_assert_error (error, HC_VITAL_ERROR, code);
  if (strstr (error->message, words) == NULL)
    g_error ("'%s': message '%s' lacks '%s'", text, error->message, words);
}

static void
test_vitals_parse (void)
{
  assert_parses (HC_VITAL_WEIGHT, "72.5 kg", 72.5, 0);
  assert_parses (HC_VITAL_WEIGHT, "72,5kg", 72.5, 0);
  assert_parses (HC_VITAL_WEIGHT, " 160 lb ", 72.6, 0);
  assert_parses (HC_VITAL_WEIGHT, "3400 g", 3.4, 0);
  assert_parses (HC_VITAL_HEIGHT, "170 cm", 170, 0);
  assert_parses (HC_VITAL_HEIGHT, "1.70 m", 170, 0);
  assert_parses (HC_VITAL_HEIGHT, "67 in", 170.2, 0);
  assert_parses (HC_VITAL_HEIGHT, "5'7\"", 170.2, 0);
  assert_parses (HC_VITAL_HEIGHT, "5 ft 7 in", 170.2, 0);
  assert_parses (HC_VITAL_TEMPERATURE, "37.2 °C", 37.2, 0);
  assert_parses (HC_VITAL_TEMPERATURE, "98.6 F", 37, 0);
  assert_parses (HC_VITAL_TEMPERATURE, "101.3°F", 38.5, 0);
  assert_parses (HC_VITAL_BLOOD_PRESSURE, "120/80", 120, 80);
  assert_parses (HC_VITAL_BLOOD_PRESSURE, "142 / 91 mmHg", 142, 91);
  assert_parses (HC_VITAL_PULSE, "72", 72, 0);
  assert_parses (HC_VITAL_PULSE, "72 bpm", 72, 0);
  assert_parses (HC_VITAL_RESPIRATORY_RATE, "16/min", 16, 0);
  assert_parses (HC_VITAL_OXYGEN_SATURATION, "98 %", 98, 0);
  assert_parses (HC_VITAL_OXYGEN_SATURATION, "100", 100, 0);

  /* units: missing where two are usual, of another measurement, unknown */
  assert_refused (HC_VITAL_WEIGHT, "72", HC_VITAL_ERROR_UNIT, "kg or lb");
  assert_refused (HC_VITAL_WEIGHT, "72 cm", HC_VITAL_ERROR_UNIT, "not cm");
  assert_refused (HC_VITAL_HEIGHT, "170 kg", HC_VITAL_ERROR_UNIT, "cm or in");
  assert_refused (HC_VITAL_TEMPERATURE, "37", HC_VITAL_ERROR_UNIT, "°C or °F");
  assert_refused (HC_VITAL_WEIGHT, "72 stone", HC_VITAL_ERROR_UNIT, "stone");
  assert_refused (HC_VITAL_PULSE, "72 %", HC_VITAL_ERROR_UNIT, "/min");
  assert_refused (HC_VITAL_OXYGEN_SATURATION, "98 mmHg", HC_VITAL_ERROR_UNIT, "%");
  /* ranges, in the unit typed; a Fahrenheit value typed as Celsius is named as such */
  assert_refused (HC_VITAL_WEIGHT, "900 kg", HC_VITAL_ERROR_RANGE, "0.3 to 400 kg");
  assert_refused (HC_VITAL_WEIGHT, "1000 lb", HC_VITAL_ERROR_RANGE, "lb");
  assert_refused (HC_VITAL_TEMPERATURE, "98.6 °C", HC_VITAL_ERROR_RANGE, "°F");
  assert_refused (HC_VITAL_TEMPERATURE, "20 C", HC_VITAL_ERROR_RANGE, "25 to 45 °C");
  assert_refused (HC_VITAL_OXYGEN_SATURATION, "101", HC_VITAL_ERROR_RANGE, "100");
  assert_refused (HC_VITAL_PULSE, "400", HC_VITAL_ERROR_RANGE, "250");
  /* blood pressure: two numbers, systolic above diastolic */
  assert_refused (HC_VITAL_BLOOD_PRESSURE, "80/120", HC_VITAL_ERROR_RANGE, "systolic");
  assert_refused (HC_VITAL_BLOOD_PRESSURE, "120", HC_VITAL_ERROR_SYNTAX, "120/80");
  assert_refused (HC_VITAL_BLOOD_PRESSURE, "120/10", HC_VITAL_ERROR_RANGE, "20 to 200");
  assert_refused (HC_VITAL_PULSE, "fast", HC_VITAL_ERROR_SYNTAX, "number");
  assert_refused (HC_VITAL_WEIGHT, "", HC_VITAL_ERROR_SYNTAX, "number");
}

static void
test_vitals_observation (void)
{
  static const char * const texts[] = {
    "160 lb", "5'7\"", "99.5 °F", "132/84", "64", "18", "97",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) performer = hc_user_reference ("drlee", "Dr. Lee");
  HcVitalValue weight = { 0 }, height = { 0 }, bmi;

  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      g_autoptr(JsonObject) obs = NULL;
      g_autofree char *shown = NULL;
      HcVitalValue v, back;

      g_assert_true (hc_vital_parse (k, texts[k], &v, &error));
      g_assert_no_error (error);
      if (k == HC_VITAL_WEIGHT)
        weight = v;
      if (k == HC_VITAL_HEIGHT)
        height = v;
      obs = hc_vital_to_observation (&v, NULL, "final", "p1", "e1", "2026-11-27T10:00:00+01:00",
                                     performer);
      if (!hc_fhir_validate (obs, &error))
        g_error ("%s", error->message);
      g_assert_true (hc_vital_from_observation (obs, &back));
      g_assert_cmpint (back.kind, ==, k);
      g_assert_cmpfloat_with_epsilon (back.value, v.value, 1e-6);
      g_assert_cmpfloat_with_epsilon (back.value2, v.value2, 1e-6);
      /* what the field shows reads back as the same value */
      shown = hc_vital_format (&v);
      g_assert_true (hc_vital_parse (k, shown, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (back.value, v.value, 1e-6);
    }

  /* stored in the demo's units and codes */
  {
    g_autoptr(JsonObject) obs = hc_vital_to_observation (&weight, "o1", "final", "p1", NULL,
                                                         "2026-11-27", NULL);
    g_autofree char *text = hc_json_object_to_string (obs, FALSE);

    g_assert_nonnull (strstr (text, "\"code\":\"29463-7\""));
    g_assert_nonnull (strstr (text, "\"valueQuantity\":{\"value\":72.6,\"unit\":\"kg\","
                                    "\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}"));
    g_assert_nonnull (strstr (text, "\"vital-signs\""));
  }
  {
    HcVitalValue t;
    g_autoptr(JsonObject) obs = NULL;
    g_autofree char *text = NULL;

    g_assert_true (hc_vital_parse (HC_VITAL_TEMPERATURE, "37.5 C", &t, NULL));
    obs = hc_vital_to_observation (&t, NULL, "final", "p1", NULL, "2026-11-27", NULL);
    text = hc_json_object_to_string (obs, FALSE);
    g_assert_nonnull (strstr (text, "\"code\":\"Cel\""));
  }
  {
    HcVitalValue bp;
    g_autoptr(JsonObject) obs = NULL;
    g_autofree char *text = NULL;

    g_assert_true (hc_vital_parse (HC_VITAL_BLOOD_PRESSURE, "120/80", &bp, NULL));
    obs = hc_vital_to_observation (&bp, NULL, "final", "p1", NULL, "2026-11-27", NULL);
    text = hc_json_object_to_string (obs, FALSE);
    g_assert_nonnull (strstr (text, "\"85354-9\""));
    g_assert_nonnull (strstr (text, "\"8480-6\""));
    g_assert_nonnull (strstr (text, "\"8462-4\""));
    g_assert_nonnull (strstr (text, "\"code\":\"mm[Hg]\""));
    g_assert_null (json_object_get_member (obs, "valueQuantity"));
  }

  g_assert_true (hc_vital_bmi (&weight, &height, &bmi));
  g_assert_cmpfloat_with_epsilon (bmi.value, 25.1, 1e-6);   /* 72.6 / 1.702² */

  /* an imported weight in pounds reads in kilograms; a lab result is no vital */
  {
    g_autoptr(JsonObject) obs = hc_test_object (
      "{\"resourceType\":\"Observation\",\"status\":\"final\","
      "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
      "\"valueQuantity\":{\"value\":200,\"unit\":\"lb\",\"system\":\"http://unitsofmeasure.org\","
      "\"code\":\"[lb_av]\"}}");
    g_autoptr(JsonObject) lab = hc_test_object (
      "{\"resourceType\":\"Observation\",\"status\":\"final\","
      "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},"
      "\"valueQuantity\":{\"value\":7}}");
    HcVitalValue v;

    g_assert_true (hc_vital_from_observation (obs, &v));
    g_assert_cmpfloat_with_epsilon (v.value, 90.7, 1e-6);
    g_assert_false (hc_vital_from_observation (lab, &v));
  }
}

static void
test_resources (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcEncounterData) data = load_shipped ();
  g_autoptr(JsonObject) author = hc_user_reference ("drlee", "Dr. Lee");
  const char *sections[HC_N_SOAP] = {
    "Cough for 3 days.\nNo fever.", "", "Temp <38 & lungs \"clear\".", "Rest.\n\nReturn in 1 week.",
  };
  const char *ids[] = { "c1", "c2", NULL };
  g_autoptr(JsonObject) draft = hc_note_build ("n1", "p1", "e1", "2026-11-27T10:00:00+01:00",
                                               author, sections, NULL);
  g_autoptr(JsonObject) final = hc_note_build ("n1", "p1", "e1", "2026-11-27T10:00:00+01:00",
                                               author, sections, "2026-11-27T10:20:00+01:00");
  g_autoptr(JsonObject) addendum = hc_addendum_build ("n2", "p1", "e1", "n1",
                                                      "2026-11-28T09:00:00+01:00", author,
                                                      "Culture negative.",
                                                      "2026-11-28T09:00:00+01:00");
  g_autoptr(JsonObject) encounter = hc_encounter_build ("e1", "finished", "p1", author,
                                                        "2026-11-27T10:00:00+01:00",
                                                        "2026-11-27T10:20:00+01:00", ids);
  g_autoptr(JsonObject) condition = hc_diagnosis_build ("c1", "p1", "e1",
                                                        hc_encounter_data_lookup_icd10 (data, "J20.9"),
                                                        "2026-11-27T10:10:00+01:00", author);
  JsonObject *resources[] = { draft, final, addendum, encounter, condition };
  g_autofree char *text = NULL;
  JsonArray *attesters;
  JsonObject *attester, *relates;

  for (guint i = 0; i < G_N_ELEMENTS (resources); i++)
    if (!hc_fhir_validate (resources[i], &error))
      g_error ("%s", error->message);

  /* the draft: preliminary, no attester; an empty section is left out */
  g_assert_cmpstr (json_object_get_string_member (draft, "status"), ==, "preliminary");
  g_assert_false (hc_note_is_signed (draft));
  g_assert_null (json_object_get_member (draft, "attester"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (draft, "section")), ==, 3);
  g_assert_null (hc_note_get_section_text (draft, "Objective"));

  /* the text reads back as typed, markup escaped on the way */
  text = hc_note_get_section_text (draft, "Subjective");
  g_assert_cmpstr (text, ==, "Cough for 3 days.\nNo fever.");
  g_clear_pointer (&text, g_free);
  text = hc_note_get_section_text (draft, "Assessment");
  g_assert_cmpstr (text, ==, "Temp <38 & lungs \"clear\".");
  g_clear_pointer (&text, g_free);
  text = hc_note_get_section_text (draft, "Plan");
  g_assert_cmpstr (text, ==, "Rest.\n\nReturn in 1 week.");
  g_clear_pointer (&text, g_free);
  text = hc_json_object_to_string (draft, FALSE);
  g_assert_nonnull (strstr (text, "Temp &lt;38 &amp; lungs"));
  g_assert_nonnull (strstr (text, "\"61150-9\""));
  g_clear_pointer (&text, g_free);

  /* signed: final, a legal attester with time and party */
  g_assert_true (hc_note_is_signed (final));
  attesters = json_object_get_array_member (final, "attester");
  g_assert_cmpuint (json_array_get_length (attesters), ==, 1);
  attester = json_array_get_object_element (attesters, 0);
  g_assert_cmpstr (json_object_get_string_member (attester, "mode"), ==, "legal");
  g_assert_cmpstr (json_object_get_string_member (attester, "time"), ==, "2026-11-27T10:20:00+01:00");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (attester, "party"),
                                                  "display"), ==, "Dr. Lee");

  /* the addendum appends to the signed note */
  relates = json_array_get_object_element (json_object_get_array_member (addendum, "relatesTo"), 0);
  g_assert_cmpstr (json_object_get_string_member (relates, "code"), ==, "appends");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (relates,
                                                  "targetReference"), "reference"), ==,
                   "Composition/n1");
  g_assert_true (hc_note_is_signed (addendum));
  text = hc_note_get_section_text (addendum, "Addendum");
  g_assert_cmpstr (text, ==, "Culture negative.");
  g_clear_pointer (&text, g_free);

  /* the encounter ranks its diagnoses; the diagnosis is an encounter-diagnosis */
  text = hc_json_object_to_string (encounter, FALSE);
  g_assert_nonnull (strstr (text, "\"diagnosis\":[{\"condition\":{\"reference\":\"Condition/c1\"},"
                                  "\"rank\":1},{\"condition\":{\"reference\":\"Condition/c2\"},"
                                  "\"rank\":2}]"));
  g_clear_pointer (&text, g_free);
  text = hc_json_object_to_string (condition, FALSE);
  g_assert_nonnull (strstr (text, "\"encounter-diagnosis\""));
  g_assert_nonnull (strstr (text, "\"code\":\"J20.9\",\"display\":\"Acute bronchitis, unspecified\""));

  /* a demo-style note with lists reads as lines */
  {
    g_autoptr(JsonObject) demo = hc_test_object (
      "{\"resourceType\":\"Composition\",\"section\":[{\"title\":\"Plan\",\"text\":{\"status\":"
      "\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><ul><li>Rest."
      "</li><li>Return in 1 week.</li></ul></div>\"}}]}");
    g_autofree char *plan = hc_note_get_section_text (demo, "Plan");

    g_assert_cmpstr (plan, ==, "- Rest.\n- Return in 1 week.");
  }
}

static void
add_entry (JsonArray  *chart,
           JsonObject *resource)
{
  JsonObject *entry = json_object_new ();

  json_object_set_object_member (entry, "resource", resource);
  json_object_set_string_member (entry, "state", "local");
  json_array_add_object_element (chart, entry);
}

static void
test_visit_summary (void)
{
  g_autoptr(HcEncounterData) data = load_shipped ();
  g_autoptr(JsonObject) author = hc_user_reference ("drlee", "Dr. Lee");
  g_autoptr(JsonArray) chart = json_array_new ();
  g_autoptr(HcVisitSummary) latest = NULL;
  g_autoptr(HcVisitSummary) older = NULL;
  const char *sections[HC_N_SOAP] = { "Cough.", NULL, NULL, "Rest.\nFluids." };
  const char *ids[] = { "c2", "c1", NULL };
  HcVitalValue bp, pulse;
  HcVisitNote *addendum;

  g_assert_true (hc_vital_parse (HC_VITAL_BLOOD_PRESSURE, "128/84", &bp, NULL));
  g_assert_true (hc_vital_parse (HC_VITAL_PULSE, "70", &pulse, NULL));
  /* newest first, as hc_store_list_chart returns it */
  add_entry (chart, hc_addendum_build ("n2", "p1", "e2", "n1", "2026-11-28T09:00:00+01:00", author,
                                       "Culture negative.", "2026-11-28T09:00:00+01:00"));
  add_entry (chart, hc_encounter_build ("e2", "finished", "p1", author, "2026-11-27T10:00:00+01:00",
                                        "2026-11-27T10:20:00+01:00", ids));
  add_entry (chart, hc_note_build ("n1", "p1", "e2", "2026-11-27T10:20:00+01:00", author, sections,
                                   "2026-11-27T10:20:00+01:00"));
  add_entry (chart, hc_vital_to_observation (&pulse, "o2", "final", "p1", "e2",
                                             "2026-11-27T10:00:00+01:00", NULL));
  add_entry (chart, hc_vital_to_observation (&bp, "o1", "final", "p1", "e2",
                                             "2026-11-27T10:00:00+01:00", NULL));
  add_entry (chart, hc_diagnosis_build ("c1", "p1", "e2", hc_encounter_data_lookup_icd10 (data, "I10"),
                                        NULL, NULL));
  add_entry (chart, hc_diagnosis_build ("c2", "p1", "e2", hc_encounter_data_lookup_icd10 (data, "J20.9"),
                                        NULL, NULL));
  add_entry (chart, hc_encounter_build ("e1", "finished", "p1", NULL, "2025-01-02T10:00:00+01:00",
                                        NULL, NULL));

  latest = hc_visit_summary_new (chart, NULL);
  g_assert_nonnull (latest);
  g_assert_cmpstr (latest->encounter_id, ==, "e2");
  g_assert_cmpstr (latest->start, ==, "2026-11-27T10:00:00+01:00");
  /* vitals in a fixed order, diagnoses in rank order */
  g_assert_cmpuint (latest->vitals->len, ==, 2);
  g_assert_cmpint (g_array_index (latest->vitals, HcVitalValue, 0).kind, ==, HC_VITAL_BLOOD_PRESSURE);
  g_assert_cmpint (g_array_index (latest->vitals, HcVitalValue, 1).kind, ==, HC_VITAL_PULSE);
  g_assert_cmpuint (latest->diagnosis_codes->len, ==, 2);
  g_assert_cmpstr (latest->diagnosis_codes->pdata[0], ==, "J20.9");
  g_assert_cmpstr (latest->diagnosis_displays->pdata[1], ==, "Essential (primary) hypertension");
  g_assert_cmpstr (latest->plan.text, ==, "Rest.\nFluids.");
  g_assert_cmpstr (latest->plan.signer, ==, "Dr. Lee");
  g_assert_cmpstr (latest->plan.signed_at, ==, "2026-11-27T10:20:00+01:00");
  g_assert_cmpuint (latest->addenda->len, ==, 1);
  addendum = latest->addenda->pdata[0];
  g_assert_cmpstr (addendum->text, ==, "Culture negative.");
  g_assert_cmpstr (addendum->signer, ==, "Dr. Lee");

  /* an older encounter by id: nothing of the newer one */
  older = hc_visit_summary_new (chart, "e1");
  g_assert_nonnull (older);
  g_assert_cmpuint (older->vitals->len, ==, 0);
  g_assert_cmpuint (older->diagnosis_codes->len, ==, 0);
  g_assert_null (older->plan.text);
  g_assert_null (older->plan.signer);
  g_assert_cmpuint (older->addenda->len, ==, 0);
  g_assert_null (hc_visit_summary_new (chart, "nope"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/encounter-data/catalog/shipped", test_catalog_shipped);
  g_test_add_func ("/hc/data/encounter-data/catalog/bad-files", test_bad_files);
  g_test_add_func ("/hc/data/encounter-data/search/ranked", test_search_ranked);
  g_test_add_func ("/hc/data/encounter-data/snippets", test_snippets);
  g_test_add_func ("/hc/data/encounter-data/vitals/parse", test_vitals_parse);
  g_test_add_func ("/hc/data/encounter-data/vitals/observation", test_vitals_observation);
  g_test_add_func ("/hc/data/encounter-data/resources", test_resources);
  g_test_add_func ("/hc/data/encounter-data/visit-summary", test_visit_summary);

  return g_test_run ();
}
