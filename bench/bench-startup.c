/* bench-startup.c: cold start of the housecall app on a 100,000-patient store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-startup [PATIENTS] [ROUNDS]     (default 100000 patients, 10 rounds)
 *
 * Each round starts new processes of the real app binary ($HOUSECALL_GUI) on an encrypted
 * store of PATIENTS demo patients (built once and cached, hc-bench-store.c), under Xvfb and
 * a private session bus from meson. The app prints marks with HOUSECALL_BENCH_MARKS=exit
 * (app/hc-bench-marks.c) on the monotonic clock this process reads too, and quits after the
 * last one. Measured, from just before the exec:
 *   - to the unlock screen: the first painted frame of the window that asks for the
 *     passphrase (the app started without one), the start-up a physician waits for; then
 *     the passphrase typed and Enter (HOUSECALL_BENCH_UNLOCK) to interactive, the wait the
 *     key derivation is most of (its baseline: the store opened in this process);
 *   - to interactive, with the passphrase in HOUSECALL_PASSPHRASE (as the tests and
 *     scripts/demo.sh give it): the first painted frame of the unlocked window whose patient
 *     list holds the first search's patients, with the focus in the search field. Phases:
 *     exec to activate (process, GTK and the application's start), activate to the first
 *     window (the store opens: the passphrase's key derivation), window to interactive
 *     (building the window, the first search, layout and paint).
 * Baselines in the same rounds: a trivial AdwApplication window (this program with --hello)
 * from exec to its first painted frame, and `housecall --version` from exec to exit.
 * "Cold" means a new process each time (no instance running); the files are in the page
 * cache (dropping it would disturb the other work on the machine).
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <adwaita.h>

#include "hc-bench.h"
#include "hc-bench-store.h"

#define MARK_PREFIX "housecall-mark "

/* --hello: the baseline, an application window with a label, quit after its first frame */
static void
hello_after_paint_cb (GdkFrameClock *clock,
                      GtkWindow     *window)
{
  g_print (MARK_PREFIX "first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_application_quit (G_APPLICATION (gtk_window_get_application (window)));
}

static void
hello_realize_cb (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (hello_after_paint_cb), window);
}

