/* test-window.c: the main window against a real store, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "hc-patient.h"
#include "hc-test-ui.h"
#include "hc-test-utils.h"
#include "hc-store.h"
#include "hc-window-private.h"

#define TIMEOUT_SECONDS HC_TEST_UI_TIMEOUT_SECONDS
#define PASSWORD HC_TEST_UI_PASSWORD

/* a housecall-server for the sync tests, when $HOUSECALL_SERVER names one */
static HcTestServer server;
static guint server_port;

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
} Fixture;

static const char *patients[] = {
  "{\"resourceType\":\"Patient\",\"id\":\"p-mueller\","
  " \"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},"
  "  \"system\":\"urn:oid:1.2.3\",\"value\":\"100200\"}],"
  " \"name\":[{\"use\":\"official\",\"family\":\"Müller\",\"given\":[\"Anna\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1961-05-04\","
  " \"telecom\":[{\"system\":\"phone\",\"value\":\"+49 30 5550101\"}]}",
  "{\"resourceType\":\"Patient\",\"id\":\"p-schmidt\","
  " \"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},"
  "  \"system\":\"urn:oid:1.2.3\",\"value\":\"100237\"}],"
  " \"name\":[{\"use\":\"official\",\"family\":\"Schmidt\",\"given\":[\"Jonas\"]}],"
  " \"gender\":\"male\",\"birthDate\":\"1983-10-10\"}",
  "{\"resourceType\":\"Patient\",\"id\":\"p-okafor\","
  " \"name\":[{\"use\":\"official\",\"family\":\"Okafor\",\"given\":[\"Chiamaka\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1998-11-16\"}",
  "{\"resourceType\":\"Patient\",\"id\":\"p-nguyen\","
  " \"name\":[{\"use\":\"official\",\"family\":\"Nguyen\",\"given\":[\"Minh\"]}],"
  " \"gender\":\"male\",\"birthDate\":\"2024-01-08\"}",
};

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until a search newer than @serial has finished. */
static void
wait_for_search (HcWindow *window,
                 guint     serial)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (_hc_window_get_search_serial (window) <= serial && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("no search finished within %d s", TIMEOUT_SECONDS);
  g_source_remove (id);
}

/* Types @text and waits until the list shows its result. (Replacing the text clears it
 * first, and GtkSearchEntry reports an empty entry at once, so an empty-query search may
 * finish before the real one.) */
static void
search_for (HcWindow   *window,
            const char *text)
{
  gboolean timed_out = FALSE;
  guint id;

  gtk_editable_set_text (_hc_window_get_search_entry (window), text);
  id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);
  while (g_strcmp0 (_hc_window_get_completed_query (window), text) != 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("the search for a query did not finish within %d s", TIMEOUT_SECONDS);
  g_source_remove (id);
}

typedef gboolean (*Predicate) (HcWindow *window);

static void
wait_until (HcWindow   *window,
            Predicate   done,
            const char *what)
{
  hc_test_ui_wait_until (window, (HcTestUiPredicate) done, what);
}

static gboolean
is_locked (HcWindow *window)
{
  return g_strcmp0 (_hc_window_get_main_state (window), "locked") == 0;
}

