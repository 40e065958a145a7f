/* test-cli.c: housecall-cli as scripts and admins use it
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-test-utils.h"

static char *store;

#define CLI(...) (const char * const []) { __VA_ARGS__, NULL }

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Exit status 1 and exactly one line on stderr that contains @fragment. */
static void
assert_fails (const char * const *argv,
              const char         *stdin_text,
              int                 status,
              const char         *fragment)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = hc_test_run_cli (argv, stdin_text, &out, &err);

  g_assert_cmpint (rc, ==, status);
  if (strstr (err, fragment) == NULL)
    g_error ("expected '%s' in stderr: %s", fragment, err);
  if (status == 1)
    {
      g_assert_true (g_str_has_prefix (err, "housecall-cli: "));
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);   /* one line */
    }
}

static void
test_init (void)
{
  g_autofree char *out = NULL, *err = NULL;

  if (hc_test_run_cli (CLI ("--store", store, "init"), NULL, &out, &err) != 0)
    g_error ("init %s: %s", store, err);
  g_assert_nonnull (strstr (out, "Created a new store"));
  assert_fails (CLI ("--store", store, "init"), NULL, 1, "already exists");
}

static void
test_usage (void)
{
  assert_fails (CLI ("--store", store), NULL, 2, "which command");
  assert_fails (CLI ("--store", store, "frobnicate"), NULL, 2, "unknown command 'frobnicate'");
  assert_fails (CLI ("--store", store, "get", "Patient"), NULL, 2, "TYPE/ID");
  assert_fails (CLI ("--store", store, "--bogus", "status"), NULL, 2, "bogus");
  assert_fails (CLI ("--store", store, "demo-data"), NULL, 2, "--patients");
}

static void
test_put_get_search (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) stored = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonNode) got = NULL;
  JsonObject *row;
  const char *id;

  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "--json", "put", "-"),
                                    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Kowalczyk\","
                                    "\"given\":[\"Łucja\"]}],\"birthDate\":\"1990-05-17\"}",
                                    &out, &err), ==, 0);
  stored = parse (out);
  id = json_object_get_string_member (json_node_get_object (stored), "id");
  g_assert_nonnull (id);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "--json", "search", "kowal", "lucja"),
                                    NULL, &out, &err), ==, 0);
  found = parse (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
  row = json_array_get_object_element (json_node_get_array (found), 0);
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, "Kowalczyk, Łucja");
  g_assert_cmpstr (json_object_get_string_member (row, "birthDate"), ==, "1990-05-17");

  {
    g_autofree char *ref = g_strconcat ("Patient/", id, NULL);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "get", ref), NULL, &out, &err), ==, 0);
    got = parse (out);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (got), "birthDate"), ==,
                     "1990-05-17");
  }

  assert_fails (CLI ("--store", store, "get", "Patient/missing"), NULL, 1, "not found");

  /* with --json a failure is also an OperationOutcome naming the bad element */
  {
    g_autoptr(JsonNode) outcome = NULL;
    JsonObject *issue;

    g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "--json", "put", "-"),
                                      "{\"resourceType\":\"Patient\",\"birthDate\":\"1970-13-01\"}",
                                      &out, &err), ==, 1);
    outcome = parse (out);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (outcome), "resourceType"),
                     ==, "OperationOutcome");
    issue = json_array_get_object_element (json_object_get_array_member (json_node_get_object (outcome),
                                                                         "issue"), 0);
    g_assert_cmpstr (json_object_get_string_member (issue, "code"), ==, "invalid");
    g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (issue, "expression"), 0),
                     ==, "Patient.birthDate");
  }
  assert_fails (CLI ("--store", store, "put", "-"), "{\"resourceType\":\"Patient\",", 1,
                "malformed JSON");
  assert_fails (CLI ("--store", store, "put", "-"), "{\"resourceType\":\"Bundle\",\"type\":\"batch\"}",
                1, "use 'import'");
}

