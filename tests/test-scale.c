/* test-scale.c: the sizes the issue names, in the slow suite (meson test --suite slow)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "hc-test-utils.h"

/* Runs the CLI, returns its exit status and its peak RSS in MiB. */
static int
run_measured (const char * const *argv,
              double             *peak_mib)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  GPid pid;
  int status;
  struct rusage usage;

  g_ptr_array_add (args, (gpointer) g_getenv ("HOUSECALL_CLI"));
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  g_assert_true (g_spawn_async (NULL, (char **) args->pdata, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wait4 (pid, &status, 0, &usage), ==, pid);
  *peak_mib = usage.ru_maxrss / 1024.0;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* demo-data must handle 100,000 patients, in constant memory */
static void
test_demo_100k (void)
{
  double peak = 0;
  int rc = run_measured ((const char * const []) { "demo-data", "--patients", "100000", "--seed",
                                                   "5", "--out", "/dev/null", NULL }, &peak);

  g_assert_cmpint (rc, ==, 0);
  g_test_message ("demo-data --patients 100000: peak RSS %.0f MiB", peak);
  g_assert_cmpfloat (peak, <, 200);
}

/* a 200 MB NDJSON file imports, streamed */
static void
test_import_200mb (void)
{
  g_autofree char *dir = hc_test_tmpdir ("scale");
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *file = g_build_filename (dir, "panel.ndjson", NULL);
  double peak = 0;
  guint patients = 5000;
  goffset size = 0;
  int rc;

  /* demo panels until the file is over 200 MB */
  while (size < 200 * 1024 * 1024)
    {
      g_autofree char *n = g_strdup_printf ("%u", patients);
      g_autoptr(GFile) f = g_file_new_for_path (file);
      g_autoptr(GFileInfo) info = NULL;

      rc = run_measured ((const char * const []) { "demo-data", "--patients", n, "--seed", "9",
                                                   "--out", file, NULL }, &peak);
      g_assert_cmpint (rc, ==, 0);
      info = g_file_query_info (f, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);
      size = g_file_info_get_size (info);
      patients = (guint) (patients * 1.3 * (200.0 * 1024 * 1024) / MAX (size, 1)) + 1;
    }
  rc = run_measured ((const char * const []) { "--store", store, "init", NULL }, &peak);
  g_assert_cmpint (rc, ==, 0);
  rc = run_measured ((const char * const []) { "--store", store, "import", file, NULL }, &peak);
  g_assert_cmpint (rc, ==, 0);
  g_test_message ("imported %" G_GOFFSET_FORMAT " MB of NDJSON: peak RSS %.0f MiB",
                  size / (1024 * 1024), peak);
  g_assert_cmpfloat (peak, <, 400);
  rc = run_measured ((const char * const []) { "--store", store, "verify", NULL }, &peak);
  g_assert_cmpint (rc, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/scale/demo-100k-patients", test_demo_100k);
  g_test_add_func ("/hc/data/scale/import-200mb-ndjson", test_import_200mb);

  return g_test_run ();
}
