/* test-crypt-crash.c: an encrypted store survives its writer being killed at any moment
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A writer process (this program with --writer) puts patients, imports small batches and
 * checkpoints the WAL in every mode, printing each id once its transaction has committed. The
 * test kills it with SIGKILL after a seeded random delay, reopens the store (recovering the
 * encrypted WAL), checks that every id the writer reported is there and that `verify` passes,
 * and starts the next writer on the same store. HC_CRASH_RUNS runs (integration: a few dozen;
 * the slow suite: hundreds).
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc-crypt.h"
#include "hc-store-private.h"
#include "hc-test-utils.h"

/* ------------------------------------------------------------------------------------------ */
/* The writer */

static gpointer
checkpoint_job (HcStoreWorker  *w,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  int rc = sqlite3_wal_checkpoint_v2 (w->db, "main", GPOINTER_TO_INT (data), NULL, NULL);

  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    return _hc_store_sqlite_error (w, rc, "checkpoint", error), NULL;
  return GINT_TO_POINTER (1);
}

static char *
patient_json (const char *id,
              GRand      *rand)
{
  /* a narrative of up to 5 KB: records that span overflow pages and several WAL frames */
  guint words = g_rand_int_range (rand, 1, 800);
  GString *div = g_string_new (NULL);

  for (guint i = 0; i < words; i++)
    g_string_append (div, i % 7 ? "lorem " : "ipsum ");
  return g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\",\"name\":[{\"family\":"
                          "\"Crash\",\"given\":[\"%s\"]}],\"text\":{\"status\":\"generated\","
                          "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">%s</div>\"}}",
                          id, id, g_string_free (div, FALSE));
}

static void
report (const char *id)
{
  g_autofree char *line = g_strdup_printf ("%s\n", id);
  gsize len = strlen (line);

  /* unbuffered: the test reads it even when we are killed the next instant */
  if (write (STDOUT_FILENO, line, len) != (gssize) len)
    exit (3);
}

static int
run_writer (const char *dir,
            guint32     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(HcStore) store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE,
                                                 NULL, &error);
  static const int modes[] = { SQLITE_CHECKPOINT_PASSIVE, SQLITE_CHECKPOINT_FULL,
                               SQLITE_CHECKPOINT_RESTART, SQLITE_CHECKPOINT_TRUNCATE };

  if (store == NULL)
    {
      g_printerr ("writer: %s\n", error->message);
      return 2;
    }
  for (guint n = 0; n < 100000; n++)
    {
      guint what = g_rand_int_range (rand, 0, 10);

      if (what < 6)
        {
          g_autofree char *id = g_strdup_printf ("s%u-%u", seed, n);
          g_autofree char *json = patient_json (id, rand);
          g_autoptr(JsonObject) p = hc_test_object (json);
          g_autoptr(JsonObject) stored = hc_store_put_sync (store, p, NULL, &error);

          if (stored == NULL)
            break;
          report (id);
        }
      else if (what < 8)
        {
          g_autoptr(GString) ndjson = g_string_new (NULL);
          g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
          HcImportStats stats = { 0 };

          for (guint i = 0; i < 5; i++)
            {
              char *id = g_strdup_printf ("s%u-%u-%u", seed, n, i);
              g_autofree char *json = patient_json (id, rand);
              g_string_append_printf (ndjson, "%s\n", json);
              g_ptr_array_add (ids, id);
            }
          if (!hc_store_import_data_sync (store, ndjson->str, ndjson->len, &stats, NULL, &error))
            break;
          for (guint i = 0; i < ids->len; i++)
            report (ids->pdata[i]);
        }
      else if (!_hc_store_run_sync (store, checkpoint_job,
                                    GINT_TO_POINTER (modes[g_rand_int_range (rand, 0, 4)]),
                                    NULL, &error))
        break;
    }
  if (error != NULL)
    {
      g_printerr ("writer: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The test */

static void
test_kill_writer (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GHashTable) committed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *runs_env = g_getenv ("HC_CRASH_RUNS");
  guint runs = runs_env ? atoi (runs_env) : 30;
  guint32 base_seed = g_test_rand_int ();
  g_autofree char *writer = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "test-crypt-crash",
                                              NULL);
  HcStore *store;

  /* key derivation at full strength would dominate hundreds of runs */
  _hc_crypt_set_test_iterations (1000);
  store = hc_test_new_store (&dir);
  g_assert_finalize_object (store);

  for (guint run = 0; run < runs; run++)
    {
      guint32 seed = base_seed + run;
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autofree char *seed_text = g_strdup_printf ("%u", seed);
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(GSubprocess) proc = NULL;
      g_auto(GStrv) lines = NULL;
      guint delay_ms = g_rand_int_range (rand, 5, 400);
      guint reported = 0;
      HcStoreStatus status = { 0 };

      proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error, writer, "--writer", dir, seed_text, NULL);
      g_assert_no_error (error);
      g_usleep (delay_ms * 1000);
      g_subprocess_send_signal (proc, SIGKILL);
      g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
      g_assert_no_error (error);
      if (g_subprocess_get_if_exited (proc))
        g_error ("run %u (seed %u): the writer stopped by itself: %s", run, seed, err);

      lines = g_strsplit (out, "\n", -1);
      for (guint i = 0; lines[i] && lines[i][0]; i++, reported++)
        g_hash_table_add (committed, g_strdup (lines[i]));

      /* everything the writer was told is committed is there; the store is whole */
      store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
      if (store == NULL)
        g_error ("run %u (seed %u, killed after %u ms): %s", run, seed, delay_ms,
                 error->message);
      for (guint i = 0; lines[i] && lines[i][0]; i++)
        {
          g_autoptr(JsonObject) p = hc_store_get_sync (store, "Patient", lines[i], NULL, &error);
          if (p == NULL)
            g_error ("run %u (seed %u): committed Patient/%s is missing: %s", run, seed,
                     lines[i], error->message);
        }
      if (!hc_store_verify_sync (store, NULL, &error))
        g_error ("run %u (seed %u): verify: %s", run, seed, error->message);
      g_assert_true (hc_store_get_status_sync (store, &status, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status.patients, >=, g_hash_table_size (committed));
      hc_store_status_clear (&status);
      g_assert_finalize_object (store);
      g_test_message ("run %u: seed %u, killed after %u ms, %u commits reported", run, seed,
                      delay_ms, reported);
    }
  g_test_message ("%u runs, %u committed patients, all present", runs,
                  g_hash_table_size (committed));
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--writer") == 0)
    return run_writer (argv[2], (guint32) g_ascii_strtoull (argv[3], NULL, 10));

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/hc/data/crypt/crash/kill-writer", test_kill_writer);
  return g_test_run ();
}
