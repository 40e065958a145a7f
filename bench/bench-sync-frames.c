/* bench-sync-frames.c: the UI thread while the sync engine pulls 20,000 resources
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-sync-frames [PATIENTS] [IDLE_SECONDS]     (default 500 patients, about 20,000
 *                                                    resources; 5 s)
 *
 * A real housecall-server with a dev certificate holds a small demo panel (20 patients); a
 * client store logs in and pulls it. Then a real HcWindow (under Xvfb from meson) opens on that
 * store, its own sync engine started, showing the chart of the first patient. Measured twice:
 * the window idle for IDLE_SECONDS (the baseline), then while the window's sync engine pulls a
 * second demo panel of PATIENTS patients the server imported meanwhile (about 40 resources
 * each), until that sync finishes. Two probes of the main loop run throughout: a tick callback
 * on the window (the frame clock's ticks; at 60 Hz a gap over 16.7 ms is a dropped frame) and
 * a 1 ms timeout (how late it runs is how long the loop was busy). Reported: the longest and
 * the 99th percentile stall of each, in ms; and, from the UI thread's /proc schedstat, the part
 * of each stall it did not spend waiting for a CPU (the machine is shared: a runnable thread
 * can wait tens of ms), with the longest stall split into CPU, run-queue wait and blocked.
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <adwaita.h>

#include "hc-bench.h"
#include "hc-chart-view-private.h"
#include "hc-sync-engine.h"
#include "hc-window-private.h"

typedef struct
{
  gboolean on;
  gint64   last_tick;
  gint64   last_timeout;
  GArray  *tick_gaps;       /* ms between frame-clock ticks */
  GArray  *timeout_late;    /* ms a 1 ms timeout ran late */
  GArray  *busy;            /* of each lateness: ms the UI thread ran or slept (not waited
                             * for a CPU the machine's other work held) */
  GArray  *frame_cpu;       /* ms of CPU the UI thread spent in each painted frame */
  guint64  frame_cpu_start;
  guint64  last_cpu_ns;
  guint64  last_wait_ns;
  double   worst_late;
  double   worst_cpu;       /* the longest stall: ms on the CPU, waiting for one, blocked */
  double   worst_wait;
  double   worst_blocked;
} Probe;

/* The calling thread's time on a CPU and waiting in the run queue for one, in ns (Linux). */
static void
read_schedstat (guint64 *cpu_ns,
                guint64 *wait_ns)
{
  g_autofree char *text = NULL;
  char *end = NULL;

  *cpu_ns = *wait_ns = 0;
  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    return;
  *cpu_ns = g_ascii_strtoull (text, &end, 10);
  *wait_ns = g_ascii_strtoull (end, NULL, 10);
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Probe         *probe)
{
  guint64 wait_ns;

  read_schedstat (&probe->frame_cpu_start, &wait_ns);
}

static void
after_paint_cb (GdkFrameClock *clock,
                Probe         *probe)
{
  guint64 cpu_ns, wait_ns;
  double ms;

  read_schedstat (&cpu_ns, &wait_ns);
  ms = (cpu_ns - probe->frame_cpu_start) / 1e6;
  if (probe->on && probe->frame_cpu_start != 0)
    g_array_append_val (probe->frame_cpu, ms);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  if (probe->on && probe->last_tick != 0)
    {
      double gap = (now - probe->last_tick) / 1000.0;
      g_array_append_val (probe->tick_gaps, gap);
    }
  probe->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 cpu_ns, wait_ns;

  read_schedstat (&cpu_ns, &wait_ns);
  if (probe->on && probe->last_timeout != 0)
    {
      double late = MAX (0, (now - probe->last_timeout) / 1000.0 - 1.0);
      double cpu = (cpu_ns - probe->last_cpu_ns) / 1e6;
      double wait = (wait_ns - probe->last_wait_ns) / 1e6;
      double busy = MAX (0, late - wait);

      if (late > probe->worst_late)
        {
          probe->worst_late = late;
          probe->worst_cpu = cpu;
          probe->worst_wait = wait;
          probe->worst_blocked = MAX (0, late + 1.0 - cpu - wait);
        }
      g_array_append_val (probe->timeout_late, late);
      g_array_append_val (probe->busy, busy);
    }
  probe->last_timeout = now;
  probe->last_cpu_ns = cpu_ns;
  probe->last_wait_ns = wait_ns;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  g_clear_pointer (&probe->tick_gaps, g_array_unref);
  g_clear_pointer (&probe->timeout_late, g_array_unref);
  g_clear_pointer (&probe->busy, g_array_unref);
  g_clear_pointer (&probe->frame_cpu, g_array_unref);
  probe->frame_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  probe->frame_cpu_start = 0;
  probe->tick_gaps = g_array_new (FALSE, FALSE, sizeof (double));
  probe->timeout_late = g_array_new (FALSE, FALSE, sizeof (double));
  probe->busy = g_array_new (FALSE, FALSE, sizeof (double));
  probe->worst_late = probe->worst_cpu = probe->worst_wait = probe->worst_blocked = 0;
  probe->last_tick = probe->last_timeout = 0;
  probe->on = TRUE;
}