/* Types @passphrase into the unlock page, presses Enter and waits for the answer. */
static void
unlock_with (HcWindow   *window,
             const char *passphrase)
{
  GtkEditable *entry = _hc_window_get_passphrase_entry (window);
  guint serial = _hc_window_get_unlock_serial (window);
  gboolean timed_out = FALSE;
  guint id;

  gtk_editable_set_text (entry, passphrase);
  g_signal_emit_by_name (entry, "activate");
  id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);
  while (_hc_window_get_unlock_serial (window) == serial && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("unlocking did not finish within %d s", TIMEOUT_SECONDS);
  g_source_remove (id);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean with_patients = GPOINTER_TO_INT (data);

  f->dir = g_dir_make_tmp ("hc-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, "test passphrase", NULL, &error);
  g_assert_no_error (error);
  if (with_patients)
    for (guint i = 0; i < G_N_ELEMENTS (patients); i++)
      hc_test_ui_put (f->store, patients[i]);
  hc_test_ui_drain ();

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
  wait_for_search (f->window, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  if (f->store != NULL)
    hc_test_ui_wait_finalized (f->store);

  dir = g_dir_open (f->dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

static const char *
name_at (GListModel *model,
         guint       position)
{
  g_autoptr(HcPatient) patient = g_list_model_get_item (model, position);

  g_assert_nonnull (patient);
  /* the model keeps the patient alive */
  return hc_patient_get_display_name (patient);
}

static void
test_list_fills (Fixture       *f,
                 gconstpointer  data)
{
  GListModel *results = _hc_window_get_results (f->window);

  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 4);
  g_assert_cmpstr (_hc_window_get_list_state (f->window), ==, "list");
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "patients");
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "none");
  /* sorted by name */
  g_assert_cmpstr (name_at (results, 0), ==, "Müller, Anna");
  g_assert_cmpstr (name_at (results, 3), ==, "Schmidt, Jonas");
}

static void
test_search_filters (Fixture       *f,
                     gconstpointer  data)
{
  GListModel *results = _hc_window_get_results (f->window);
  AdwStatusPage *empty = _hc_window_get_empty_page (f->window);

  search_for (f->window, "schmi");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_cmpstr (name_at (results, 0), ==, "Schmidt, Jonas");
  g_assert_cmpstr (_hc_window_get_list_state (f->window), ==, "list");

  /* accent-insensitive, by MRN and by birth date */
  search_for (f->window, "muller");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_cmpstr (name_at (results, 0), ==, "Müller, Anna");
  search_for (f->window, "100237");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_cmpstr (name_at (results, 0), ==, "Schmidt, Jonas");
  search_for (f->window, "1998");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_cmpstr (name_at (results, 0), ==, "Okafor, Chiamaka");

  search_for (f->window, "zzzzqx");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 0);
  g_assert_cmpstr (_hc_window_get_list_state (f->window), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "No Patients Match");

  search_for (f->window, "");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 4);
  g_assert_cmpstr (_hc_window_get_list_state (f->window), ==, "list");
}

static void
test_keystrokes_cancel (Fixture       *f,
                        gconstpointer  data)
{
  GListModel *results = _hc_window_get_results (f->window);
  GtkEditable *entry = _hc_window_get_search_entry (f->window);
  guint serial = _hc_window_get_search_serial (f->window);

  /* keystrokes faster than the store answers: each search-changed cancels the search before
   * it, so only the last query's result is ever shown */
  g_signal_emit_by_name (entry, "search-changed");
  gtk_editable_set_text (entry, "ok");
  g_signal_emit_by_name (entry, "search-changed");
  gtk_editable_set_text (entry, "nguy");
  g_signal_emit_by_name (entry, "search-changed");
  wait_for_search (f->window, serial);
  g_assert_cmpuint (_hc_window_get_search_serial (f->window), ==, serial + 1);
  g_assert_cmpstr (_hc_window_get_completed_query (f->window), ==, "nguy");
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  g_assert_cmpstr (name_at (results, 0), ==, "Nguyen, Minh");

}

static void
test_store_changed_reloads (Fixture       *f,
                            gconstpointer  data)
{
  GListModel *results = _hc_window_get_results (f->window);
  guint serial = _hc_window_get_search_serial (f->window);

  hc_test_ui_put (f->store,
               "{\"resourceType\":\"Patient\",\"id\":\"p-andersen\","
               " \"name\":[{\"family\":\"Andersen\",\"given\":[\"Mads\"]}],"
               " \"birthDate\":\"1975-02-01\"}");
  wait_for_search (f->window, serial);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 5);
  g_assert_cmpstr (name_at (results, 0), ==, "Andersen, Mads");

  /* a query stays applied across reloads */
  search_for (f->window, "okafor");
  serial = _hc_window_get_search_serial (f->window);
  hc_test_ui_put (f->store,
               "{\"resourceType\":\"Patient\",\"id\":\"p-okafor2\","
               " \"name\":[{\"family\":\"Okafor\",\"given\":[\"Emeka\"]}]}");
  wait_for_search (f->window, serial);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 2);
}

static void
test_activate_shows_patient (Fixture       *f,
                             gconstpointer  data)
{
  GtkListView *list_view = _hc_window_get_list_view (f->window);

  g_signal_emit_by_name (list_view, "activate", 0);
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "patient");
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "Müller, Anna");
}

static void
test_ctrl_f_focuses_search (Fixture       *f,
                            gconstpointer  data)
{
  GtkWidget *entry = GTK_WIDGET (_hc_window_get_search_entry (f->window));
  GtkWidget *focus;

  gtk_widget_grab_focus (GTK_WIDGET (_hc_window_get_list_view (f->window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "patients.search", NULL));
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

static void
test_empty_store (Fixture       *f,
                  gconstpointer  data)
{
  AdwStatusPage *empty = _hc_window_get_empty_page (f->window);

  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (f->window)), ==, 0);
  g_assert_cmpstr (_hc_window_get_list_state (f->window), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "No Patients Yet");
}

