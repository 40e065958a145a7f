/* bench-crypt.c: what encryption at rest costs, against an unencrypted store in the same run
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-crypt [IMPORT_PATIENTS [SEARCH_PATIENTS]] (default 1000 and 20000).
 *   unlock:  key derivation and unwrap at the real iteration count, median of 5;
 *   import:  the same demo panel NDJSON into a fresh plain and a fresh encrypted store,
 *            import and close (the checkpoint writes every page once more), best of 2 each,
 *            the order alternating;
 *   search:  a patients-only panel in both stores; the same queries (1 and 3 letters of a
 *            family name, family + given prefix, MRN) on each, interleaved, after a warm-up:
 *            the first run of each query (pages read and decrypted), and the best of three
 *            more (warm: what a running app sees).
 *   search, store-thread CPU: the figure for the search target. Each query runs
 *            THREAD_CPU_REPS times on each store, the two stores alternating (ABBA), timed with
 *            CLOCK_THREAD_CPUTIME_ID on the store's own thread around the search itself, so
 *            neither waiting for a CPU on a loaded machine nor the caller's threads count. Per
 *            query the best run of each store; reported: the ratio of the sums of those bests
 *            and the median (and quartiles) of the per-query ratios.
 * Targets: import <= 25% slower, search <= 10% slower, unlock < 1 s.
 *
 * Each figure is given in wall time and in process CPU time (all threads): on a shared, loaded
 * machine the wall ratio swings by tens of percent from run to run, the CPU ratio much less.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc-bench.h"
#include "hc-crypt.h"
#include "hc-demo.h"
#include "hc-json.h"
#include "hc-store-private.h"

#define SEARCH_LIMIT 100
#define QUERIES 600
#define THREAD_CPU_REPS 11

/* seconds of CPU this process used, all threads */
static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static HcStore *
open_store (const char *dir,
            gboolean    encrypted)
{
  g_autoptr(GError) error = NULL;
  HcStore *store = encrypted ?
    hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error) :
    _hc_store_open_unencrypted (dir, HC_STORE_OPEN_CREATE, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  return store;
}

static double
median (GArray *samples)
{
  return hc_bench_percentile (samples, 50);
}

static double
mean (GArray *samples)
{
  double sum = 0;

  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);
  return samples->len ? sum / samples->len : 0;
}

/* ------------------------------------------------------------------------------------------ */

static double
bench_unlock (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "unlock.key", NULL);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  HcCryptKey *key = hc_crypt_key_new_random (&error);

  if (key == NULL || !hc_crypt_key_file_write (path, key, HC_BENCH_PASSPHRASE,
                                               HC_CRYPT_PAGE_SIZE, &error))
    g_error ("%s", error->message);
  hc_crypt_key_free (key);
  for (guint i = 0; i < 5; i++)
    {
      double t0 = hc_bench_now ();
      key = hc_crypt_key_file_unlock (path, HC_BENCH_PASSPHRASE, NULL, &error);
      g_array_append_val (samples, (double) { hc_bench_now () - t0 });
      if (key == NULL)
        g_error ("%s", error->message);
      hc_crypt_key_free (key);
    }
  return median (samples);
}

/* ------------------------------------------------------------------------------------------ */

static gboolean
write_line (JsonObject  *resource,
            gpointer     user_data,
            GError     **error)
{
  g_autofree char *text = hc_json_object_to_string (resource, FALSE);

  fprintf (user_data, "%s\n", text);
  return TRUE;
}

/* seconds (wall, and CPU in @cpu) to import @ndjson into a fresh store and close it */
static double
import_once (const char *dir,
             const char *ndjson,
             gboolean    encrypted,
             guint      *resources,
             double     *cpu)
{
  g_autoptr(GError) error = NULL;
  HcImportStats stats = { 0 };
  HcStore *store = open_store (dir, encrypted);
  double t0 = hc_bench_now (), c0 = cpu_now ();

  if (!hc_store_import_file_sync (store, ndjson, &stats, NULL, &error))
    g_error ("import: %s", error->message);
  g_object_unref (store);
  *resources = stats.created;
  *cpu = cpu_now () - c0;
  return hc_bench_now () - t0;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  gboolean (*sink) (JsonObject *, gpointer, GError **);
  gpointer   sink_data;
  GPtrArray *queries;
} PatientsOnly;

