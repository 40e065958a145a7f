/* test-preferences.c: the preferences window, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-preferences"

#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "hc-preferences-window.h"
#include "hc-store.h"
#include "hc-sync-engine.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

static HcTestServer server;

typedef struct
{
  char      *dir;
  HcStore   *store;
  HcWindow  *window;
  GSettings *settings;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = hc_test_tmpdir ("hc-test-preferences");
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  /* charts made here: no first-run page */
  hc_test_ui_put (f->store, "{\"resourceType\":\"Patient\",\"id\":\"p-1\","
                            " \"name\":[{\"family\":\"Berg\",\"given\":[\"Anna\"]}]}");
  if (data != NULL)
    hc_test_ui_log_in (f->store, &server);
  f->settings = g_settings_new (APP_ID);
  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_settings_reset (f->settings, "color-scheme");
  g_settings_reset (f->settings, "auto-lock-minutes");
  g_settings_reset (f->settings, "sync-interval-minutes");
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  g_clear_object (&f->settings);
  hc_test_ui_remove_dir (f->dir);
  g_free (f->dir);
}

static guint load_serial;

static gboolean
account_loaded (gpointer data)
{
  return _hc_preferences_window_get_serial (data) > load_serial;
}

static HcPreferencesWindow *
open_preferences (Fixture *f)
{
  HcPreferencesWindow *preferences;

  /* Ctrl+comma */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.preferences", NULL));
  preferences = HC_PREFERENCES_WINDOW (_hc_window_get_preferences (f->window));
  g_assert_nonnull (preferences);
  load_serial = 0;
  hc_test_ui_wait_until (preferences, account_loaded, "loading the server and user");
  return preferences;
}

/* Auto-lock and style change the settings and the window at once; no server: "Not
 * connected". */
static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  HcPreferencesWindow *preferences = open_preferences (f);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *scheme = NULL;

  g_assert_cmpstr (_hc_preferences_window_get_server (preferences), ==, "Not connected");
  hc_test_ui_save_screenshot (GTK_WIDGET (preferences), "preferences-light");

  gtk_spin_button_set_value (_hc_preferences_window_get_auto_lock (preferences), 12);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "auto-lock-minutes"), ==, 12);
  g_assert_cmpuint (_hc_window_get_auto_lock_ms (f->window), ==, 12 * 60 * 1000);

  gtk_spin_button_set_value (_hc_preferences_window_get_interval (preferences), 15);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "sync-interval-minutes"), ==, 15);

  adw_combo_row_set_selected (_hc_preferences_window_get_style_row (preferences), 2);
  scheme = g_settings_get_string (f->settings, "color-scheme");
  g_assert_cmpstr (scheme, ==, "dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));
  hc_test_ui_save_screenshot (GTK_WIDGET (preferences), "preferences-dark");

  adw_combo_row_set_selected (_hc_preferences_window_get_style_row (preferences), 1);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_LIGHT);
  adw_combo_row_set_selected (_hc_preferences_window_get_style_row (preferences), 0);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);

  /* locking closes it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "store.lock", NULL));
  g_assert_null (_hc_window_get_preferences (f->window));
}

static gboolean
is_synced (gpointer data)
{
  HcSyncEngine *engine = _hc_window_get_sync_engine (data);

  return engine != NULL && hc_sync_engine_get_state (engine) == HC_SYNC_STATE_IDLE &&
         hc_sync_engine_get_pending_count (engine) == 0;
}

static gboolean
is_logged_out (gpointer data)
{
  HcSyncEngine *engine = _hc_window_get_sync_engine (data);

  return hc_sync_engine_get_state (engine) == HC_SYNC_STATE_LOGGED_OUT;
}

/* The server and user show; Sign Out (confirmed) revokes the login and syncing stops. */
static void
test_sign_out (Fixture       *f,
               gconstpointer  data)
{
  HcPreferencesWindow *preferences;
  g_autofree char *token = NULL;
  GtkWidget *confirmation;
  HcSyncEngine *engine;
  HcSyncStats stats;
  g_autoptr(GError) error = NULL;

  hc_test_ui_wait_until (f->window, is_synced, "the first sync");
  preferences = open_preferences (f);
  g_assert_cmpstr (_hc_preferences_window_get_server (preferences), ==, server.url);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preferences), "preferences.sign-out",
                                             NULL));
  confirmation = _hc_preferences_window_get_confirmation (preferences);
  g_assert_nonnull (confirmation);
  hc_test_ui_save_screenshot (confirmation, "preferences-sign-out");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirmation), "sign-out");
  hc_test_ui_wait_until (f->window, is_logged_out, "the sync that finds the login gone");
  g_assert_cmpstr (_hc_window_get_sync_label (f->window), ==, "Not Logged In");
  token = hc_store_get_sync_value_sync (f->store, "refresh_token", NULL, NULL);
  g_assert_null (token);

  /* the server revoked it too: a sync with the old engine cannot go on */
  engine = _hc_window_get_sync_engine (f->window);
  g_assert_false (hc_sync_engine_sync_sync (engine, &stats, NULL, &error));
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  hc_test_ui_server_setup (&server, "hc-test-preferences-server");

  g_test_add ("/hc/ui/preferences/settings", Fixture, NULL, fixture_setup, test_settings,
              fixture_teardown);
  if (server.url != NULL)
    g_test_add ("/hc/ui/preferences/sign-out", Fixture, &server, fixture_setup, test_sign_out,
                fixture_teardown);

  status = g_test_run ();
  if (server.url != NULL)
    hc_test_server_stop (&server);
  hc_test_server_clear (&server);
  return status;
}
