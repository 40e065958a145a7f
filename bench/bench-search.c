/* bench-search.c: patient search latency at 100,000 patients
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Queries go through the public API (store thread hop included), with the limit the patient
 * list uses. Baseline in the same run: an indexed exact lookup of the same family names
 * (SELECT … WHERE sort_key = ?), the cheapest query a patient list could make.
 */

#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "hc-bench.h"
#include "hc-bench-store.h"
#include "hc-crypt.h"
#include "hc-store-private.h"

#define LIMIT 100
#define QUERIES_PER_KIND 400

typedef struct
{
  const char *name;
  GPtrArray  *queries;
  GArray     *samples;
} Kind;

static char *
prefix (const char *text,
        glong       chars)
{
  return g_utf8_substring (text, 0, MIN (chars, g_utf8_strlen (text, -1)));
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  g_autofree char *dir = hc_bench_workdir ("search");
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(GArray) prefix_samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) base_samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) families = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line = NULL;
  HcImportStats stats = { 0 };
  Kind kinds[] = {
    { "prefix1", NULL, NULL }, { "prefix2", NULL, NULL }, { "prefix3", NULL, NULL },
    { "two-words", NULL, NULL }, { "birth-month", NULL, NULL }, { "mrn", NULL, NULL },
  };
  sqlite3 *db;
  sqlite3_stmt *stmt;
  double t0, build_s;

  store = hc_store_open_sync (store_dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  t0 = hc_bench_now ();
  if (!hc_store_import_producer_sync (store, hc_bench_patients_producer,
                                      GUINT_TO_POINTER (patients), &stats, NULL, &error))
    g_error ("%s", error->message);
  build_s = hc_bench_now () - t0;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      kinds[k].queries = g_ptr_array_new_with_free_func (g_free);
      kinds[k].samples = g_array_new (FALSE, FALSE, sizeof (double));
    }

  /* queries from a random sample of the panel */
  db = _hc_store_open_db (store_dir, HC_BENCH_PASSPHRASE, SQLITE_OPEN_READONLY, NULL);
  sqlite3_prepare_v2 (db, "SELECT family, given, birth_date, mrn, sort_key FROM patient "
                          "WHERE family IS NOT NULL AND given IS NOT NULL "
                          "ORDER BY (rid * 2654435761) % 1000003 LIMIT ?", -1, &stmt, NULL);
  sqlite3_bind_int (stmt, 1, QUERIES_PER_KIND);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *family = (const char *) sqlite3_column_text (stmt, 0);
      const char *given = (const char *) sqlite3_column_text (stmt, 1);
      const char *birth = (const char *) sqlite3_column_text (stmt, 2);
      const char *mrn = (const char *) sqlite3_column_text (stmt, 3);
      g_autofree char *f3 = prefix (family, 3);
      g_autofree char *g2 = prefix (given, 2);

      g_ptr_array_add (kinds[0].queries, prefix (family, 1));
      g_ptr_array_add (kinds[1].queries, prefix (family, 2));
      g_ptr_array_add (kinds[2].queries, prefix (family, 3));
      g_ptr_array_add (kinds[3].queries, g_strdup_printf ("%s %s", f3, g2));
      g_ptr_array_add (kinds[4].queries, birth ? g_strndup (birth, 7) : g_strdup ("1970-01"));
      g_ptr_array_add (kinds[5].queries, g_strdup (mrn ? mrn : "MRN-1"));
      g_ptr_array_add (families, g_strdup ((const char *) sqlite3_column_text (stmt, 4)));
    }
  sqlite3_finalize (stmt);

  /* warm up the cache the way a running app has it */
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GListModel) m = hc_store_search_patients_sync (store, kinds[2].queries->pdata[i % kinds[2].queries->len], LIMIT, NULL, NULL);
    }

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < kinds[k].queries->len; i++)
      {
        g_autoptr(GListModel) m = NULL;
        double dt;

        t0 = hc_bench_now ();
        m = hc_store_search_patients_sync (store, kinds[k].queries->pdata[i], LIMIT, NULL, &error);
        dt = (hc_bench_now () - t0) * 1000;
        if (m == NULL)
          g_error ("%s", error->message);
        g_array_append_val (kinds[k].samples, dt);
        if (k <= 3)
          g_array_append_val (prefix_samples, dt);
      }

  /* baseline: an indexed equality lookup, same thread hop excluded (direct connection) */
  sqlite3_prepare_v2 (db, "SELECT rid, family, given FROM patient WHERE sort_key = ? LIMIT 100", -1,
                      &stmt, NULL);
  for (guint i = 0; i < families->len; i++)
    {
      t0 = hc_bench_now ();
      sqlite3_bind_text (stmt, 1, families->pdata[i], -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        ;
      sqlite3_reset (stmt);
      g_array_append_val (base_samples, (double) { (hc_bench_now () - t0) * 1000 });
    }
  sqlite3_finalize (stmt);
  hc_crypt_db_close (db);

  json_object_set_int_member (result, "patients", stats.created);
  json_object_set_int_member (result, "limit", LIMIT);
  json_object_set_double_member (result, "build_seconds", build_s);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      JsonObject *o = json_object_new ();
      json_object_set_double_member (o, "p50_ms", hc_bench_percentile (kinds[k].samples, 50));
      json_object_set_double_member (o, "p99_ms", hc_bench_percentile (kinds[k].samples, 99));
      json_object_set_int_member (o, "queries", kinds[k].samples->len);
      json_object_set_object_member (result, kinds[k].name, o);
    }
  json_object_set_double_member (result, "prefix_p50_ms", hc_bench_percentile (prefix_samples, 50));
  json_object_set_double_member (result, "prefix_p99_ms", hc_bench_percentile (prefix_samples, 99));
  json_object_set_double_member (result, "baseline_exact_p50_ms", hc_bench_percentile (base_samples, 50));
  json_object_set_double_member (result, "target_prefix_p99_ms", 5.0);

  line = g_strdup_printf ("search: prefix p99 %.2f ms (p50 %.2f) at %u patients, limit %d; 1 letter "
                          "p99 %.2f, 3 letters %.2f, two words %.2f, birth month %.2f, MRN %.2f; "
                          "indexed exact lookup p50 %.3f ms; target p99 < 5 ms",
                          hc_bench_percentile (prefix_samples, 99),
                          hc_bench_percentile (prefix_samples, 50), stats.created, LIMIT,
                          hc_bench_percentile (kinds[0].samples, 99),
                          hc_bench_percentile (kinds[2].samples, 99),
                          hc_bench_percentile (kinds[3].samples, 99),
                          hc_bench_percentile (kinds[4].samples, 99),
                          hc_bench_percentile (kinds[5].samples, 99),
                          hc_bench_percentile (base_samples, 50));
  hc_bench_report ("search", result, line);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_ptr_array_unref (kinds[k].queries);
      g_array_unref (kinds[k].samples);
    }
  g_clear_object (&store);
  hc_bench_rmtree (dir);
  return 0;
}