static gboolean
patients_only_sink (JsonObject  *resource,
                    gpointer     user_data,
                    GError     **error)
{
  PatientsOnly *po = user_data;
  JsonObject *name;
  const char *family, *given, *mrn;

  if (g_strcmp0 (json_object_get_string_member_with_default (resource, "resourceType", ""),
                 "Patient") != 0)
    return TRUE;
  if (po->queries != NULL && po->queries->len < QUERIES)
    {
      name = json_array_get_object_element (json_object_get_array_member (resource, "name"), 0);
      family = json_object_get_string_member (name, "family");
      given = json_array_get_string_element (json_object_get_array_member (name, "given"), 0);
      mrn = json_object_get_string_member (json_array_get_object_element (
              json_object_get_array_member (resource, "identifier"), 0), "value");
      switch (po->queries->len % 4)
        {
        case 0: g_ptr_array_add (po->queries, g_utf8_substring (family, 0, 1)); break;
        case 1: g_ptr_array_add (po->queries, g_utf8_substring (family, 0, MIN (3, g_utf8_strlen (family, -1)))); break;
        case 2:
          {
            g_autofree char *g2 = g_utf8_substring (given, 0, MIN (2, g_utf8_strlen (given, -1)));
            g_ptr_array_add (po->queries, g_strdup_printf ("%s %s", family, g2));
          }
          break;
        default: g_ptr_array_add (po->queries, g_strdup (mrn)); break;
        }
    }
  return po->sink (resource, po->sink_data, error);
}

typedef struct
{
  guint      patients;
  GPtrArray *queries;
} SearchPanel;

static gboolean
producer (gboolean    (*sink) (JsonObject *, gpointer, GError **),
          gpointer      sink_data,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  SearchPanel *panel = user_data;
  PatientsOnly po = { sink, sink_data, panel->queries };

  return hc_demo_generate (panel->patients, 7, "2026-11-27", patients_only_sink, &po,
                           cancellable, error);
}

static HcStore *
search_store (const char  *dir,
              gboolean     encrypted,
              SearchPanel *panel)
{
  g_autoptr(GError) error = NULL;
  HcImportStats stats = { 0 };
  HcStore *store = open_store (dir, encrypted);

  if (!hc_store_import_producer_sync (store, producer, panel, &stats, NULL, &error))
    g_error ("%s", error->message);
  g_object_unref (store);
  /* reopened: the cache holds what searching read, not what the import wrote */
  return open_store (dir, encrypted);
}

static double search_cpu[2];   /* plain, encrypted: total CPU seconds of the measured queries */

static double
search_ms (HcStore    *store,
           const char *query,
           guint      *n_found,
           double     *cpu_total)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;
  double t0 = hc_bench_now (), c0 = cpu_now (), dt;

  found = hc_store_search_patients_sync (store, query, SEARCH_LIMIT, NULL, &error);
  dt = (hc_bench_now () - t0) * 1000;
  if (cpu_total != NULL)
    *cpu_total += cpu_now () - c0;
  if (found == NULL)
    g_error ("%s", error->message);
  *n_found = g_list_model_get_n_items (found);
  return dt;
}

typedef struct
{
  const char *query;
  double      cpu;       /* seconds of the store thread's CPU */
  guint       found;
} SearchJob;

/* On the store thread: one search, timed in that thread's CPU time. */
static gpointer
search_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  SearchJob *job = data;
  struct timespec a, b;
  GListModel *found;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &a);
  found = _hc_store_search_patients (w, job->query, SEARCH_LIMIT, error);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &b);
  if (found == NULL)
    return NULL;
  job->cpu = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  job->found = g_list_model_get_n_items (found);
  g_object_unref (found);
  return GINT_TO_POINTER (1);
}

static double
thread_cpu_search (HcStore    *store,
                   const char *query,
                   guint      *found)
{
  g_autoptr(GError) error = NULL;
  SearchJob job = { query, 0, 0 };

  if (_hc_store_run_sync (store, search_job, &job, NULL, &error) == NULL)
    g_error ("%s", error->message);
  *found = job.found;
  return job.cpu;
}

typedef struct
{
  double sum_plain;      /* seconds: the sums of each query's best run */
  double sum_enc;
  double ratio_sum;      /* sum_enc / sum_plain */
  double ratio_p25;      /* quartiles of the per-query ratios */
  double ratio_p50;
  double ratio_p75;
} ThreadCpu;

