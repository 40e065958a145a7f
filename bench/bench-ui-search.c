/* bench-ui-search.c: a keystroke in the patient search to the list painted, at 100,000 patients
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-ui-search [PATIENTS] [QUERIES]     (default 100000 patients, 24 queries)
 *
 * A real HcWindow on the cached encrypted store of PATIENTS demo patients (hc-bench-store.c),
 * under Xvfb from meson. Realistic queries (a family name and the start of the given name, the
 * start of a family name, a birth date, an MRN, from patients sampled across the store) are
 * typed one character at a time into the search field, the way GtkText inserts a typed
 * character (gtk_editable_insert_text at the cursor); the field is cleared between queries.
 * Measured for each keystroke: the insertion to the first frame painted after the list model
 * holds that text's results (the window's completed query is the field's text), with the
 * phases: keystroke to GtkSearchEntry::search-changed, to the window holding the results (its
 * search callback has run), to the frame painted; and that frame's own work (the frame clock's
 * before-paint to after-paint: the rest is waiting for the frame's turn, at most one refresh). Each keystroke waits for its frame before the next one. Baseline in
 * the same run, after each keystroke: the same text through hc_store_search_patients_async()
 * alone (the window's limit, the store thread hop included), what the window cannot beat.
 */

#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <adwaita.h>

#include "hc-bench.h"
#include "hc-bench-store.h"
#include "hc-crypt.h"
#include "hc-store-private.h"
#include "hc-window-private.h"

typedef struct
{
  HcWindow *window;
  gint64    typed;          /* when the keystroke went in */
  gint64    changed;        /* search-changed */
  gint64    updated;        /* the window has the results (checked after each dispatch) */
  gint64    painted;        /* the first frame with the results */
  gint64    frame_start;    /* when the frame clock began the latest frame */
  gint64    frame_work;     /* µs from its start to its paint, for that first frame */
  double    frame_cpu_start;
  double    frame_cpu;      /* the UI thread's CPU seconds in that frame */
  guint     frames;         /* frames painted since the keystroke, that one included */
  guint     serial;         /* the window's search serial before the keystroke */
  const char *expect;       /* the field's text after the keystroke */
} Probe;

static void
search_changed_cb (GtkSearchEntry *entry,
                   Probe          *probe)
{
  if (probe->changed == 0)
    probe->changed = g_get_monotonic_time ();
}

static gboolean
results_shown (Probe *probe)
{
  return _hc_window_get_search_serial (probe->window) > probe->serial &&
         g_strcmp0 (_hc_window_get_completed_query (probe->window), probe->expect) == 0;
}

/* CPU seconds of the calling thread: what the machine's load does not inflate */
static double
thread_cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Probe         *probe)
{
  probe->frame_start = g_get_monotonic_time ();
  probe->frame_cpu_start = thread_cpu_now ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                Probe         *probe)
{
  if (probe->painted == 0)
    probe->frames++;
  if (probe->painted == 0 && probe->expect != NULL && results_shown (probe))
    {
      probe->painted = g_get_monotonic_time ();
      probe->frame_work = probe->painted - probe->frame_start;
      probe->frame_cpu = thread_cpu_now () - probe->frame_cpu_start;
      if (probe->updated == 0)
        probe->updated = probe->painted;
    }
}

static void
searched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GListModel) model = hc_store_search_patients_finish (HC_STORE (source), result, NULL);

  if (model == NULL)
    g_error ("the store's search failed");
  *(gint64 *) user_data = g_get_monotonic_time ();
}

/* the store alone: the same search the window makes, from the main thread and back */
static double
store_search_ms (HcStore    *store,
                 const char *text)
{
  gint64 start = g_get_monotonic_time (), done = 0;

  hc_store_search_patients_async (store, text, 0, NULL, searched_cb, &done);
  while (done == 0)
    g_main_context_iteration (NULL, TRUE);
  return (done - start) / 1000.0;
}

/* Sets the field's text (or types one character at its end) and waits for the frame that
 * shows the results. */