static void
test_import_export_status (void)
{
  g_autofree char *dir = hc_test_tmpdir ("cli-files");
  g_autofree char *a = g_build_filename (dir, "a.ndjson", NULL);
  g_autofree char *b = g_build_filename (dir, "b.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) results = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) bundle = NULL;
  JsonObject *s;

  g_assert_true (g_file_set_contents (a,
    "{\"resourceType\":\"Patient\",\"id\":\"cli-1\",\"name\":[{\"family\":\"Abara\"}]}\n"
    "{\"resourceType\":\"Observation\",\"id\":\"cli-o1\",\"status\":\"final\","
    "\"code\":{\"text\":\"Weight\"},\"subject\":{\"reference\":\"Patient/cli-1\"}}\n", -1, NULL));
  g_assert_true (g_file_set_contents (b,
    "{\"resourceType\":\"Patient\",\"id\":\"cli-2\",\"name\":[{\"family\":\"Bello\"}]}", -1, NULL));

  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "--json", "import", a, b), NULL, &out,
                                    &err), ==, 0);
  results = parse (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (results)), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                     json_node_get_array (results), 0), "created"), ==, 2);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "--json", "status"), NULL, &out, &err),
                   ==, 0);
  status = parse (out);
  s = json_node_get_object (status);
  g_assert_true (json_object_has_member (s, "pending"));
  g_assert_true (json_object_has_member (s, "conflicts"));
  g_assert_true (json_object_has_member (s, "last_sync"));
  g_assert_true (json_node_is_null (json_object_get_member (s, "last_sync")));
  g_assert_cmpint (json_object_get_int_member (s, "conflicts"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (s, "pending"), >=, 3);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "export", "--patient", "cli-1"), NULL,
                                    &out, &err), ==, 0);
  bundle = parse (out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (bundle), "resourceType"), ==,
                   "Bundle");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (bundle), "entry")), ==, 2);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "delete", "Observation/cli-o1"), NULL,
                                    &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", store, "verify"), NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "ok"));

  assert_fails (CLI ("--store", store, "import", "/nonexistent/file.json"), NULL, 1, "file.json");
}

static void
test_demo_data (void)
{
  g_autofree char *out = NULL, *again = NULL, *err = NULL;
  g_autofree char *dir = hc_test_tmpdir ("cli-demo");
  g_autofree char *demo_store = g_build_filename (dir, "store", NULL);
  g_autofree char *file = g_build_filename (dir, "panel.ndjson", NULL);
  g_autoptr(JsonNode) stats = NULL;
  guint lines = 0;

  /* NDJSON on stdout, the same twice for the same seed and date */
  g_assert_cmpint (hc_test_run_cli (CLI ("demo-data", "--patients", "3", "--seed", "11", "--date",
                                         "2026-11-27", "--out", "-"), NULL, &out, &err), ==, 0);
  g_assert_cmpint (hc_test_run_cli (CLI ("demo-data", "--patients", "3", "--seed", "11", "--date",
                                         "2026-11-27", "--out", "-"), NULL, &again, &err), ==, 0);
  g_assert_cmpstr (out, ==, again);
  for (const char *p = out; *p; p++)
    lines += *p == '\n';
  g_assert_cmpuint (lines, >, 3 * 10);

  /* into a file, and into a store, the same resources */
  g_assert_cmpint (hc_test_run_cli (CLI ("demo-data", "--patients", "3", "--seed", "11", "--date",
                                         "2026-11-27", "--out", file), NULL, NULL, &err), ==, 0);
  g_clear_pointer (&again, g_free);
  g_assert_true (g_file_get_contents (file, &again, NULL, NULL));
  g_assert_cmpstr (out, ==, again);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", demo_store, "init"), NULL, NULL, &err), ==, 0);
  g_assert_cmpint (hc_test_run_cli (CLI ("--store", demo_store, "--json", "demo-data", "--patients",
                                         "3", "--seed", "11", "--date", "2026-11-27"), NULL, &out,
                                    &err), ==, 0);
  stats = parse (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (stats), "created"), ==, lines);

  assert_fails (CLI ("demo-data", "--patients", "3", "--date", "27.11.2026", "--out", "-"), NULL, 2,
                "YYYY-MM-DD");
}

static void
test_not_our_directory (void)
{
  g_autofree char *dir = hc_test_tmpdir ("documents");
  g_autofree char *file = g_build_filename (dir, "letter.txt", NULL);

  g_assert_true (g_file_set_contents (file, "Dear colleague", -1, NULL));
  assert_fails (CLI ("--store", dir, "status"), NULL, 1, "not a Housecall store");
  assert_fails (CLI ("--store", dir, "init"), NULL, 1, "not a Housecall store");
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
}

