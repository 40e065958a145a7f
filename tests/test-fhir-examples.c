/* test-fhir-examples.c: official FHIR R4 examples survive validation, import, export and the
 * official JSON schema
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hc-demo.h"
#include "hc-fhir.h"
#include "hc-store.h"
#include "hc-test-utils.h"

static JsonNode *
parse_file (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_copy (json_parser_get_root (parser));
}

static char *
node_module_dir (void)
{
  const char *root = g_getenv ("HOUSECALL_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "tests", "node", NULL);
}

/* Runs the official schema over @path; FALSE (with the test skipped) when node is not wanted. */
static gboolean
check_official_schema (const char *path)
{
  g_autofree char *dir = node_module_dir ();
  g_autofree char *script = g_build_filename (dir, "validate-fhir.js", NULL);
  g_autofree char *module = g_build_filename (dir, "node_modules", "@asymmetrik",
                                              "fhir-json-schema-validator", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "node", script, path, NULL };
  int status;

  if (!g_file_test (module, G_FILE_TEST_IS_DIR))
    {
      if (g_strcmp0 (g_getenv ("HOUSECALL_SKIP_NODE"), "1") == 0)
        {
          g_test_skip ("HOUSECALL_SKIP_NODE=1: official schema check skipped");
          return FALSE;
        }
      g_test_fail_printf ("the official FHIR schema validator is not installed: "
                          "run `npm ci --prefix tests/node` (or set HOUSECALL_SKIP_NODE=1)");
      return FALSE;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_test_fail_printf ("official schema rejects %s:\n%s%s", path, out, err);
  return TRUE;
}

static void
test_example (gconstpointer data)
{
  const char *path = data;
  g_autoptr(JsonNode) original = parse_file (path);
  JsonObject *resource = json_node_get_object (original);
  const char *type = json_object_get_string_member (resource, "resourceType");
  const char *id = json_object_get_string_member (resource, "id");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *tmpdir = NULL;
  g_autofree char *bundle_path = NULL;
  HcImportStats stats = { 0 };
  JsonObject *bundle;
  JsonArray *entries;
  JsonNode *found = NULL;

  /* our validator accepts it */
  hc_fhir_validate (resource, &error);
  g_assert_no_error (error);

  /* nothing is lost through import and export */
  store = hc_test_new_store (&dir);
  hc_store_import_file_sync (store, path, &stats, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, 1);

  out = g_memory_output_stream_new_resizable ();
  hc_store_export_sync (store, NULL, out, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser,
                              g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                              g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                              &error);
  g_assert_no_error (error);
  bundle = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (bundle, "resourceType"), ==, "Bundle");
  entries = json_object_get_array_member (bundle, "entry");
  g_assert_nonnull (entries);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      JsonNode *r = json_object_get_member (entry, "resource");
      JsonObject *o = json_node_get_object (r);

      if (g_strcmp0 (json_object_get_string_member (o, "resourceType"), type) == 0 &&
          g_strcmp0 (json_object_get_string_member (o, "id"), id) == 0)
        found = r;
    }
  g_assert_nonnull (found);
  if (!json_node_equal (found, original))
    {
      g_autofree char *a = json_to_string (original, TRUE);
      g_autofree char *b = json_to_string (found, TRUE);
      g_test_message ("original:\n%s\nexported:\n%s", a, b);
      g_test_fail_printf ("%s/%s changed through import and export", type, id);
      return;
    }

  /* the exported Bundle passes the official schema */
  tmpdir = hc_test_tmpdir ("export");
  bundle_path = g_build_filename (tmpdir, "bundle.json", NULL);
  g_file_set_contents (bundle_path,
                       g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                       g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                       &error);
  g_assert_no_error (error);
  check_official_schema (bundle_path);
}

static gboolean
demo_producer (gboolean    (*sink) (JsonObject *, gpointer, GError **),
               gpointer      sink_data,
               gpointer      user_data,
               GCancellable *cancellable,
               GError      **error)
{
  return hc_demo_generate (15, 77, "2026-11-27", sink, sink_data, cancellable, error);
}

/* Everything Housecall writes, of every type it stores, passes the official schema: a demo
 * panel plus the types the panel has none of. */
static void
test_demo_panel_export (void)
{
  static const char extra[] =
    "{\"resourceType\":\"Communication\",\"id\":\"comm-1\",\"status\":\"completed\","
    "\"subject\":{\"reference\":\"Patient/p-extra\"},\"sent\":\"2026-11-20T10:00:00Z\","
    "\"payload\":[{\"contentString\":\"Lab results are normal.\"}]}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"p-extra\",\"name\":[{\"family\":\"Extra\"}]}\n"
    "{\"resourceType\":\"Task\",\"id\":\"task-1\",\"status\":\"requested\",\"intent\":\"order\","
    "\"for\":{\"reference\":\"Patient/p-extra\"},\"description\":\"Call back with results\"}\n"
    "{\"resourceType\":\"Provenance\",\"id\":\"prov-1\",\"target\":[{\"reference\":"
    "\"Communication/comm-1\"}],\"recorded\":\"2026-11-20T10:00:00.000Z\",\"agent\":[{\"who\":"
    "{\"display\":\"Dr Example\"}}]}\n"
    "{\"resourceType\":\"AuditEvent\",\"id\":\"audit-1\",\"type\":{\"system\":"
    "\"http://dicom.nema.org/resources/ontology/DCM\",\"code\":\"110110\"},\"recorded\":"
    "\"2026-11-20T10:00:00.000Z\",\"agent\":[{\"requestor\":true,\"who\":{\"display\":\"Dr Example\"}}],"
    "\"source\":{\"observer\":{\"display\":\"Housecall\"}}}\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *tmpdir = hc_test_tmpdir ("panel");
  g_autofree char *path = g_build_filename (tmpdir, "panel-bundle.json", NULL);
  HcStore *store = hc_test_new_store (&dir);
  JsonArray *entries;

  g_assert_true (hc_store_import_producer_sync (store, demo_producer, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hc_store_import_data_sync (store, extra, -1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hc_store_export_sync (store, NULL, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  g_assert_true (g_file_set_contents (path,
                                      g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                                      g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                                      &error));

  /* all seventeen types are in it */
  root = parse_file (path);
  entries = json_object_get_array_member (json_node_get_object (root), "entry");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *r = json_object_get_object_member (json_array_get_object_element (entries, i),
                                                     "resource");
      g_hash_table_add (types, g_strdup (json_object_get_string_member (r, "resourceType")));
    }
  for (const char * const *t = hc_fhir_resource_types (); *t; t++)
    if (!g_hash_table_contains (types, *t))
      g_test_fail_printf ("the export has no %s", *t);

  check_official_schema (path);
  g_assert_finalize_object (store);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *examples = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  examples = g_test_build_filename (G_TEST_DIST, "fhir-examples", NULL);
  dir = g_dir_open (examples, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test = g_strdup_printf ("/hc/data/fhir-examples/%s",
                                               (char *) names->pdata[i]);
      char *path = g_build_filename (examples, names->pdata[i], NULL);

      g_test_add_data_func_full (test, path, test_example, g_free);
    }

  g_test_add_func ("/hc/data/fhir-examples/demo-panel-export", test_demo_panel_export);

  ret = g_test_run ();
  return ret;
}