static void
synced_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HcSyncStats *stats = user_data;
  g_autoptr(GError) error = NULL;

  if (!hc_sync_engine_sync_finish (HC_SYNC_ENGINE (source), result, stats, &error))
    g_error ("the sync failed: %s", error->message);
  stats->requests = MAX (stats->requests, 1);   /* done */
}

/* One sync by the window's engine, the main loop running; returns its stats. */
static HcSyncStats
sync_and_wait (HcSyncEngine *engine)
{
  HcSyncStats stats = { 0 };

  hc_sync_engine_sync_async (engine, NULL, synced_cb, &stats);
  while (stats.requests == 0)
    g_main_context_iteration (NULL, TRUE);
  return stats;
}

static gint64
live_resources (HcStore *store)
{
  HcStoreStatus status = { 0 };
  gint64 n;

  if (!hc_store_get_status_sync (store, &status, NULL, NULL))
    g_error ("cannot read the store's status");
  n = status.resources;
  hc_store_status_clear (&status);
  return n;
}

static void
report_probe (JsonObject *result,
              const char *prefix,
              Probe      *probe,
              double      seconds)
{
  g_autofree char *tick_max = g_strconcat (prefix, "_frame_gap_max_ms", NULL);
  g_autofree char *tick_p99 = g_strconcat (prefix, "_frame_gap_p99_ms", NULL);
  g_autofree char *late_max = g_strconcat (prefix, "_stall_max_ms", NULL);
  g_autofree char *late_p99 = g_strconcat (prefix, "_stall_p99_ms", NULL);
  g_autofree char *busy_max = g_strconcat (prefix, "_stall_not_waiting_max_ms", NULL);
  g_autofree char *busy_p99 = g_strconcat (prefix, "_stall_not_waiting_p99_ms", NULL);
  g_autofree char *worst = g_strconcat (prefix, "_worst_stall_cpu_wait_blocked_ms", NULL);
  g_autofree char *ticks = g_strconcat (prefix, "_frames", NULL);
  g_autofree char *painted = g_strconcat (prefix, "_painted_frames", NULL);
  g_autofree char *frame_max = g_strconcat (prefix, "_frame_cpu_max_ms", NULL);
  g_autofree char *frame_p50 = g_strconcat (prefix, "_frame_cpu_p50_ms", NULL);
  JsonArray *parts = json_array_new ();
  g_autofree char *secs = g_strconcat (prefix, "_seconds", NULL);

  json_object_set_double_member (result, tick_max, hc_bench_percentile (probe->tick_gaps, 100));
  json_object_set_double_member (result, tick_p99, hc_bench_percentile (probe->tick_gaps, 99));
  json_object_set_double_member (result, late_max, hc_bench_percentile (probe->timeout_late, 100));
  json_object_set_double_member (result, late_p99, hc_bench_percentile (probe->timeout_late, 99));
  json_object_set_double_member (result, busy_max, hc_bench_percentile (probe->busy, 100));
  json_object_set_double_member (result, busy_p99, hc_bench_percentile (probe->busy, 99));
  json_array_add_double_element (parts, probe->worst_cpu);
  json_array_add_double_element (parts, probe->worst_wait);
  json_array_add_double_element (parts, probe->worst_blocked);
  json_object_set_array_member (result, worst, parts);
  json_object_set_int_member (result, ticks, probe->tick_gaps->len);
  json_object_set_int_member (result, painted, probe->frame_cpu->len);
  json_object_set_double_member (result, frame_max, hc_bench_percentile (probe->frame_cpu, 100));
  json_object_set_double_member (result, frame_p50, hc_bench_percentile (probe->frame_cpu, 50));
  json_object_set_double_member (result, secs, seconds);
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 500;
  double idle_seconds = argc > 2 ? g_ascii_strtod (argv[2], NULL) : 5;
  const char *server_bin = g_getenv ("HOUSECALL_SERVER");
  const char *cli_bin = g_getenv ("HOUSECALL_CLI");
  g_autofree char *dir = hc_bench_workdir ("sync-frames");
  g_autofree char *n = g_strdup_printf ("%u", patients);
  g_autofree char *ca_path = g_build_filename (dir, "certs", "ca.pem", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "client", NULL);
  g_autofree char *base = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GListModel) first = NULL;
  g_autoptr(HcPatient) patient = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  Probe probe = { 0 };
  HcSyncEngine *engine;
  HcSyncStats stats;
  HcWindow *window;
  HcChartView *chart;
  gint64 t0, before;
  guint timeout_id, serial, searches;
  double idle_s, sync_s, load;

  if (server_bin == NULL || cli_bin == NULL)
    g_error ("set HOUSECALL_SERVER and HOUSECALL_CLI (meson test --benchmark does)");

  /* the server: a small panel now, the big one later (another seed: other patients) */
  hc_bench_run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", "20", "--seed",
                                               "5", "--date", "2026-11-27", "--out",
                                               "small.ndjson", NULL });
  hc_bench_run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", n, "--seed",
                                               "6", "--date", "2026-11-27", "--out",
                                               "big.ndjson", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "dev-cert", "--out", "certs", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "init-db", "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "user", "add", "bench", "--role",
                                               "physician", "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "import", "small.ndjson", "--db",
                                               "server.db", NULL });
  server = hc_bench_start_server (dir, server_bin, &base);

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* the client: logged in, the small panel pulled */
  store = hc_store_open_sync (store_dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("cannot open the store: %s", error->message);
  if (!hc_sync_login_sync (store, base, "bench", HC_BENCH_PASSWORD, ca_path, NULL, &error))
    g_error ("login failed: %s", error->message);
  {
    g_autoptr(HcSyncEngine) setup = hc_sync_engine_new (store);

    if (!hc_sync_engine_sync_sync (setup, &stats, NULL, &error))
      g_error ("the first sync failed: %s", error->message);
  }

  /* the window, on the first patient's chart, its engine started and up to date */
  window = hc_window_new (NULL, store);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)) || _hc_window_get_sync_engine (window) == NULL)
    g_main_context_iteration (NULL, TRUE);
  engine = _hc_window_get_sync_engine (window);
  sync_and_wait (engine);
  first = hc_store_search_patients_sync (store, "", 1, NULL, &error);
  if (first == NULL || g_list_model_get_n_items (first) == 0)
    g_error ("no patient to open");
  patient = g_list_model_get_item (first, 0);
  chart = _hc_window_get_chart_view (window);
  serial = _hc_chart_view_get_load_serial (chart);
  hc_window_open_patient (window, patient);
  while (_hc_chart_view_get_load_serial (chart) == serial)
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), tick_cb, &probe, NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "before-paint",
                    G_CALLBACK (before_paint_cb), &probe);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (after_paint_cb), &probe);
  timeout_id = g_timeout_add (1, timeout_cb, &probe);

  /* the baseline: the same window idle */
  probe_start (&probe);
  t0 = g_get_monotonic_time ();
  while (g_get_monotonic_time () - t0 < idle_seconds * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  idle_s = (g_get_monotonic_time () - t0) / 1e6;
  probe.on = FALSE;
  report_probe (result, "idle", &probe, idle_s);

  /* the server takes the big panel (from another process, as a colleague's import would) */
  hc_bench_run (dir, (const char * const []) { server_bin, "import", "big.ndjson", "--db",
                                               "server.db", NULL });
  before = live_resources (store);
  serial = _hc_chart_view_get_load_serial (chart);
  searches = _hc_window_get_search_serial (window);
  probe_start (&probe);
  t0 = g_get_monotonic_time ();
  stats = sync_and_wait (engine);
  sync_s = (g_get_monotonic_time () - t0) / 1e6;
  probe.on = FALSE;
  report_probe (result, "sync", &probe, sync_s);
  load = hc_bench_load_average ();

  json_object_set_int_member (result, "chart_reloads", _hc_chart_view_get_load_serial (chart) - serial);
  json_object_set_int_member (result, "list_searches", _hc_window_get_search_serial (window) - searches);
  json_object_set_int_member (result, "pulled", stats.pulled);
  json_object_set_int_member (result, "pages", stats.pages);
  json_object_set_int_member (result, "new_resources", live_resources (store) - before);
  json_object_set_double_member (result, "load_average_1min", load);
  json_object_set_double_member (result, "target_stall_ms", 1000.0 / 60);
#define FIGURE(name) json_object_get_double_member (result, name)
  {
    JsonArray *worst = json_object_get_array_member (result, "sync_worst_stall_cpu_wait_blocked_ms");

    line = g_strdup_printf ("bench-sync-frames: a sync pulling %u resources (%u pages, %.1f s) "
                            "under an open chart: longest main-loop stall %.1f ms, p99 %.1f ms "
                            "(of that not waiting for a CPU: max %.1f ms, p99 %.1f; the longest "
                            "%.1f ms on the CPU, %.1f waiting for one, %.1f blocked); frame gap "
                            "max %.1f ms, p99 %.1f (target: no stall over one frame, 16.7 ms); "
                            "%d frames painted, CPU a frame p50 %.1f ms, max %.1f; "
                            "idle window: stall max %.1f ms, p99 %.1f (not waiting max %.1f), "
                            "frame gap max %.1f ms, %d frames painted; load %.1f",
                            stats.pulled, stats.pages, sync_s, FIGURE ("sync_stall_max_ms"),
                            FIGURE ("sync_stall_p99_ms"), FIGURE ("sync_stall_not_waiting_max_ms"),
                            FIGURE ("sync_stall_not_waiting_p99_ms"),
                            json_array_get_double_element (worst, 0),
                            json_array_get_double_element (worst, 1),
                            json_array_get_double_element (worst, 2),
                            FIGURE ("sync_frame_gap_max_ms"), FIGURE ("sync_frame_gap_p99_ms"),
                            (int) json_object_get_int_member (result, "sync_painted_frames"),
                            FIGURE ("sync_frame_cpu_p50_ms"), FIGURE ("sync_frame_cpu_max_ms"),
                            FIGURE ("idle_stall_max_ms"), FIGURE ("idle_stall_p99_ms"),
                            FIGURE ("idle_stall_not_waiting_max_ms"),
                            FIGURE ("idle_frame_gap_max_ms"),
                            (int) json_object_get_int_member (result, "idle_painted_frames"), load);
  }
#undef FIGURE
  hc_bench_report ("bench-sync-frames", result, line);

  g_source_remove (timeout_id);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&store);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  g_clear_pointer (&probe.tick_gaps, g_array_unref);
  g_clear_pointer (&probe.timeout_late, g_array_unref);
  g_clear_pointer (&probe.busy, g_array_unref);
  g_clear_pointer (&probe.frame_cpu, g_array_unref);
  hc_bench_rmtree (dir);
  return 0;
}
