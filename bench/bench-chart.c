/* bench-chart.c: opening a long chart, from the request to the first painted frame
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One patient with N encounters (each with weight, blood pressure and a signed note) plus
 * problems, allergies and prescriptions, in a real encrypted store; the chart view in a real
 * window (under Xvfb from meson). Measured: hc_chart_view_set_patient() to the first frame
 * painted after the records arrived (the summary tab), and switching to the encounters tab
 * to its first frame. Baseline in the same run: hc_store_list_chart_async() alone, the part
 * the view cannot make faster.
 */

#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <adwaita.h>

#include "hc-bench.h"
#include "hc-chart-view-private.h"
#include "hc-store.h"

#define ROUNDS (g_getenv ("BENCH_ROUNDS") ? atoi (g_getenv ("BENCH_ROUNDS")) : 15)
#define PATIENT "p-bench"

typedef struct
{
  guint n_encounters;
} Plan;

static JsonObject *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    g_error ("bad JSON in the benchmark: %s", text);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gboolean
emit (gboolean   (*sink) (JsonObject *, gpointer, GError **),
      gpointer     sink_data,
      char        *text,
      GError     **error)
{
  g_autoptr(JsonObject) resource = parse (text);

  g_free (text);
  return sink (resource, sink_data, error);
}

static gboolean
producer (gboolean    (*sink) (JsonObject *, gpointer, GError **),
          gpointer      sink_data,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  Plan *plan = user_data;
  const char *subject = "\"subject\":{\"reference\":\"Patient/" PATIENT "\"}";

  if (!emit (sink, sink_data, g_strdup ("{\"resourceType\":\"Patient\",\"id\":\"" PATIENT "\","
                                        "\"name\":[{\"family\":\"Bench\",\"given\":[\"Long\"]}],"
                                        "\"gender\":\"female\",\"birthDate\":\"1950-01-01\"}"),
             error))
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!emit (sink, sink_data,
               g_strdup_printf ("{\"resourceType\":\"Condition\",\"id\":\"c%u\",\"clinicalStatus\":"
                                "{\"coding\":[{\"code\":\"active\"}]},\"code\":{\"text\":"
                                "\"Problem %u\"},%s,\"onsetDateTime\":\"2001-01-0%u\"}",
                                i, i, subject, i + 1), error) ||
        !emit (sink, sink_data,
               g_strdup_printf ("{\"resourceType\":\"MedicationRequest\",\"id\":\"m%u\","
                                "\"status\":\"%s\",\"intent\":\"order\","
                                "\"medicationCodeableConcept\":{\"text\":\"Drug%u 10 mg tablet\"},"
                                "%s,\"authoredOn\":\"20%02u-03-01\",\"dosageInstruction\":[{"
                                "\"text\":\"Take 1 tablet daily.\"}]}",
                                i, i % 2 ? "active" : "stopped", i, subject, 5 + 3 * i), error))
      return FALSE;
  if (!emit (sink, sink_data,
             g_strdup_printf ("{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a1\","
                              "\"criticality\":\"high\",\"code\":{\"text\":\"Penicillin\"},"
                              "\"patient\":{\"reference\":\"Patient/" PATIENT "\"}}"), error))
    return FALSE;

  for (guint i = 0; i < plan->n_encounters; i++)
    {
      /* one visit every two weeks, going back from 2026 */
      g_autoptr(GDateTime) base = g_date_time_new_utc (2026, 10, 1, 9, 0, 0);
      g_autoptr(GDateTime) when = g_date_time_add_days (base, -14 * (int) i);
      g_autofree char *date = g_date_time_format_iso8601 (when);

      if (!emit (sink, sink_data,
                 g_strdup_printf ("{\"resourceType\":\"Encounter\",\"id\":\"e%u\",\"status\":"
                                  "\"finished\",\"class\":{\"code\":\"AMB\"},\"type\":[{\"text\":"
                                  "\"Follow-up\"}],%s,\"period\":{\"start\":\"%s\"},"
                                  "\"reasonCode\":[{\"text\":\"Check-up %u\"}],\"diagnosis\":[{"
                                  "\"condition\":{\"reference\":\"Condition/c%u\"}}]}",
                                  i, subject, date, i, i % 6), error) ||
          !emit (sink, sink_data,
                 g_strdup_printf ("{\"resourceType\":\"Observation\",\"id\":\"w%u\",\"status\":"
                                  "\"final\",\"code\":{\"coding\":[{\"system\":"
                                  "\"http://loinc.org\",\"code\":\"29463-7\"}]},%s,"
                                  "\"effectiveDateTime\":\"%s\",\"valueQuantity\":{\"value\":"
                                  "%u.5,\"unit\":\"kg\"}}", i, subject, date, 70 + i % 15),
                 error) ||
          !emit (sink, sink_data,
                 g_strdup_printf ("{\"resourceType\":\"Observation\",\"id\":\"bp%u\",\"status\":"
                                  "\"final\",\"code\":{\"coding\":[{\"system\":"
                                  "\"http://loinc.org\",\"code\":\"85354-9\"}]},%s,"
                                  "\"effectiveDateTime\":\"%s\",\"component\":["
                                  "{\"code\":{\"coding\":[{\"code\":\"8480-6\"}]},"
                                  "\"valueQuantity\":{\"value\":%u,\"unit\":\"mmHg\"}},"
                                  "{\"code\":{\"coding\":[{\"code\":\"8462-4\"}]},"
                                  "\"valueQuantity\":{\"value\":%u,\"unit\":\"mmHg\"}}]}",
                                  i, subject, date, 120 + i % 30, 75 + i % 15), error) ||
          !emit (sink, sink_data,
                 g_strdup_printf ("{\"resourceType\":\"Composition\",\"id\":\"n%u\",\"status\":"
                                  "\"final\",\"type\":{\"text\":\"Progress note\"},%s,"
                                  "\"date\":\"%s\",\"author\":[{\"display\":\"Dr. Bench\"}],"
                                  "\"title\":\"Progress note\",\"attester\":[{\"mode\":\"legal\","
                                  "\"time\":\"%s\",\"party\":{\"display\":\"Dr. Bench\"}}],"
                                  "\"section\":[{\"title\":\"Assessment\",\"text\":{\"status\":"
                                  "\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/"
                                  "xhtml\\\"><p>Stable. Visit %u.</p></div>\"}}]}",
                                  i, subject, date, date, i), error))
        return FALSE;
    }
  return TRUE;
}

