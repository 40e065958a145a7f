/* test-import.c: FHIR import (resources, Bundles, NDJSON), export, and bad input
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hc-test-utils.h"

typedef HcTestStore Fixture;

#define PATIENT(id, family) \
  "{\"resourceType\":\"Patient\",\"id\":\"" id "\",\"name\":[{\"family\":\"" family "\"}]}"
#define OBS(id, subject) \
  "{\"resourceType\":\"Observation\",\"id\":\"" id "\",\"status\":\"final\"," \
  "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]}," \
  "\"subject\":{\"reference\":\"" subject "\"},\"valueQuantity\":{\"value\":72.5," \
  "\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}"

static void
import_ok (Fixture       *f,
           const char    *text,
           HcImportStats *stats)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hc_store_import_data_sync (f->store, text, -1, stats, NULL, &error));
  g_assert_no_error (error);
}

/* Imports @text expecting failure with @code and a message containing @fragment; proves the
 * store is exactly as before. */
static void
import_fails (Fixture    *f,
              const char *text,
              int         code,
              const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = hc_test_store_digest (f->dir);
  g_autofree char *after = NULL;
  HcImportStats stats = { 1, 1, 1, 1 };

  g_assert_false (hc_store_import_data_sync (f->store, text, -1, &stats, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected '%s' in: %s", fragment, error->message);
  g_assert_null (strchr (error->message, '\n'));   /* one line */
  g_assert_cmpuint (stats.created + stats.updated + stats.deleted + stats.unchanged, ==, 0);
  after = hc_test_store_digest (f->dir);
  g_assert_cmpstr (before, ==, after);
}

static JsonObject *
get (Fixture    *f,
     const char *type,
     const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *o = hc_store_get_sync (f->store, type, id, NULL, &error);

  g_assert_no_error (error);
  return o;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_single_resource (Fixture       *f,
                      gconstpointer  data)
{
  HcImportStats stats = { 0 };

  import_ok (f, PATIENT ("a1", "Adeyemi"), &stats);
  g_assert_cmpuint (stats.created, ==, 1);
  import_ok (f, PATIENT ("a1", "Adeyemi"), &stats);
  g_assert_cmpuint (stats.unchanged, ==, 1);
  import_ok (f, PATIENT ("a1", "Adeyemi-Cole"), &stats);
  g_assert_cmpuint (stats.updated, ==, 1);
}

static void
test_ndjson_one_changeset (Fixture       *f,
                           gconstpointer  data)
{
  HcImportStats stats = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) outbox = NULL;

  import_ok (f, PATIENT ("n1", "One") "\n" PATIENT ("n2", "Two") "\n\n" OBS ("o1", "Patient/n1")
                "\n" OBS ("o2", "Patient/n2"),   /* no final newline */
             &stats);
  g_assert_cmpuint (stats.created, ==, 4);

  /* one local transaction, one changeset, in order */
  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (outbox), ==, 1);
  {
    JsonArray *entries = json_object_get_array_member (json_array_get_object_element (outbox, 0),
                                                       "entries");
    g_assert_cmpuint (json_array_get_length (entries), ==, 4);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 2), "id"),
                     ==, "o1");
  }
}

static void
test_transaction_bundle (Fixture       *f,
                         gconstpointer  data)
{
  HcImportStats stats = { 0 };
  g_autoptr(JsonObject) obs = NULL;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *ref;

  import_ok (f, PATIENT ("gone", "Old"), NULL);
  import_ok (f,
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    " {\"fullUrl\":\"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a\","
    "  \"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Tanaka\"}]},"
    "  \"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
    " {\"fullUrl\":\"urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059\","
    "  \"resource\":" OBS ("t-obs", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a") ","
    "  \"request\":{\"method\":\"PUT\",\"url\":\"Observation/t-obs\"}},"
    " {\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/gone\"}},"
    " {\"request\":{\"method\":\"GET\",\"url\":\"Patient?name=x\"}}"
    "]}", &stats);
  g_assert_cmpuint (stats.created, ==, 2);
  g_assert_cmpuint (stats.deleted, ==, 1);

  /* the internal reference now names the new patient */
  obs = get (f, "Observation", "t-obs");
  ref = json_object_get_string_member (json_object_get_object_member (obs, "subject"), "reference");
  g_assert_true (g_str_has_prefix (ref, "Patient/"));
  found = hc_store_search_patients_sync (f->store, "tanaka", 10, NULL, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM resource r JOIN resource p "
                                          "ON r.patient = 'Patient/' || p.id WHERE r.id = 't-obs' "
                                          "AND p.type = 'Patient'"), ==, 1);
}

