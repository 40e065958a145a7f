/* bench-write.c: local write latency: resource + indexes + outbox + audit, synchronous=FULL
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Baseline in the same run: one raw SQLite INSERT of the same JSON per transaction with the
 * same journal settings.
 */

#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "hc-bench.h"
#include "hc-store.h"

static char *
observation_json (guint i)
{
  return g_strdup_printf (
    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":"
    "\"Body weight\"}]},\"subject\":{\"reference\":\"Patient/bench-%u\"},\"effectiveDateTime\":"
    "\"2026-11-%02uT09:%02u:00Z\",\"valueQuantity\":{\"value\":%u.%u,\"unit\":\"kg\",\"system\":"
    "\"http://unitsofmeasure.org\",\"code\":\"kg\"}}", i % 200, 1 + i % 28, i % 60, 60 + i % 40, i % 10);
}

static double
baseline_p50 (const char *dir,
              guint       n)
{
  g_autofree char *path = g_build_filename (dir, "raw.db", NULL);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3 *db;
  sqlite3_stmt *stmt;

  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE r (id INTEGER PRIMARY KEY, json TEXT NOT NULL);", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO r (json) VALUES (?)", -1, &stmt, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = observation_json (i);
      double t0 = hc_bench_now ();

      sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
      g_array_append_val (samples, (double) { (hc_bench_now () - t0) * 1000 });
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return hc_bench_percentile (samples, 50);
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 2000;
  g_autofree char *dir = hc_bench_workdir ("write");
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = hc_store_open_sync (store_dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *line = NULL;
  double p50, p99, base;

  if (store == NULL)
    g_error ("%s", error->message);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = observation_json (i);
      g_autoptr(JsonNode) node = json_from_string (json, NULL);
      g_autoptr(JsonObject) stored = NULL;
      double t0 = hc_bench_now ();

      stored = hc_store_put_sync (store, json_node_get_object (node), NULL, &error);
      if (stored == NULL)
        g_error ("%s", error->message);
      g_array_append_val (samples, (double) { (hc_bench_now () - t0) * 1000 });
    }
  p50 = hc_bench_percentile (samples, 50);
  p99 = hc_bench_percentile (samples, 99);
  g_clear_object (&store);
  base = baseline_p50 (dir, n);

  json_object_set_int_member (result, "writes", n);
  json_object_set_double_member (result, "p50_ms", p50);
  json_object_set_double_member (result, "p99_ms", p99);
  json_object_set_double_member (result, "raw_sqlite_p50_ms", base);
  json_object_set_double_member (result, "ratio_to_raw", p50 / base);
  json_object_set_double_member (result, "target_p50_ms", 2.0);
  line = g_strdup_printf ("write: p50 %.3f ms, p99 %.3f ms per local write (resource+indexes+outbox+"
                          "audit, synchronous=FULL); raw SQLite insert p50 %.3f ms; ratio %.2f; "
                          "target p50 < 2 ms", p50, p99, base, p50 / base);
  hc_bench_report ("write", result, line);
  hc_bench_rmtree (dir);
  return 0;
}