static gboolean load_done;
static gboolean painted;

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  if (load_done)
    painted = TRUE;
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(JsonArray) chart = hc_store_list_chart_finish (HC_STORE (source), result, NULL);

  if (chart == NULL)
    g_error ("listing the chart failed");
  *(guint *) user_data = json_array_get_length (chart);
}

/* CPU seconds of the whole process (UI and store threads): what the machine's load does not
 * inflate the way it inflates wall-clock time. */
static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
median_ms (GArray *samples)
{
  return hc_bench_percentile (samples, 50) * 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 500;
  Plan plan = { n };
  g_autofree char *workdir = hc_bench_workdir ("bench-chart");
  g_autofree char *dir = g_build_filename (workdir, "store", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(HcPatient) patient = NULL;
  g_autoptr(GArray) load = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_paint = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_paint_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) encounters_tab = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *line = NULL;
  HcImportStats stats = { 0 };
  GtkWidget *window, *view;
  GdkFrameClock *clock;
  guint n_records = 0;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL || !hc_store_import_producer_sync (store, producer, &plan, &stats, NULL, &error))
    g_error ("could not build the store: %s", error->message);
  patient = hc_patient_new (PATIENT, "Bench", "Long", "1950-01-01", "female", "B-1", NULL);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  view = hc_chart_view_new (store);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);

  for (guint round = 0; round < (guint) ROUNDS + 1; round++)
    {
      guint serial = _hc_chart_view_get_load_serial (HC_CHART_VIEW (view));
      double start, elapsed, cpu_start, cpu;

      /* the baseline: the store's part alone */
      n_records = 0;
      start = hc_bench_now ();
      hc_store_list_chart_async (store, PATIENT, NULL, NULL, loaded_cb, &n_records);
      while (n_records == 0)
        g_main_context_iteration (NULL, TRUE);
      elapsed = hc_bench_now () - start;
      if (round > 0)
        g_array_append_val (load, elapsed);

      /* the view: request to the first frame that shows the records */
      hc_chart_view_clear (HC_CHART_VIEW (view));
      while (g_main_context_iteration (NULL, FALSE))
        ;
      load_done = painted = FALSE;
      start = hc_bench_now ();
      cpu_start = cpu_now ();
      hc_chart_view_set_patient (HC_CHART_VIEW (view), patient);
      while (!painted)
        {
          g_main_context_iteration (NULL, TRUE);
          load_done = _hc_chart_view_get_load_serial (HC_CHART_VIEW (view)) > serial;
        }
      elapsed = hc_bench_now () - start;
      if (round > 0)
        g_array_append_val (first_paint, elapsed);
      cpu = cpu_now () - cpu_start;
      if (round > 0)
        g_array_append_val (first_paint_cpu, cpu);

      /* the encounter timeline, built when its tab is first shown */
      painted = FALSE;
      start = hc_bench_now ();
      adw_view_stack_set_visible_child_name (_hc_chart_view_get_stack (HC_CHART_VIEW (view)),
                                             "encounters");
      while (!painted)
        g_main_context_iteration (NULL, TRUE);
      elapsed = hc_bench_now () - start;
      if (round > 0)
        g_array_append_val (encounters_tab, elapsed);
    }

  json_object_set_int_member (result, "encounters", n);
  json_object_set_int_member (result, "records", n_records);
  json_object_set_int_member (result, "rounds", ROUNDS);
  json_object_set_double_member (result, "store_load_p50_ms", median_ms (load));
  json_object_set_double_member (result, "first_paint_p50_ms", median_ms (first_paint));
  json_object_set_double_member (result, "first_paint_p90_ms",
                                 hc_bench_percentile (first_paint, 90) * 1000.0);
  json_object_set_double_member (result, "first_paint_cpu_p50_ms", median_ms (first_paint_cpu));
  json_object_set_double_member (result, "encounters_tab_p50_ms", median_ms (encounters_tab));
  json_object_set_double_member (result, "first_paint_over_store_load",
                                 median_ms (first_paint) / median_ms (load));
  json_object_set_double_member (result, "target_ms", 100);
  line = g_strdup_printf ("bench-chart: %u encounters (%u records): first paint p50 %.1f ms "
                          "(target < 100 ms; %.1f ms CPU), store load alone %.1f ms (x%.1f); "
                          "encounters tab %.1f ms", n, n_records, median_ms (first_paint),
                          median_ms (first_paint_cpu), median_ms (load),
                          median_ms (first_paint) / median_ms (load), median_ms (encounters_tab));
  hc_bench_report ("bench-chart", result, line);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&store);
  hc_bench_rmtree (workdir);
  return 0;
}