static void
test_other_bundle_types (Fixture       *f,
                         gconstpointer  data)
{
  HcImportStats stats = { 0 };

  import_ok (f, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                "{\"fullUrl\":\"urn:uuid:3f2a7c1e-0000-4000-8000-000000000001\",\"resource\":" PATIENT ("c1", "Col") "},"
                "{\"resource\":" OBS ("c-obs", "urn:uuid:3f2a7c1e-0000-4000-8000-000000000001") "}]}", &stats);
  g_assert_cmpuint (stats.created, ==, 2);

  import_ok (f, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                "{\"resource\":" PATIENT ("b1", "Bat") ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b1\"}}]}",
             &stats);
  g_assert_cmpuint (stats.created, ==, 1);

  /* a searchset's outcome entries are skipped */
  import_ok (f, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,\"entry\":["
                "{\"resource\":" PATIENT ("s1", "Sea") ",\"search\":{\"mode\":\"match\"}},"
                "{\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[]},\"search\":{\"mode\":\"outcome\"}}]}",
             &stats);
  g_assert_cmpuint (stats.created, ==, 1);
}

static void
test_bad_json (Fixture       *f,
               gconstpointer  data)
{
  import_fails (f, "{\"resourceType\":\"Patient\",", HC_STORE_ERROR_INVALID, "malformed JSON");
  import_fails (f, "[1,2,3]", HC_STORE_ERROR_INVALID, "expected a JSON object");
  import_fails (f, "", HC_STORE_ERROR_INVALID, "empty");
  import_fails (f, "\xff\xfe{}", HC_STORE_ERROR_INVALID, "UTF-8");
}

static void
test_bad_resources (Fixture       *f,
                    gconstpointer  data)
{
  import_fails (f, "{\"resourceType\":\"Starship\",\"id\":\"x\"}", HC_STORE_ERROR_INVALID,
                "Starship");
  import_fails (f, "{\"resourceType\":\"Patient\",\"id\":\"bad id!\"}", HC_STORE_ERROR_INVALID,
                "Patient.id");
  import_fails (f, "{\"resourceType\":\"Patient\",\"id\":\"../../x\"}", HC_STORE_ERROR_INVALID,
                "Patient.id");
  /* wrong element types */
  import_fails (f, "{\"resourceType\":\"Patient\",\"id\":\"x\",\"birthDate\":19700315}",
                HC_STORE_ERROR_INVALID, "Patient.birthDate");
  import_fails (f, "{\"resourceType\":\"Patient\",\"id\":\"x\",\"name\":\"Smith\"}",
                HC_STORE_ERROR_INVALID, "Patient.name");
  import_fails (f, "{\"resourceType\":\"Patient\",\"id\":\"x\",\"active\":\"yes\"}",
                HC_STORE_ERROR_INVALID, "Patient.active");
}

static void
test_bundle_atomic (Fixture       *f,
                    gconstpointer  data)
{
  /* the third entry is bad: nothing of the Bundle is stored */
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                   "{\"resource\":" PATIENT ("ok1", "Fine") ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/ok1\"}},"
                   "{\"resource\":" PATIENT ("ok2", "Fine") ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/ok2\"}},"
                   "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"x\",\"gender\":\"robot\"},"
                   "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/x\"}}]}",
                HC_STORE_ERROR_INVALID, "Bundle.entry[2]");
  /* dangling internal reference */
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                   "{\"fullUrl\":\"urn:uuid:aaaaaaaa-0000-4000-8000-000000000001\",\"resource\":" PATIENT ("p", "P") ","
                   "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p\"}},"
                   "{\"resource\":" OBS ("o", "urn:uuid:bbbbbbbb-0000-4000-8000-000000000002") ","
                   "\"request\":{\"method\":\"PUT\",\"url\":\"Observation/o\"}}]}",
                HC_STORE_ERROR_INVALID, "urn:uuid:bbbbbbbb-0000-4000-8000-000000000002 points to no entry");
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[]}",
                HC_STORE_ERROR_INVALID, "'message' Bundle");
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":{}}",
                HC_STORE_ERROR_INVALID, "Bundle.entry");
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                   "{\"resource\":" PATIENT ("p", "P") "}]}",
                HC_STORE_ERROR_INVALID, "Bundle.entry[0].request");
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                   "{\"resource\":" PATIENT ("p", "P") ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/q\"}}]}",
                HC_STORE_ERROR_INVALID, "does not match");
  import_fails (f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                   "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient?name=smith\"}}]}",
                HC_STORE_ERROR_INVALID, "conditional");
  /* a urn:uuid reference outside any Bundle */
  import_fails (f, OBS ("lonely", "urn:uuid:cccccccc-0000-4000-8000-000000000003"),
                HC_STORE_ERROR_INVALID, "points to no entry");
}

