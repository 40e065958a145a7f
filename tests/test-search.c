/* test-search.c: patient search
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-patient.h"
#include "hc-test-utils.h"

typedef HcTestStore Fixture;

static const struct {
  const char *id, *family, *given, *birth, *mrn, *phone;
} panel[] = {
  { "p-mueller", "Müller", "Jürgen", "1970-03-15", "MRN-001234", "(555) 014-2231" },
  { "p-smith", "Smith", "John", "1984-11-02", "MRN-004711", "(555) 016-0000" },
  { "p-smithers", "Smithers", "Joanna", "1970-08-30", "MRN-020001", "(555) 017-1111" },
  { "p-johnson", "Johnson", "Smitty", "1955-01-20", "MRN-300300", "(555) 018-2222" },
  { "p-nguyen", "Nguyễn", "Thị Lan", "2001-03-09", "MRN-555555", "(555) 019-3333" },
  { "p-obrien", "O'Brien", "Zoë", "1999-12-31", "MRN-777777", "(555) 010-4444" },
  { "p-garcia", "García-López", "José", "1947-05-05", "MRN-123123", "(555) 011-5555" },
  { "p-sorensen", "Søndergaard", "Søren", "1962-06-01", "MRN-888888", "(555) 012-6666" },
};

static void
put_patient (HcStore    *store,
             guint       i)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{\"resourceType\":\"Patient\",\"id\":\"%s\","
    "\"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\","
    "\"code\":\"MR\"}]},\"system\":\"urn:housecall:mrn\",\"value\":\"%s\"}],"
    "\"name\":[{\"use\":\"official\",\"family\":\"%s\",\"given\":[\"%s\"]}],"
    "\"telecom\":[{\"system\":\"phone\",\"value\":\"%s\"}],"
    "\"gender\":\"unknown\",\"birthDate\":\"%s\"}",
    panel[i].id, panel[i].mrn, panel[i].family, panel[i].given, panel[i].phone, panel[i].birth);
  g_autoptr(JsonObject) in = hc_test_object (json);
  g_autoptr(JsonObject) out = hc_store_put_sync (store, in, NULL, &error);

  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  hc_test_store_setup (f, data);
  for (guint i = 0; i < G_N_ELEMENTS (panel); i++)
    put_patient (f->store, i);
}

/* The ids found for @query, in rank order, joined with spaces. */
static char *
search (Fixture    *f,
        const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) model = hc_store_search_patients_sync (f->store, query, 50, NULL, &error);
  g_autoptr(GString) ids = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_true (g_list_model_get_item_type (model) == HC_TYPE_PATIENT);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HcPatient) p = g_list_model_get_item (model, i);
      g_string_append_printf (ids, "%s%s", ids->len ? " " : "", hc_patient_get_id (p));
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

#define assert_search(f, query, expected) \
  G_STMT_START { \
    g_autofree char *_got = search (f, query); \
    g_assert_cmpstr (_got, ==, expected); \
  } G_STMT_END

/* Same set, any order. */
static void
assert_search_set (Fixture    *f,
                   const char *query,
                   const char *expected)
{
  g_autofree char *got = search (f, query);
  g_auto(GStrv) a = g_strsplit (got, " ", -1);
  g_auto(GStrv) b = g_strsplit (expected, " ", -1);

  g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
  for (guint i = 0; b[i]; i++)
    g_assert_true (g_strv_contains ((const char * const *) a, b[i]));
}

static void
test_accents_and_case (Fixture       *f,
                       gconstpointer  data)
{
  assert_search (f, "muller", "p-mueller");
  assert_search (f, "MÜLLER", "p-mueller");
  assert_search (f, "jurg", "p-mueller");
  assert_search (f, "nguyen", "p-nguyen");
  assert_search (f, "zoe", "p-obrien");
  assert_search (f, "jose garcia", "p-garcia");
  assert_search (f, "lopez", "p-garcia");
  /* letters FTS5 does not fold, found as typed and as spelled on a plain keyboard */
  assert_search (f, "søren", "p-sorensen");
  assert_search (f, "soren sonder", "p-sorensen");
}