static void
hello_activate_cb (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (page), "Hello");
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 600);
  g_signal_connect (window, "realize", G_CALLBACK (hello_realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static int
hello (void)
{
  g_autoptr(AdwApplication) app = adw_application_new ("org.housecall.BenchHello",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_print (MARK_PREFIX "main %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_connect (app, "activate", G_CALLBACK (hello_activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), 0, NULL);
}

/* The baseline of unlocking: opening the store in this process (the key derivation included). */
static double
store_open_ms (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = NULL;
  double start = hc_bench_now ();

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("cannot open the store: %s", error->message);
  return (hc_bench_now () - start) * 1000;
}

/* One process from exec to exit, with HOUSECALL_PASSPHRASE = @passphrase and
 * HOUSECALL_BENCH_UNLOCK = @unlock: its marks (name → ms after the exec), "exit" included. */
static GHashTable *
run (const char * const *argv,
     const char         *passphrase,
     const char         *unlock)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gint64 start;
  double *exit_ms;

  g_subprocess_launcher_setenv (launcher, "HOUSECALL_BENCH_MARKS", "exit", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  if (passphrase != NULL)
    g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSPHRASE", passphrase, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "HOUSECALL_PASSPHRASE");
  if (unlock != NULL)
    g_subprocess_launcher_setenv (launcher, "HOUSECALL_BENCH_UNLOCK", unlock, TRUE);

  start = g_get_monotonic_time ();
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error))
    g_error ("%s: %s", argv[0], error->message);
  exit_ms = g_new (double, 1);
  *exit_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_hash_table_insert (marks, g_strdup ("exit"), exit_ms);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_error ("%s did not exit cleanly", argv[0]);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      double *ms;

      if (!g_str_has_prefix (lines[i], MARK_PREFIX))
        continue;
      words = g_strsplit (lines[i] + strlen (MARK_PREFIX), " ", 2);
      if (words[0] == NULL || words[1] == NULL)
        continue;
      ms = g_new (double, 1);
      *ms = (g_ascii_strtoll (words[1], NULL, 10) - start) / 1000.0;
      g_hash_table_insert (marks, g_strdup (words[0]), ms);
    }
  return marks;
}

static double
mark (GHashTable *marks,
      const char *name)
{
  double *ms = g_hash_table_lookup (marks, name);

  if (ms == NULL)
    g_error ("the app printed no %s mark", name);
  return *ms;
}

typedef struct
{
  const char *name;
  GArray     *samples;
} Figure;

enum
{
  HELLO,
  VERSION,
  LOCKED,
  LOCKED_MAIN,
  ENTER,
  STORE_OPEN,
  INTERACTIVE,
  TO_ACTIVATE,
  OPEN,
  WINDOW,
  UNLOCK,
  N_FIGURES
};

static void
add (Figure *figures,
     guint   which,
     double  ms)
{
  g_array_append_val (figures[which].samples, ms);
}

static double
p50 (Figure *figures,
     guint   which)
{
  return hc_bench_percentile (figures[which].samples, 50);
}

int
main (int   argc,
      char *argv[])
{
  guint patients, rounds;
  const char *gui = g_getenv ("HOUSECALL_GUI");
  g_autofree char *store = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *line = NULL;
  Figure figures[N_FIGURES] = {
    [HELLO] = { "hello_first_frame" }, [VERSION] = { "version_exit" },
    [LOCKED] = { "exec_to_unlock_screen" }, [LOCKED_MAIN] = { "exec_to_main" },
    [ENTER] = { "enter_to_interactive" }, [STORE_OPEN] = { "store_open_alone" },
    [INTERACTIVE] = { "exec_to_interactive" }, [TO_ACTIVATE] = { "exec_to_activate" },
    [OPEN] = { "activate_to_window" }, [WINDOW] = { "window_to_interactive" },
    [UNLOCK] = { "activate_to_interactive" },
  };
  double first_interactive = 0, load;

  if (argc > 1 && g_str_equal (argv[1], "--hello"))
    return hello ();

  patients = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  rounds = argc > 2 ? (guint) atoi (argv[2]) : 10;
  if (gui == NULL)
    g_error ("set HOUSECALL_GUI to the housecall binary (meson test --benchmark does)");
  store = hc_bench_patient_store (patients);
  for (guint f = 0; f < N_FIGURES; f++)
    figures[f].samples = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint round = 0; round <= rounds; round++)
    {
      const char *hello_argv[] = { argv[0], "--hello", NULL };
      const char *version_argv[] = { gui, "--version", NULL };
      const char *app_argv[] = { gui, "--store", store, NULL };
      g_autoptr(GHashTable) h = run (hello_argv, NULL, NULL);
      g_autoptr(GHashTable) v = run (version_argv, NULL, NULL);
      g_autoptr(GHashTable) l = run (app_argv, NULL, HC_BENCH_PASSPHRASE);
      g_autoptr(GHashTable) i = run (app_argv, HC_BENCH_PASSPHRASE, NULL);
      double open_ms = store_open_ms (store);

      /* the first round warms the caches up: kept apart */
      if (round == 0)
        {
          first_interactive = mark (i, "interactive");
          continue;
        }
      add (figures, HELLO, mark (h, "first-frame"));
      add (figures, VERSION, mark (v, "exit"));
      add (figures, LOCKED, mark (l, "locked-frame"));
      add (figures, LOCKED_MAIN, mark (l, "main"));
      add (figures, ENTER, mark (l, "interactive") - mark (l, "unlock"));
      add (figures, STORE_OPEN, open_ms);
      add (figures, INTERACTIVE, mark (i, "interactive"));
      add (figures, TO_ACTIVATE, mark (i, "activate"));
      add (figures, OPEN, mark (i, "window") - mark (i, "activate"));
      add (figures, WINDOW, mark (i, "interactive") - mark (i, "window"));
      add (figures, UNLOCK, mark (i, "interactive") - mark (i, "activate"));
    }
  load = hc_bench_load_average ();

  json_object_set_int_member (result, "patients", patients);
  json_object_set_int_member (result, "rounds", rounds);
  for (guint f = 0; f < N_FIGURES; f++)
    {
      JsonObject *o = json_object_new ();

      json_object_set_double_member (o, "p50_ms", p50 (figures, f));
      json_object_set_double_member (o, "p90_ms", hc_bench_percentile (figures[f].samples, 90));
      json_object_set_double_member (o, "max_ms", hc_bench_percentile (figures[f].samples, 100));
      json_object_set_object_member (result, figures[f].name, o);
    }
  json_object_set_double_member (result, "first_round_exec_to_interactive_ms", first_interactive);
  json_object_set_double_member (result, "unlock_screen_over_hello",
                                 p50 (figures, LOCKED) / p50 (figures, HELLO));
  json_object_set_double_member (result, "enter_over_store_open",
                                 p50 (figures, ENTER) / p50 (figures, STORE_OPEN));
  json_object_set_double_member (result, "load_average_1min", load);
  json_object_set_double_member (result, "target_ms", 500);

  line = g_strdup_printf ("bench-startup: %u patients: exec to the unlock screen p50 %.0f ms "
                          "(p90 %.0f; target < 500 ms), a hello window %.0f ms (x%.2f), "
                          "housecall --version %.0f ms; passphrase and Enter to the patient list "
                          "p50 %.0f ms (p90 %.0f), the store's open with its key derivation alone "
                          "%.0f ms (x%.2f); with HOUSECALL_PASSPHRASE exec to interactive p50 %.0f "
                          "ms (p90 %.0f) = start %.0f + store open %.0f + window, first search and "
                          "paint %.0f; first round %.0f ms; load %.1f",
                          patients, p50 (figures, LOCKED),
                          hc_bench_percentile (figures[LOCKED].samples, 90), p50 (figures, HELLO),
                          p50 (figures, LOCKED) / p50 (figures, HELLO), p50 (figures, VERSION),
                          p50 (figures, ENTER), hc_bench_percentile (figures[ENTER].samples, 90),
                          p50 (figures, STORE_OPEN), p50 (figures, ENTER) / p50 (figures, STORE_OPEN),
                          p50 (figures, INTERACTIVE),
                          hc_bench_percentile (figures[INTERACTIVE].samples, 90),
                          p50 (figures, TO_ACTIVATE), p50 (figures, OPEN), p50 (figures, WINDOW),
                          first_interactive, load);
  hc_bench_report ("bench-startup", result, line);

  for (guint f = 0; f < N_FIGURES; f++)
    g_array_unref (figures[f].samples);
  return 0;
}