static void
test_store_from_environment (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) status = NULL;

  g_subprocess_launcher_setenv (launcher, "HOUSECALL_STORE", store, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HOUSECALL_CLI"), "status",
                                      "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  status = parse (out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (status), "store"), ==, store);
}

/* A real full disk: a 2 MB tmpfs in a private mount namespace. */
static void
test_disk_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("diskfull");
  g_autofree char *mnt = g_build_filename (dir, "mnt", NULL);
  g_autofree char *big = g_build_filename (dir, "big.ndjson", NULL);
  g_autofree char *small = g_build_filename (dir, "small.json", NULL);
  g_autofree char *script = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *unshare = g_find_program_in_path ("unshare");

  if (unshare == NULL)
    {
      g_test_skip ("unshare(1) is not installed");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (mnt, 0700), ==, 0);
  for (guint i = 0; i < 6000; i++)
    g_string_append_printf (text, "{\"resourceType\":\"Patient\",\"id\":\"big-%u\",\"name\":[{"
                                  "\"family\":\"Family%u\",\"given\":[\"A fairly long given name "
                                  "to take room %u\"]}],\"birthDate\":\"1950-01-01\"}\n", i, i, i);
  g_assert_true (g_file_set_contents (big, text->str, text->len, NULL));
  g_assert_true (g_file_set_contents (small, "{\"resourceType\":\"Patient\",\"id\":\"small\"}", -1,
                                      NULL));

  script = g_strdup_printf (
    "set -u\n"
    "mount -t tmpfs -o size=2m tmpfs '%s' || exit 77\n"
    "S='%s/store'\n"
    "\"$HOUSECALL_CLI\" --store \"$S\" init >/dev/null || exit 3\n"
    "\"$HOUSECALL_CLI\" --store \"$S\" import '%s' >/dev/null 2>/tmp/.hc-err.$$; echo \"import=$?\"\n"
    "echo \"stderr=$(cat /tmp/.hc-err.$$)\"; rm -f /tmp/.hc-err.$$\n"
    "\"$HOUSECALL_CLI\" --store \"$S\" --json status\n"
    "\"$HOUSECALL_CLI\" --store \"$S\" verify >/dev/null; echo \"verify=$?\"\n"
    "\"$HOUSECALL_CLI\" --store \"$S\" import '%s' >/dev/null; echo \"small=$?\"\n",
    mnt, mnt, big, small);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           unshare, "-rm", "sh", "-c", script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) == 77 || strstr (err, "unshare failed") != NULL)
    {
      g_test_skip ("cannot mount a tmpfs in a private namespace here");
      return;
    }
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "import=1"));
  g_assert_nonnull (strstr (out, "stderr=housecall-cli: big.ndjson"));
  g_assert_nonnull (strstr (out, "the disk is full (nothing of"));
  g_assert_nonnull (strstr (out, "\"patients\":0"));
  g_assert_nonnull (strstr (out, "\"pending\":0"));
  g_assert_nonnull (strstr (out, "verify=0"));
  g_assert_nonnull (strstr (out, "small=0"));
}

int
main (int   argc,
      char *argv[])
{
  char *tmp;
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* shared by the cases, which run in order; the isolated dirs are per case */
  tmp = g_dir_make_tmp ("hc-test-cli-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  store = g_build_filename (tmp, "store", NULL);
  g_test_add_func ("/hc/app/cli/init", test_init);
  g_test_add_func ("/hc/app/cli/usage", test_usage);
  g_test_add_func ("/hc/app/cli/put-get-search", test_put_get_search);
  g_test_add_func ("/hc/app/cli/import-export-status", test_import_export_status);
  g_test_add_func ("/hc/app/cli/demo-data", test_demo_data);
  g_test_add_func ("/hc/app/cli/not-our-directory", test_not_our_directory);
  g_test_add_func ("/hc/app/cli/store-from-environment", test_store_from_environment);
  g_test_add_func ("/hc/app/cli/disk-full", test_disk_full);
  rc = g_test_run ();
  {
    const char *rm[] = { "rm", "-rf", tmp, NULL };
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (store);
  g_free (tmp);
  return rc;
}