static void
edit_and_wait (Probe       *probe,
               GtkEditable *entry,
               const char  *append,
               const char  *expect)
{
  if (append == NULL && g_strcmp0 (gtk_editable_get_text (entry), expect) == 0)
    return;
  probe->serial = _hc_window_get_search_serial (probe->window);
  probe->expect = expect;
  probe->changed = probe->updated = probe->painted = 0;
  probe->frames = 0;
  probe->typed = g_get_monotonic_time ();
  if (append == NULL)
    gtk_editable_set_text (entry, expect);
  else
    {
      int position = gtk_editable_get_position (entry);

      gtk_editable_insert_text (entry, append, -1, &position);
      gtk_editable_set_position (entry, position);
    }
  while (probe->painted == 0)
    {
      g_main_context_iteration (NULL, TRUE);
      if (probe->updated == 0 && results_shown (probe))
        probe->updated = g_get_monotonic_time ();
    }
  /* let what the frame queued settle before the next keystroke */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Typed queries from patients spread over the store. */
static GPtrArray *
sample_queries (const char *store_dir,
                guint       n)
{
  GPtrArray *queries = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = _hc_store_open_db (store_dir, HC_BENCH_PASSPHRASE, SQLITE_OPEN_READONLY, NULL);
  sqlite3_stmt *stmt;

  if (db == NULL)
    g_error ("cannot read the store");
  sqlite3_prepare_v2 (db, "SELECT family, given, birth_date, mrn FROM patient "
                          "WHERE family IS NOT NULL AND given IS NOT NULL "
                          "AND birth_date IS NOT NULL AND mrn IS NOT NULL "
                          "ORDER BY (rid * 2654435761) % 1000003 LIMIT ?", -1, &stmt, NULL);
  sqlite3_bind_int (stmt, 1, n);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *family = (const char *) sqlite3_column_text (stmt, 0);
      const char *given = (const char *) sqlite3_column_text (stmt, 1);
      g_autofree char *g2 = g_utf8_substring (given, 0, MIN (2, g_utf8_strlen (given, -1)));
      g_autofree char *f4 = g_utf8_substring (family, 0, MIN (4, g_utf8_strlen (family, -1)));

      switch (queries->len % 4)
        {
        case 0:
          g_ptr_array_add (queries, g_strdup_printf ("%s %s", family, g2));
          break;
        case 1:
          g_ptr_array_add (queries, g_strdup (f4));
          break;
        case 2:
          g_ptr_array_add (queries, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
          break;
        default:
          g_ptr_array_add (queries, g_strdup ((const char *) sqlite3_column_text (stmt, 3)));
          break;
        }
    }
  sqlite3_finalize (stmt);
  hc_crypt_db_close (db);
  return queries;
}

static double
ms (gint64 from,
    gint64 to)
{
  return (to - from) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint n_queries = argc > 2 ? (guint) atoi (argv[2]) : 24;
  g_autofree char *store_dir = hc_bench_patient_store (patients);
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GPtrArray) queries = sample_queries (store_dir, n_queries);
  g_autoptr(GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_changed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_updated = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_painted = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_work = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_model = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) baseline = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *line = NULL;
  Probe probe = { 0 };
  guint next_frame = 0;
  GtkEditable *entry;
  GtkWidget *window;
  double p50, p95, base50, load;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  store = hc_store_open_sync (store_dir, HC_STORE_OPEN_NONE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("cannot open the store: %s", error->message);
  window = GTK_WIDGET (hc_window_new (NULL, store));
  probe.window = HC_WINDOW (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  entry = _hc_window_get_search_entry (probe.window);
  /* the window's first search, of the empty field */
  while (!gtk_widget_get_mapped (window) || _hc_window_get_search_serial (probe.window) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "before-paint",
                    G_CALLBACK (before_paint_cb), &probe);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), &probe);
  g_signal_connect (entry, "search-changed", G_CALLBACK (search_changed_cb), &probe);
  gtk_widget_grab_focus (GTK_WIDGET (entry));

  for (guint q = 0; q < queries->len; q++)
    {
      const char *query = g_ptr_array_index (queries, q);
      const char *p = query;

      edit_and_wait (&probe, entry, NULL, "");
      while (*p != '\0')
        {
          const char *next = g_utf8_next_char (p);
          g_autofree char *typed = g_strndup (query, next - query);
          g_autofree char *character = g_strndup (p, next - p);
          double d;

          edit_and_wait (&probe, entry, character, typed);
          d = ms (probe.typed, probe.painted);
          g_array_append_val (total, d);
          d = ms (probe.typed, probe.changed);
          g_array_append_val (to_changed, d);
          d = ms (probe.changed, probe.updated);
          g_array_append_val (to_updated, d);
          d = ms (probe.typed, probe.updated);
          g_array_append_val (to_model, d);
          d = ms (probe.updated, probe.painted);
          g_array_append_val (to_painted, d);
          d = probe.frame_work / 1000.0;
          g_array_append_val (frame_work, d);
          d = probe.frame_cpu * 1000.0;
          g_array_append_val (frame_cpu, d);
          /* the typed character's echo may take the first frame: the next one is the target */
          next_frame += probe.frames <= 2;
          d = store_search_ms (store, typed);
          g_array_append_val (baseline, d);
          p = next;
        }
    }
  load = hc_bench_load_average ();

  p50 = hc_bench_percentile (total, 50);
  p95 = hc_bench_percentile (total, 95);
  base50 = hc_bench_percentile (baseline, 50);
  json_object_set_int_member (result, "patients", patients);
  json_object_set_int_member (result, "queries", queries->len);
  json_object_set_int_member (result, "keystrokes", total->len);
  json_object_set_double_member (result, "keystroke_to_paint_p50_ms", p50);
  json_object_set_double_member (result, "keystroke_to_paint_p95_ms", p95);
  json_object_set_double_member (result, "keystroke_to_paint_max_ms",
                                 hc_bench_percentile (total, 100));
  json_object_set_double_member (result, "keystroke_to_search_changed_p50_ms",
                                 hc_bench_percentile (to_changed, 50));
  json_object_set_double_member (result, "keystroke_to_model_p50_ms",
                                 hc_bench_percentile (to_model, 50));
  json_object_set_double_member (result, "keystroke_to_model_p95_ms",
                                 hc_bench_percentile (to_model, 95));
  json_object_set_double_member (result, "results_by_the_second_frame",
                                 (double) next_frame / total->len);
  json_object_set_double_member (result, "search_changed_to_model_p50_ms",
                                 hc_bench_percentile (to_updated, 50));
  json_object_set_double_member (result, "search_changed_to_model_p95_ms",
                                 hc_bench_percentile (to_updated, 95));
  json_object_set_double_member (result, "model_to_paint_p50_ms",
                                 hc_bench_percentile (to_painted, 50));
  json_object_set_double_member (result, "model_to_paint_p95_ms",
                                 hc_bench_percentile (to_painted, 95));
  json_object_set_double_member (result, "frame_work_p50_ms", hc_bench_percentile (frame_work, 50));
  json_object_set_double_member (result, "frame_work_p95_ms", hc_bench_percentile (frame_work, 95));
  json_object_set_double_member (result, "frame_cpu_p50_ms", hc_bench_percentile (frame_cpu, 50));
  json_object_set_double_member (result, "frame_cpu_p95_ms", hc_bench_percentile (frame_cpu, 95));
  json_object_set_double_member (result, "store_search_p50_ms", base50);
  json_object_set_double_member (result, "store_search_p95_ms",
                                 hc_bench_percentile (baseline, 95));
  json_object_set_double_member (result, "keystroke_over_store_search", p50 / base50);
  json_object_set_double_member (result, "keystroke_to_model_over_store_search",
                                 hc_bench_percentile (to_model, 50) / base50);
  json_object_set_double_member (result, "load_average_1min", load);
  json_object_set_double_member (result, "target_ms", 16);
  line = g_strdup_printf ("bench-ui-search: %u patients, %u keystrokes: keystroke to the list "
                          "model updated p50 %.1f ms, p95 %.1f (target < 16 ms); to the list "
                          "painted p50 %.1f ms, p95 %.1f (%.0f%% by the frame after the typed "
                          "character's own; that frame's work p50 %.1f ms, p95 %.1f, CPU p95 %.1f); p50 "
                          "phases: "
                          "to search-changed %.1f, search %.1f, to the frame %.1f; the store's "
                          "search alone p50 %.1f ms (keystroke to model x%.1f); load %.1f",
                          patients, total->len, hc_bench_percentile (to_model, 50),
                          hc_bench_percentile (to_model, 95), p50, p95,
                          100.0 * next_frame / total->len, hc_bench_percentile (frame_work, 50),
                          hc_bench_percentile (frame_work, 95), hc_bench_percentile (frame_cpu, 95),
                          hc_bench_percentile (to_changed, 50),
                          hc_bench_percentile (to_updated, 50), hc_bench_percentile (to_painted, 50),
                          base50, hc_bench_percentile (to_model, 50) / base50, load);
  hc_bench_report ("bench-ui-search", result, line);

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&store);
  return 0;
}