static void
bench_thread_cpu (HcStore   *plain,
                  HcStore   *enc,
                  GPtrArray *queries,
                  ThreadCpu *out)
{
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (double));

  memset (out, 0, sizeof *out);
  for (guint i = 0; i < queries->len; i++)
    {
      double best[2] = { G_MAXDOUBLE, G_MAXDOUBLE };
      guint n[2] = { 0, 0 };

      for (guint r = 0; r < THREAD_CPU_REPS; r++)
        {
          /* ABBA: neither store always goes first */
          gboolean enc_first = ((i + r) % 4) == 1 || ((i + r) % 4) == 2;

          for (guint k = 0; k < 2; k++)
            {
              gboolean is_enc = enc_first ? k == 0 : k == 1;
              double t = thread_cpu_search (is_enc ? enc : plain, queries->pdata[i], &n[is_enc]);

              best[is_enc] = MIN (best[is_enc], t);
            }
        }
      if (n[0] != n[1])
        g_error ("query %u: %u results unencrypted, %u encrypted", i, n[0], n[1]);
      out->sum_plain += best[0];
      out->sum_enc += best[1];
      g_array_append_val (ratios, (double) { best[1] / MAX (best[0], 1e-9) });
    }
  out->ratio_sum = out->sum_enc / out->sum_plain;
  out->ratio_p25 = hc_bench_percentile (ratios, 25);
  out->ratio_p50 = hc_bench_percentile (ratios, 50);
  out->ratio_p75 = hc_bench_percentile (ratios, 75);
}

