/* test-translation.c: the app in German (LANGUAGE=de), from the translations built in the tree
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-translation"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>
#include <adwaita.h>

#include "hc-record-text.h"
#include "hc-store.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

/* Every label's text under @widget, one per line. */
static void
collect_labels (GtkWidget *widget,
                GString   *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, text);
}

static void
assert_shows (GtkWidget  *widget,
              const char *text)
{
  g_autoptr(GString) labels = g_string_new (NULL);

  collect_labels (widget, labels);
  if (strstr (labels->str, text) == NULL)
    g_error ("“%s” is not shown; the labels are:\n%s", text, labels->str);
}

static gboolean
shows_setup (gpointer data)
{
  return g_strcmp0 (_hc_window_get_main_state (data), "setup") == 0;
}

static gboolean
is_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The unlock page, the first-run page and the preferences speak German. */
static void
test_german (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("hc-test-translation");
  HcStore *store;
  HcWindow *window;
  GtkWidget *preferences;

  g_assert_cmpstr (_("Sync Conflicts"), ==, "Abgleichkonflikte");
  g_assert_cmpstr (hc_record_text_kind ("AllergyIntolerance"), ==, "Allergie");

  window = g_object_ref (hc_window_new_locked (NULL, dir));
  gtk_window_present (GTK_WINDOW (window));
  hc_test_ui_wait_until (window, is_drawn, "showing the window");
  assert_shows (GTK_WIDGET (window), "Housecall ist gesperrt");
  gtk_window_destroy (GTK_WINDOW (window));
  hc_test_ui_wait_finalized (window);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  window = g_object_ref (hc_window_new (NULL, store));
  gtk_window_present (GTK_WINDOW (window));
  hc_test_ui_wait_until (window, shows_setup, "showing the setup page");
  assert_shows (GTK_WIDGET (window), "Mit dem Praxisserver verbinden");
  assert_shows (GTK_WIDGET (window), "Serveradresse");
  assert_shows (GTK_WIDGET (window), "Offline arbeiten");
  hc_test_ui_save_screenshot (GTK_WIDGET (window), "setup-page-de");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = _hc_window_get_preferences (window);
  hc_test_ui_wait_until (preferences, is_drawn, "showing the preferences");
  assert_shows (preferences, "Bei Inaktivität sperren");
  assert_shows (preferences, "Praxisserver");
  hc_test_ui_save_screenshot (preferences, "preferences-de");

  gtk_window_destroy (GTK_WINDOW (window));
  hc_test_ui_wait_finalized (window);
  hc_test_ui_wait_finalized (store);
  hc_test_ui_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* German through LANGUAGE, as a German desktop session would set it; C.UTF-8 is the one
   * locale every machine has (LANGUAGE is ignored under plain C) */
  g_setenv ("LANGUAGE", "de", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, HC_BUILD_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/hc/ui/translation/german", test_german);
  return g_test_run ();
}