static void
test_truncated_ndjson (Fixture       *f,
                       gconstpointer  data)
{
  import_ok (f, PATIENT ("keep", "Keep"), NULL);
  import_fails (f, PATIENT ("n1", "One") "\n" PATIENT ("n2", "Two") "\n"
                   "{\"resourceType\":\"Patient\",\"id\":\"n3\",\"name\":[{\"fam\n"
                   PATIENT ("n4", "Four") "\n",
                HC_STORE_ERROR_INVALID, "input:3:");
  import_fails (f, PATIENT ("n1", "One") "\n" "{\"resourceType\":\"Patient\",\"id\":\"n2\"",
                HC_STORE_ERROR_INVALID, "input:2: malformed JSON");
}

static char *
write_temp (const char *name,
            const char *contents,
            gssize      len)
{
  g_autofree char *dir = hc_test_tmpdir ("files");
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  return path;
}

static void
test_files (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *ndjson = NULL;
  g_autofree char *missing = NULL;
  HcImportStats stats = { 0 };

  /* an NDJSON file larger than the read buffer, lines crossing buffer boundaries */
  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (big, "{\"resourceType\":\"Patient\",\"id\":\"f%u\",\"name\":[{\"family\":"
                                 "\"Family%u\",\"given\":[\"Given%u\"]}],\"birthDate\":\"1980-01-%02u\"}\n",
                            i, i, i, 1 + i % 28);
  ndjson = write_temp ("panel.ndjson", big->str, big->len);
  g_assert_true (hc_store_import_file_sync (f->store, ndjson, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, 3000);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM patient"), ==, 3000);

  /* a bad line deep in a large file: the error names it and nothing of the file is kept */
  {
    g_autoptr(GString) bad = g_string_new (NULL);
    g_autofree char *bad_path = NULL;
    g_autofree char *before = hc_test_store_digest (f->dir);
    g_autofree char *after = NULL;

    for (guint i = 0; i < 5000; i++)
      {
        if (i == 4321)
          g_string_append (bad, "{\"resourceType\":\"Patient\",\"id\":\"cut-off\",\"name\":[{\"fa\n");
        else
          g_string_append_printf (bad, "{\"resourceType\":\"Patient\",\"id\":\"g%u\"}\n", i);
      }
    bad_path = write_temp ("bad.ndjson", bad->str, bad->len);
    g_assert_false (hc_store_import_file_sync (f->store, bad_path, &stats, NULL, &error));
    g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
    g_assert_true (g_str_has_prefix (error->message, "bad.ndjson:4322: malformed JSON"));
    g_clear_error (&error);
    after = hc_test_store_digest (f->dir);
    g_assert_cmpstr (before, ==, after);

    /* and a line that parses but is not valid FHIR, late in the file */
    g_string_truncate (bad, 0);
    for (guint i = 0; i < 3000; i++)
      g_string_append_printf (bad, "{\"resourceType\":\"Patient\",\"id\":\"h%u\",\"gender\":\"%s\"}\n",
                              i, i == 2999 ? "robot" : "female");
    g_assert_true (g_file_set_contents (bad_path, bad->str, bad->len, NULL));
    g_assert_false (hc_store_import_file_sync (f->store, bad_path, &stats, NULL, &error));
    g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
    g_assert_true (g_str_has_prefix (error->message, "bad.ndjson:3000: Patient.gender"));
    g_clear_error (&error);
    g_free (after);
    after = hc_test_store_digest (f->dir);
    g_assert_cmpstr (before, ==, after);
  }

  missing = g_build_filename (g_get_user_data_dir (), "no-such-file.json", NULL);
  g_assert_false (hc_store_import_file_sync (f->store, missing, &stats, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
}

static void
test_huge_document (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = hc_test_store_digest (f->dir);
  g_autofree char *after = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = hc_test_tmpdir ("huge");
  FILE *file;
  HcImportStats stats = { 0 };
  char chunk[4096];

  /* a 200 MB Bundle, pretty-printed over many lines, as one JSON document */
  path = g_build_filename (dir, "huge-bundle.json", NULL);
  file = fopen (path, "w");
  g_assert_nonnull (file);
  fputs ("{\n \"resourceType\": \"Bundle\",\n \"type\": \"collection\",\n \"entry\": [\n", file);
  memset (chunk, ' ', sizeof chunk);
  chunk[sizeof chunk - 1] = '\n';
  for (guint i = 0; i < 200 * 256; i++)
    fwrite (chunk, 1, sizeof chunk, file);
  fputs ("]}\n", file);
  fclose (file);

  g_assert_false (hc_store_import_file_sync (f->store, path, &stats, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "NDJSON"));
  g_assert_nonnull (strstr (error->message, "200 MB"));
  after = hc_test_store_digest (f->dir);
  g_assert_cmpstr (before, ==, after);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *entries;
  g_autofree char *text = NULL;
  gsize len;

  import_ok (f, PATIENT ("e1", "Export") "\n" PATIENT ("e2", "Other") "\n"
                OBS ("eo1", "Patient/e1") "\n" OBS ("eo2", "Patient/e2") "\n", NULL);

  g_assert_true (hc_store_export_sync (f->store, "e1", out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), len);
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "type"), ==,
                   "collection");
  entries = json_object_get_array_member (json_node_get_object (root), "entry");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  /* the Patient first, then its compartment; nothing of the other patient */
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_array_get_object_element (entries, 0),
                                                    "resource"), "id"), ==, "e1");
  g_assert_null (strstr (text, "eo2"));
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM audit WHERE action = 'export' "
                                          "AND entity = 'Patient/e1'"), ==, 1);

  {
    g_autoptr(GOutputStream) none = g_memory_output_stream_new_resizable ();
    g_assert_false (hc_store_export_sync (f->store, "nobody", none, NULL, &error));
    g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
  }
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *dir2 = NULL;
  g_autoptr(HcStore) second = NULL;
  g_autofree char *text = NULL;
  HcImportStats stats = { 0 };

  import_ok (f, PATIENT ("r1", "Round") "\n" OBS ("ro1", "Patient/r1") "\n", NULL);
  g_assert_true (hc_store_export_sync (f->store, NULL, out, NULL, &error));
  g_output_stream_close (out, NULL, NULL);
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));

  second = hc_test_new_store (&dir2);
  g_assert_true (hc_store_import_data_sync (second, text, -1, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, 2);
  {
    g_autoptr(JsonObject) a = get (f, "Observation", "ro1");
    g_autoptr(JsonObject) b = hc_store_get_sync (second, "Observation", "ro1", NULL, &error);
    g_autoptr(JsonNode) na = json_node_init_object (json_node_alloc (), a);
    g_autoptr(JsonNode) nb = json_node_init_object (json_node_alloc (), b);
    g_assert_true (json_node_equal (na, nb));
  }
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *before = hc_test_store_digest (f->dir);
  g_autofree char *after = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (hc_store_import_data_sync (f->store, PATIENT ("c", "C"), -1, NULL, cancellable,
                                             &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  after = hc_test_store_digest (f->dir);
  g_assert_cmpstr (before, ==, after);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, hc_test_store_setup, func, hc_test_store_teardown)
  ADD ("/hc/data/import/single-resource", test_single_resource);
  ADD ("/hc/data/import/ndjson-one-changeset", test_ndjson_one_changeset);
  ADD ("/hc/data/import/transaction-bundle", test_transaction_bundle);
  ADD ("/hc/data/import/other-bundle-types", test_other_bundle_types);
  ADD ("/hc/data/import/files", test_files);
  ADD ("/hc/data/import/bad/json", test_bad_json);
  ADD ("/hc/data/import/bad/resources", test_bad_resources);
  ADD ("/hc/data/import/bad/bundle-atomic", test_bundle_atomic);
  ADD ("/hc/data/import/bad/truncated-ndjson", test_truncated_ndjson);
  ADD ("/hc/data/import/bad/huge-document", test_huge_document);
  ADD ("/hc/data/import/bad/cancelled", test_cancel);
  ADD ("/hc/data/export/compartment", test_export);
  ADD ("/hc/data/export/round-trip", test_round_trip);
#undef ADD

  return g_test_run ();
}