static void
test_prefix_and_words (Fixture       *f,
                       gconstpointer  data)
{
  /* every word must match a prefix of some token */
  assert_search_set (f, "smi", "p-smith p-smithers p-johnson");
  assert_search_set (f, "smi jo", "p-smith p-smithers p-johnson");
  assert_search (f, "smith john", "p-smith");
  assert_search (f, "joan smi", "p-smithers");
  assert_search (f, "o'brien", "p-obrien");
  assert_search (f, "smith zzz", "");
}

static void
test_ranking (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *got = search (f, "smith");
  g_auto(GStrv) ids = g_strsplit (got, " ", -1);

  /* Smith and Smithers (Smitty is not a "smith" prefix); the shorter name, Smith, first */
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, "p-smith");
}

static void
test_birth_date (Fixture       *f,
                 gconstpointer  data)
{
  assert_search_set (f, "1970", "p-mueller p-smithers");
  assert_search (f, "1970-03", "p-mueller");
  assert_search (f, "1970-03-15", "p-mueller");
  assert_search (f, "1970-03-1", "p-mueller");
  assert_search_set (f, "1970-", "p-mueller p-smithers");
  assert_search_set (f, "1970-0", "p-mueller p-smithers");
  assert_search (f, "muller 1970-03", "p-mueller");
  assert_search (f, "03/15/1970", "p-mueller");
  assert_search (f, "1999-12-31", "p-obrien");
}

static void
test_identifier_and_phone (Fixture       *f,
                           gconstpointer  data)
{
  assert_search (f, "MRN-004711", "p-smith");
  assert_search (f, "004711", "p-smith");
  assert_search (f, "0047", "p-smith");
  assert_search (f, "555-014", "p-mueller");
  assert_search (f, "5550142231", "p-mueller");
  assert_search (f, "(555) 019", "p-nguyen");
}

static void
test_hostile_queries (Fixture       *f,
                      gconstpointer  data)
{
  static const char * const queries[] = {
    "\"", "*", "AND", "OR NOT", "NEAR(", "-", "name:smith", "^smith", "smith\"*", "'; DROP TABLE patient; --",
    "{}", "()", "\\", "%", "_", "a\tb", "   ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *got = search (f, queries[i]);
      (void) got;
    }
  /* still all there */
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM patient"), ==, G_N_ELEMENTS (panel));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GListModel) m = hc_store_search_patients_sync (f->store, "\xff\xfe", 10, NULL, &error);
    g_assert_null (m);
    g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  }
}

static void
test_empty_query_lists_by_name (Fixture       *f,
                                gconstpointer  data)
{
  assert_search (f, "", "p-garcia p-johnson p-mueller p-nguyen p-obrien p-smith p-smithers p-sorensen");
  assert_search (f, NULL, "p-garcia p-johnson p-mueller p-nguyen p-obrien p-smith p-smithers p-sorensen");
}

static void
test_limit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) m = hc_store_search_patients_sync (f->store, "", 2, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (m), ==, 2);
}

static void
test_follows_updates_and_deletes (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = hc_store_get_sync (f->store, "Patient", "p-smith", NULL, &error);
  g_autoptr(JsonObject) out = NULL;
  JsonObject *name;

  g_assert_no_error (error);
  name = json_array_get_object_element (json_object_get_array_member (p, "name"), 0);
  json_object_set_string_member (name, "family", "Schmidt");
  out = hc_store_put_sync (f->store, p, NULL, &error);
  g_assert_no_error (error);

  assert_search (f, "schmidt", "p-smith");
  assert_search (f, "smith john", "");

  g_assert_true (hc_store_delete_sync (f->store, "Patient", "p-smith", NULL, &error));
  g_assert_no_error (error);
  assert_search (f, "schmidt", "");
  assert_search (f, "004711", "");
}