int
main (int   argc,
      char *argv[])
{
  guint import_patients = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  guint search_patients = argc > 2 ? (guint) atoi (argv[2]) : 20000;
  g_autofree char *dir = hc_bench_workdir ("crypt");
  g_autofree char *ndjson = g_build_filename (dir, "panel.ndjson", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(GArray) plain_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) enc_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_plain_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_enc_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *line = NULL;
  SearchPanel panel = { search_patients, g_ptr_array_new_with_free_func (g_free) };
  SearchPanel again = { search_patients, NULL };
  double unlock_s, import_plain = G_MAXDOUBLE, import_enc = G_MAXDOUBLE;
  double cpu_plain = G_MAXDOUBLE, cpu_enc = G_MAXDOUBLE;
  double import_ratio, import_cpu_ratio, search_ratio, search_p50_ratio, search_cpu_ratio;
  double first_ratio;
  guint resources = 0;
  ThreadCpu tc;
  HcStore *plain, *enc;
  FILE *f;

  unlock_s = bench_unlock (dir);

  f = fopen (ndjson, "w");
  if (!hc_demo_generate (import_patients, 42, "2026-11-27", write_line, f, NULL, &error))
    g_error ("%s", error->message);
  fclose (f);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 2; i++)
      {
        gboolean encrypted = (round + i) % 2 == 1;
        g_autofree char *store_dir = g_strdup_printf ("%s/import-%u-%s", dir, round,
                                                      encrypted ? "enc" : "plain");
        double cpu;
        double s = import_once (store_dir, ndjson, encrypted, &resources, &cpu);

        if (encrypted)
          import_enc = MIN (import_enc, s), cpu_enc = MIN (cpu_enc, cpu);
        else
          import_plain = MIN (import_plain, s), cpu_plain = MIN (cpu_plain, cpu);
        hc_bench_rmtree (store_dir);
      }
  import_ratio = import_enc / import_plain;
  import_cpu_ratio = cpu_enc / cpu_plain;

  {
    g_autofree char *plain_dir = g_build_filename (dir, "search-plain", NULL);
    g_autofree char *enc_dir = g_build_filename (dir, "search-enc", NULL);

    plain = search_store (plain_dir, FALSE, &panel);
    enc = search_store (enc_dir, TRUE, &again);
  }
  for (guint i = 0; i < 50; i++)
    {
      guint n;
      search_ms (plain, panel.queries->pdata[i % panel.queries->len], &n, NULL);
      search_ms (enc, panel.queries->pdata[i % panel.queries->len], &n, NULL);
    }
  for (guint i = 0; i < panel.queries->len; i++)
    {
      const char *q = panel.queries->pdata[i];
      guint na = 0, nb = 0;
      double a = G_MAXDOUBLE, b = G_MAXDOUBLE;

      /* the first run of a query reads pages the cache does not have yet (and decrypts them):
       * that one counts as "first"; the best of three more is the warm figure */
      for (guint r = 0; r < 4; r++)
        {
          double x, y;

          if ((i + r) % 2)
            {
              x = search_ms (plain, q, &na, &search_cpu[0]);
              y = search_ms (enc, q, &nb, &search_cpu[1]);
            }
          else
            {
              y = search_ms (enc, q, &nb, &search_cpu[1]);
              x = search_ms (plain, q, &na, &search_cpu[0]);
            }
          if (r == 0)
            {
              g_array_append_val (first_plain_ms, x);
              g_array_append_val (first_enc_ms, y);
            }
          else
            a = MIN (a, x), b = MIN (b, y);
        }
      /* the same work on both sides */
      if (na != nb || na == 0)
        g_error ("query %u: %u results unencrypted, %u encrypted", i, na, nb);
      g_array_append_val (plain_ms, a);
      g_array_append_val (enc_ms, b);
    }
  bench_thread_cpu (plain, enc, panel.queries, &tc);
  g_object_unref (plain);
  g_object_unref (enc);
  search_ratio = mean (enc_ms) / mean (plain_ms);
  search_p50_ratio = median (enc_ms) / median (plain_ms);
  search_cpu_ratio = search_cpu[1] / search_cpu[0];
  first_ratio = mean (first_enc_ms) / mean (first_plain_ms);

  json_object_set_double_member (result, "unlock_seconds", unlock_s);
  json_object_set_int_member (result, "kdf_iterations", HC_CRYPT_KDF_ITERATIONS);
  json_object_set_int_member (result, "import_patients", import_patients);
  json_object_set_int_member (result, "import_resources", resources);
  json_object_set_double_member (result, "import_plain_seconds", import_plain);
  json_object_set_double_member (result, "import_encrypted_seconds", import_enc);
  json_object_set_double_member (result, "import_ratio", import_ratio);
  json_object_set_double_member (result, "import_plain_cpu_seconds", cpu_plain);
  json_object_set_double_member (result, "import_encrypted_cpu_seconds", cpu_enc);
  json_object_set_double_member (result, "import_cpu_ratio", import_cpu_ratio);
  json_object_set_int_member (result, "search_patients", search_patients);
  json_object_set_int_member (result, "search_queries", panel.queries->len);
  json_object_set_double_member (result, "search_plain_mean_ms", mean (plain_ms));
  json_object_set_double_member (result, "search_encrypted_mean_ms", mean (enc_ms));
  json_object_set_double_member (result, "search_plain_p50_ms", median (plain_ms));
  json_object_set_double_member (result, "search_encrypted_p50_ms", median (enc_ms));
  json_object_set_double_member (result, "search_ratio", search_ratio);
  json_object_set_double_member (result, "search_p50_ratio", search_p50_ratio);
  json_object_set_double_member (result, "search_cpu_ratio", search_cpu_ratio);
  json_object_set_double_member (result, "search_first_plain_mean_ms", mean (first_plain_ms));
  json_object_set_double_member (result, "search_first_encrypted_mean_ms", mean (first_enc_ms));
  json_object_set_double_member (result, "search_first_ratio", first_ratio);
  json_object_set_int_member (result, "search_thread_cpu_reps", THREAD_CPU_REPS);
  json_object_set_double_member (result, "search_thread_cpu_plain_ms", tc.sum_plain * 1000 / panel.queries->len);
  json_object_set_double_member (result, "search_thread_cpu_encrypted_ms", tc.sum_enc * 1000 / panel.queries->len);
  json_object_set_double_member (result, "search_thread_cpu_ratio", tc.ratio_sum);
  json_object_set_double_member (result, "search_thread_cpu_ratio_p25", tc.ratio_p25);
  json_object_set_double_member (result, "search_thread_cpu_ratio_p50", tc.ratio_p50);
  json_object_set_double_member (result, "search_thread_cpu_ratio_p75", tc.ratio_p75);
  json_object_set_double_member (result, "target_import_ratio", 1.25);
  json_object_set_double_member (result, "target_search_ratio", 1.10);
  json_object_set_double_member (result, "target_unlock_seconds", 1.0);

  line = g_strdup_printf ("crypt: import %.2fx wall, %.2fx CPU (%.2f s encrypted vs %.2f s plain, "
                          "%u resources); search warm %.2fx mean, %.2fx p50, %.2fx CPU (%.3f vs "
                          "%.3f ms, %u patients), first run %.2fx; search store-thread CPU %.3fx "
                          "(%.3f vs %.3f ms per query, best of %d, %u queries; per query median "
                          "%.3fx, quartiles %.3f-%.3fx); unlock %.0f ms at %d iterations; targets <= "
                          "1.25x, <= 1.10x, < 1 s", import_ratio, import_cpu_ratio, import_enc,
                          import_plain, resources, search_ratio, search_p50_ratio,
                          search_cpu_ratio, mean (enc_ms), mean (plain_ms), search_patients,
                          first_ratio, tc.ratio_sum, tc.sum_enc * 1000 / panel.queries->len,
                          tc.sum_plain * 1000 / panel.queries->len, THREAD_CPU_REPS,
                          panel.queries->len, tc.ratio_p50, tc.ratio_p25, tc.ratio_p75,
                          unlock_s * 1000, HC_CRYPT_KDF_ITERATIONS);
  hc_bench_report ("crypt", result, line);
  g_ptr_array_unref (panel.queries);
  hc_bench_rmtree (dir);
  return 0;
}
