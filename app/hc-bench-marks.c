/* hc-bench-marks.c: start-up marks for bench/bench-startup, off unless asked for
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application itself does not change with the variable set: the marks only watch the
 * windows' frame clocks and read the state tests read (hc-window-private.h).
 */

#define G_LOG_DOMAIN "hc-bench-marks"

#include "config.h"

#include "hc-bench-marks.h"
#include "hc-window-private.h"

enum
{
  MARKS_UNKNOWN,
  MARKS_OFF,
  MARKS_ON,
  MARKS_EXIT,
};

static int marks_mode = MARKS_UNKNOWN;
static gboolean marked_first_frame;
static gboolean marked_locked_frame;
static gboolean marked_interactive;

static int
mode (void)
{
  if (marks_mode == MARKS_UNKNOWN)
    {
      const char *value = g_getenv ("HOUSECALL_BENCH_MARKS");

      if (value == NULL || *value == '\0')
        marks_mode = MARKS_OFF;
      else
        marks_mode = g_str_equal (value, "exit") ? MARKS_EXIT : MARKS_ON;
    }
  return marks_mode;
}

void
hc_bench_mark (const char *name)
{
  if (mode () == MARKS_OFF)
    return;
  g_print ("housecall-mark %s %" G_GINT64_FORMAT "\n", name, g_get_monotonic_time ());
  fflush (stdout);
}

/* The unlocked patient list with the first search's results, the search field focused. */
static gboolean
is_interactive (HcWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *entry = GTK_WIDGET (_hc_window_get_search_entry (window));

  return g_strcmp0 (_hc_window_get_main_state (window), "patients") == 0 &&
         _hc_window_get_search_serial (window) > 0 &&
         g_strcmp0 (_hc_window_get_list_state (window), "list") == 0 &&
         g_list_model_get_n_items (_hc_window_get_results (window)) > 0 &&
         focus != NULL && (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

/* What a user does on the unlock page: the passphrase typed, then Enter. */
static gboolean
unlock_cb (gpointer data)
{
  HcWindow *window = data;

  gtk_editable_set_text (_hc_window_get_passphrase_entry (window),
                         g_getenv ("HOUSECALL_BENCH_UNLOCK"));
  hc_bench_mark ("unlock");
  gtk_widget_activate_action (GTK_WIDGET (window), "store.unlock", NULL);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                GtkWindow     *window)
{
  gboolean done = FALSE;

  if (!marked_first_frame)
    {
      marked_first_frame = TRUE;
      hc_bench_mark ("first-frame");
    }
  if (!HC_IS_WINDOW (window))
    return;
  if (!marked_locked_frame &&
      g_strcmp0 (_hc_window_get_main_state (HC_WINDOW (window)), "locked") == 0)
    {
      marked_locked_frame = TRUE;
      hc_bench_mark ("locked-frame");
      if (g_getenv ("HOUSECALL_BENCH_UNLOCK") != NULL)
        g_idle_add_full (G_PRIORITY_DEFAULT, unlock_cb, g_object_ref (window), g_object_unref);
      else
        done = TRUE;
    }
  if (!marked_interactive && is_interactive (HC_WINDOW (window)))
    {
      marked_interactive = done = TRUE;
      hc_bench_mark ("interactive");
    }
  if (done && mode () == MARKS_EXIT)
    g_application_quit (G_APPLICATION (gtk_window_get_application (window)));
}

static void
realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (after_paint_cb), window, 0);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window)
{
  static gboolean marked_window;

  if (!marked_window)
    {
      marked_window = TRUE;
      hc_bench_mark ("window");
    }
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    realize_cb (GTK_WIDGET (window));
  else
    g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
}

static void
activate_cb (GApplication *app)
{
  hc_bench_mark ("activate");
}

void
hc_bench_marks_install (GtkApplication *app)
{
  if (mode () == MARKS_OFF)
    return;
  /* before the class handler, which starts opening the store */
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
}