static void
test_row_fields (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) m = hc_store_search_patients_sync (f->store, "muller", 10, NULL, &error);
  g_autoptr(HcPatient) p = g_list_model_get_item (m, 0);

  g_assert_cmpstr (hc_patient_get_family (p), ==, "Müller");
  g_assert_cmpstr (hc_patient_get_given (p), ==, "Jürgen");
  g_assert_cmpstr (hc_patient_get_display_name (p), ==, "Müller, Jürgen");
  g_assert_cmpstr (hc_patient_get_birth_date (p), ==, "1970-03-15");
  g_assert_cmpstr (hc_patient_get_mrn (p), ==, "MRN-001234");
  g_assert_cmpstr (hc_patient_get_phone (p), ==, "(555) 014-2231");
  g_assert_cmpstr (hc_patient_get_gender (p), ==, "unknown");
}

/* Past the ranking cap the list is by name, from the sort-key index, then other matches. */
static void
test_broad_queries (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  HcStore *store = hc_test_new_store (&dir);
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(GListModel) m = NULL;
  g_autofree char *prev = NULL;

  for (guint i = 0; i < 1500; i++)
    g_string_append_printf (many, "{\"resourceType\":\"Patient\",\"id\":\"b%u\",\"name\":[{"
                                   "\"family\":\"%s%04u\",\"given\":[\"%s\"]}],"
                                   "\"birthDate\":\"19%02u-01-01\"}\n",
                            i, i % 3 ? "Sanders" : "Quinn", 1500 - i, i % 2 ? "Sam" : "Jo", i % 100);
  g_assert_true (hc_store_import_data_sync (store, many->str, many->len, NULL, NULL, &error));
  g_assert_no_error (error);

  /* "s": 1,500 matches (Sanders and the given name Sam): the first 50 Sanders by name */
  m = hc_store_search_patients_sync (store, "s", 50, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (m), ==, 50);
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(HcPatient) p = g_list_model_get_item (m, i);
      const char *family = hc_patient_get_family (p);

      g_assert_true (g_str_has_prefix (family, "Sanders"));
      if (prev)
        g_assert_cmpstr (prev, <, family);
      g_free (prev);
      prev = g_strdup (family);
    }
  g_clear_object (&m);

  /* two words, the second filtering the name */
  m = hc_store_search_patients_sync (store, "s sam", 2000, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (m); i++)
    {
      g_autoptr(HcPatient) p = g_list_model_get_item (m, i);
      g_assert_cmpstr (hc_patient_get_given (p), ==, "Sam");
    }
  g_assert_cmpuint (g_list_model_get_n_items (m), ==, 750);
  g_clear_object (&m);

  /* broad, but not by family name: Quinn's given name Sam is found through the full-text
   * index after the name-ordered part runs out */
  m = hc_store_search_patients_sync (store, "sa", 2000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (m), ==, 1000 + 250);
  g_clear_object (&m);

  g_assert_finalize_object (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, hc_test_store_teardown)
  ADD ("/hc/data/search/accents-and-case", test_accents_and_case);
  ADD ("/hc/data/search/prefix-and-words", test_prefix_and_words);
  ADD ("/hc/data/search/ranking", test_ranking);
  ADD ("/hc/data/search/birth-date", test_birth_date);
  ADD ("/hc/data/search/identifier-and-phone", test_identifier_and_phone);
  ADD ("/hc/data/search/hostile-queries", test_hostile_queries);
  ADD ("/hc/data/search/empty-query", test_empty_query_lists_by_name);
  ADD ("/hc/data/search/limit", test_limit);
  ADD ("/hc/data/search/follows-writes", test_follows_updates_and_deletes);
  ADD ("/hc/data/search/row-fields", test_row_fields);
#undef ADD
  g_test_add_func ("/hc/data/search/broad-queries", test_broad_queries);

  return g_test_run ();
}
