/* test-setup.c: the first-run setup page against a real server, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-setup"

#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "hc-store.h"
#include "hc-sync-engine.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

static HcTestServer server;

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
  HcSetupPage *page;
} Fixture;

static gboolean
shows_setup (gpointer data)
{
  return g_strcmp0 (_hc_window_get_main_state (data), "setup") == 0;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = hc_test_tmpdir ("hc-test-setup");
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
  /* an empty store that never logged in: the first run */
  hc_test_ui_wait_until (f->window, shows_setup, "showing the setup page");
  f->page = _hc_window_get_setup_page (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  hc_test_ui_remove_dir (f->dir);
  g_free (f->dir);
}

static guint login_serial;

static gboolean
login_finished (gpointer data)
{
  return _hc_setup_page_get_serial (data) > login_serial;
}

/* Types the form and presses Enter in the password field; waits for the answer. */
static void
log_in (Fixture    *f,
        const char *url,
        const char *user,
        const char *password)
{
  gtk_editable_set_text (_hc_setup_page_get_url (f->page), url);
  gtk_editable_set_text (_hc_setup_page_get_user (f->page), user);
  gtk_editable_set_text (_hc_setup_page_get_password (f->page), password);
  login_serial = _hc_setup_page_get_serial (f->page);
  g_signal_emit_by_name (_hc_setup_page_get_password (f->page), "entry-activated");
  hc_test_ui_wait_until (f->page, login_finished, "the login");
}

static void
assert_error_contains (Fixture    *f,
                       const char *text)
{
  const char *error = _hc_setup_page_get_error (f->page);

  if (error == NULL || strstr (error, text) == NULL)
    g_error ("the setup page says “%s”, not “…%s…”", error ? error : "(nothing)", text);
}

static gboolean
is_synced (gpointer data)
{
  HcSyncEngine *engine = _hc_window_get_sync_engine (data);

  return engine != NULL && hc_sync_engine_get_state (engine) == HC_SYNC_STATE_IDLE &&
         hc_sync_engine_get_last_sync (engine) != NULL;
}

/* Untrusted certificate, unreachable server and wrong password each say what is wrong;
 * with the practice certificate and the right password the store logs in and syncs. */
static void
test_log_in (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *url = NULL;

  if (server.url == NULL)
    {
      g_test_skip ("HOUSECALL_SERVER is not set");
      return;
    }
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "setup-page");

  /* not https: said before anything is sent */
  gtk_editable_set_text (_hc_setup_page_get_url (f->page), "http://127.0.0.1:1");
  gtk_editable_set_text (_hc_setup_page_get_user (f->page), "alice");
  gtk_editable_set_text (_hc_setup_page_get_password (f->page), "x");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "setup.log-in", NULL));
  assert_error_contains (f, "https://");

  /* the dev CA is not one the system trusts */
  log_in (f, server.url, "alice", HC_TEST_UI_PASSWORD);
  assert_error_contains (f, "does not trust the server’s certificate");
  hc_test_ui_save_screenshots (GTK_WIDGET (f->window), "setup-page-untrusted");

  /* nothing listens on port 1 */
  _hc_setup_page_set_ca_file (f->page, server.ca_file);
  log_in (f, "https://127.0.0.1:1", "alice", HC_TEST_UI_PASSWORD);
  assert_error_contains (f, "No server answers at this address");

  log_in (f, server.url, "alice", "not the password");
  assert_error_contains (f, "The user name or the password is wrong");
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "setup");

  log_in (f, server.url, "alice", HC_TEST_UI_PASSWORD);
  g_assert_null (_hc_setup_page_get_error (f->page));
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "patients");
  /* the password does not stay in the form */
  g_assert_cmpstr (gtk_editable_get_text (_hc_setup_page_get_password (f->page)), ==, "");
  hc_test_ui_wait_until (f->window, is_synced, "the first sync after logging in");
  url = hc_store_get_sync_value_sync (f->store, "server_url", NULL, NULL);
  g_assert_cmpstr (url, ==, server.url);
}

/* Work Offline: the patient list, without a server. */
static void
test_work_offline (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "setup.skip", NULL));
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "patients");
  g_assert_null (_hc_window_get_sync_engine (f->window));
  /* the main menu brings the page back */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "sync.log-in", NULL));
  hc_test_ui_wait_until (f->window, shows_setup, "showing the setup page again");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  hc_test_ui_server_setup (&server, "hc-test-setup-server");

  g_test_add ("/hc/ui/setup/log-in", Fixture, NULL, fixture_setup, test_log_in,
              fixture_teardown);
  g_test_add ("/hc/ui/setup/work-offline", Fixture, NULL, fixture_setup, test_work_offline,
              fixture_teardown);

  status = g_test_run ();
  if (server.url != NULL)
    hc_test_server_stop (&server);
  hc_test_server_clear (&server);
  return status;
}