static void
test_problem_page (void)
{
  HcWindow *window = g_object_ref (hc_window_new (NULL, NULL));

  hc_window_show_problem (window, "folder-symbolic", "No Chart Store Yet", "There is none.",
                          "housecall-cli --store /tmp/x init");
  gtk_window_present (GTK_WINDOW (window));
  hc_test_ui_drain ();
  g_assert_cmpstr (_hc_window_get_main_state (window), ==, "problem");
  g_assert_null (hc_window_get_store (window));

  gtk_window_destroy (GTK_WINDOW (window));
  hc_test_ui_drain ();
  g_assert_finalize_object (window);
}

static void
test_auto_lock (Fixture       *f,
                gconstpointer  data)
{
  GtkListView *list_view = _hc_window_get_list_view (f->window);
  GListModel *results = _hc_window_get_results (f->window);
  GtkLabel *error_label = _hc_window_get_unlock_error (f->window);
  guint serial;

  /* the default from the schema: five minutes */
  g_assert_cmpuint (_hc_window_get_auto_lock_ms (f->window), ==, 5 * 60 * 1000);

  search_for (f->window, "mül");
  g_signal_emit_by_name (list_view, "activate", 0);
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "Müller, Anna");

  _hc_window_set_auto_lock_ms (f->window, 200);
  wait_until (f->window, is_locked, "the auto-lock");
  g_assert_true (hc_store_is_locked (f->store));
  /* no patient data is left in the widgets */
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 0);
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "none");
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (_hc_window_get_search_entry (f->window)), ==, "");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "unlock-page");

  /* a wrong passphrase: an inline error, the entry keeps what was typed */
  unlock_with (f->window, "not the passphrase");
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "locked");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "passphrase"));
  g_assert_cmpstr (gtk_editable_get_text (_hc_window_get_passphrase_entry (f->window)), ==,
                   "not the passphrase");
  g_assert_true (hc_store_is_locked (f->store));
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "unlock-page-wrong-passphrase");

  /* the right one: the list comes back, the passphrase leaves the entry */
  serial = _hc_window_get_search_serial (f->window);
  _hc_window_set_auto_lock_ms (f->window, 0);
  unlock_with (f->window, "test passphrase");
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "patients");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_cmpstr (gtk_editable_get_text (_hc_window_get_passphrase_entry (f->window)), ==, "");
  wait_for_search (f->window, serial);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 4);
}

static void
test_lock_action (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "store.lock", NULL));
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "locked");
  g_assert_true (hc_store_is_locked (f->store));
  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (f->window)), ==, 0);
}

static void
test_auto_lock_setting (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_uint (settings, "auto-lock-minutes", 1);
  g_assert_cmpuint (_hc_window_get_auto_lock_ms (f->window), ==, 60 * 1000);
  g_settings_set_uint (settings, "auto-lock-minutes", 0);
  g_assert_cmpuint (_hc_window_get_auto_lock_ms (f->window), ==, 0);
  g_settings_reset (settings, "auto-lock-minutes");
  g_assert_cmpuint (_hc_window_get_auto_lock_ms (f->window), ==, 5 * 60 * 1000);
}

/* Without a passphrase the window opens on the unlock page and opens the store itself. */
static void
test_unlock_opens_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hc-test-unlock-XXXXXX", &error);
  HcStore *store;
  HcWindow *window;
  Fixture f = { 0 };

  g_assert_no_error (error);
  store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, "test passphrase", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (patients); i++)
    hc_test_ui_put (store, patients[i]);
  hc_test_ui_drain ();
  hc_test_ui_wait_finalized (store);

  window = g_object_ref (hc_window_new_locked (NULL, dir));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (_hc_window_get_main_state (window), ==, "locked");
  g_assert_null (hc_window_get_store (window));

  /* a wrong passphrase opens nothing */
  unlock_with (window, "wrong");
  g_assert_cmpstr (_hc_window_get_main_state (window), ==, "locked");
  g_assert_null (hc_window_get_store (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (_hc_window_get_unlock_error (window))));

  unlock_with (window, "test passphrase");
  g_assert_cmpstr (_hc_window_get_main_state (window), ==, "patients");
  g_assert_nonnull (hc_window_get_store (window));
  wait_for_search (window, 0);
  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (window)), ==, 4);

  f.dir = g_steal_pointer (&dir);
  f.window = window;
  f.store = g_object_ref (hc_window_get_store (window));
  fixture_teardown (&f, NULL);
}

static gboolean
has_sync_engine (HcWindow *window)
{
  return _hc_window_get_sync_engine (window) != NULL;
}

