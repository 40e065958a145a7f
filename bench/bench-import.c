/* bench-import.c: bulk import of a demo panel's NDJSON into a fresh store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Baseline in the same run: raw SQLite inserting the same JSON lines in 500-row
 * transactions with the same journal settings.
 */

#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc-bench.h"
#include "hc-demo.h"
#include "hc-json.h"
#include "hc-store.h"

typedef struct
{
  FILE  *file;
  guint  count;
  gsize  bytes;
} Writer;

static gboolean
write_line (JsonObject  *resource,
            gpointer     user_data,
            GError     **error)
{
  Writer *w = user_data;
  g_autofree char *text = hc_json_object_to_string (resource, FALSE);
  gsize len = strlen (text);

  fwrite (text, 1, len, w->file);
  fputc ('\n', w->file);
  w->count++;
  w->bytes += len;
  return TRUE;
}

static double
baseline_rate (const char *dir,
               const char *ndjson)
{
  g_autofree char *path = g_build_filename (dir, "raw.db", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  guint rows = 0;
  double t0;
  char *p, *end;

  g_file_get_contents (ndjson, &contents, &len, NULL);
  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE r (id INTEGER PRIMARY KEY, json TEXT NOT NULL);", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO r (json) VALUES (?)", -1, &stmt, NULL);
  t0 = hc_bench_now ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (p = contents, end = contents + len; p < end;)
    {
      char *nl = memchr (p, '\n', end - p);
      if (nl == NULL)
        nl = end;
      sqlite3_bind_text (stmt, 1, p, nl - p, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (++rows % 500 == 0)
        sqlite3_exec (db, "COMMIT; BEGIN", NULL, NULL, NULL);
      p = nl + 1;
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  t0 = hc_bench_now () - t0;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows / t0;
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  g_autofree char *dir = hc_bench_workdir ("import");
  g_autofree char *ndjson = g_build_filename (dir, "panel.ndjson", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *line = NULL;
  HcImportStats stats = { 0 };
  Writer w = { 0 };
  double t0, gen_s, import_s, rate, base;

  w.file = fopen (ndjson, "w");
  t0 = hc_bench_now ();
  if (!hc_demo_generate (patients, 42, "2026-11-27", write_line, &w, NULL, &error))
    g_error ("demo data: %s", error->message);
  gen_s = hc_bench_now () - t0;
  fclose (w.file);

  store = hc_store_open_sync (store_dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  t0 = hc_bench_now ();
  if (!hc_store_import_file_sync (store, ndjson, &stats, NULL, &error))
    g_error ("import: %s", error->message);
  import_s = hc_bench_now () - t0;
  rate = stats.created / import_s;
  g_clear_object (&store);

  base = baseline_rate (dir, ndjson);

  json_object_set_int_member (result, "patients", patients);
  json_object_set_int_member (result, "resources", stats.created);
  json_object_set_double_member (result, "avg_resource_bytes", (double) w.bytes / MAX (w.count, 1));
  json_object_set_double_member (result, "import_seconds", import_s);
  json_object_set_double_member (result, "resources_per_s", rate);
  json_object_set_double_member (result, "generate_resources_per_s", w.count / gen_s);
  json_object_set_double_member (result, "raw_sqlite_rows_per_s", base);
  json_object_set_double_member (result, "ratio_to_raw", rate / base);
  json_object_set_double_member (result, "peak_rss_mib", hc_bench_peak_rss_mib ());
  json_object_set_double_member (result, "target_resources_per_s", 20000);
  line = g_strdup_printf ("import: %.0f resources/s (%u resources, avg %.0f B, one transaction, "
                          "validated, indexed, queued, audited); raw SQLite %.0f rows/s; ratio "
                          "%.2f; generator %.0f/s; peak RSS %.0f MiB; target >= 20000/s", rate,
                          stats.created, (double) w.bytes / MAX (w.count, 1), base, rate / base,
                          w.count / gen_s, hc_bench_peak_rss_mib ());
  hc_bench_report ("import", result, line);
  hc_bench_rmtree (dir);
  return 0;
}