static gboolean
is_synced (HcWindow *window)
{
  HcSyncEngine *engine = _hc_window_get_sync_engine (window);

  return engine != NULL && hc_sync_engine_get_state (engine) == HC_SYNC_STATE_IDLE &&
         hc_sync_engine_get_pending_count (engine) == 0 &&
         g_str_has_prefix (_hc_window_get_sync_label (window), "Synced at ");
}

/* Ctrl+R and wait for that sync to finish. */
static void
sync_now (HcWindow *window)
{
  guint serial = _hc_window_get_sync_serial (window);
  gboolean timed_out = FALSE;
  guint id;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sync.now", NULL));
  id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);
  while (_hc_window_get_sync_serial (window) == serial && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Sync now did not finish within %d s", TIMEOUT_SECONDS);
  g_source_remove (id);
}

/* A store that is not logged in has no engine and no indicator. */
static void
test_sync_logged_out (Fixture       *f,
                      gconstpointer  data)
{
  hc_test_ui_drain ();
  g_assert_null (_hc_window_get_sync_engine (f->window));
  g_assert_false (gtk_widget_get_visible (_hc_window_get_sync_button (f->window)));
  /* Ctrl+R does nothing without a server */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "sync.now", NULL);
  hc_test_ui_drain ();
  g_assert_null (_hc_window_get_sync_engine (f->window));
  g_assert_cmpuint (_hc_window_get_sync_serial (f->window), ==, 0);
}

/* A logged-in store syncs by itself; the indicator says when, what waits, and offline. */
static void
test_sync_indicator (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *button;
  HcSyncEngine *engine;

  if (server.url == NULL)
    {
      g_test_skip ("HOUSECALL_SERVER is not set");
      return;
    }

  /* the fixture's window saw a logged-out store: log in and open a second window */
  g_assert_true (hc_sync_login_sync (f->store, server.url, "alice", PASSWORD, server.ca_file,
                                     NULL, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));

  wait_until (f->window, has_sync_engine, "creating the sync engine");
  engine = _hc_window_get_sync_engine (f->window);
  button = _hc_window_get_sync_button (f->window);
  wait_until (f->window, is_synced, "the first sync");
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (button), "Synced at "));
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "main-window-synced");

  /* the server goes away: a local change waits and the indicator says so */
  hc_test_server_stop (&server);
  hc_sync_engine_stop (engine);
  hc_test_ui_put (f->store,
               "{\"resourceType\":\"Patient\",\"id\":\"p-offline\","
               " \"name\":[{\"family\":\"Berger\",\"given\":[\"Lena\"]}]}");
  sync_now (f->window);
  g_assert_cmpint (hc_sync_engine_get_state (engine), ==, HC_SYNC_STATE_OFFLINE);
  g_assert_cmpuint (hc_sync_engine_get_pending_count (engine), ==, 1);
  g_assert_cmpstr (_hc_window_get_sync_label (f->window), ==, "1 change waiting");
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (button), "cannot be reached"));
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "main-window-offline");

  /* back online: Sync now sends it */
  hc_test_server_start (&server, server_port);
  sync_now (f->window);
  wait_until (f->window, is_synced, "the sync after coming back online");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* untranslated strings, whatever the machine's locale */
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (hc_test_ui_server_setup (&server, "hc-test-window-server"))
    server_port = (guint) g_ascii_strtoull (strrchr (server.url, ':') + 1, NULL, 10);

#define ADD(path, func, with_patients) \
  g_test_add ("/hc/ui/window/" path, Fixture, GINT_TO_POINTER (with_patients), fixture_setup, \
              func, fixture_teardown)
  ADD ("list-fills", test_list_fills, TRUE);
  ADD ("search-filters", test_search_filters, TRUE);
  ADD ("keystrokes-cancel", test_keystrokes_cancel, TRUE);
  ADD ("store-changed-reloads", test_store_changed_reloads, TRUE);
  ADD ("activate-shows-patient", test_activate_shows_patient, TRUE);
  ADD ("ctrl-f-focuses-search", test_ctrl_f_focuses_search, TRUE);
  ADD ("empty-store", test_empty_store, FALSE);
  ADD ("auto-lock", test_auto_lock, TRUE);
  ADD ("lock-action", test_lock_action, TRUE);
  ADD ("auto-lock-setting", test_auto_lock_setting, TRUE);
  ADD ("sync-logged-out", test_sync_logged_out, TRUE);
  ADD ("sync-indicator", test_sync_indicator, TRUE);
#undef ADD
  g_test_add_func ("/hc/ui/window/problem-page", test_problem_page);
  g_test_add_func ("/hc/ui/window/unlock-opens-store", test_unlock_opens_store);

  status = g_test_run ();
  if (server.url != NULL)
    hc_test_server_stop (&server);
  hc_test_server_clear (&server);
  return status;
}
