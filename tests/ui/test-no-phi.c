/* test-no-phi.c: after a session in the GUI, no patient data outside the encrypted store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test runs itself again as a child with every place a GNOME program writes to in a fresh
 * directory: GSettings in a keyfile (GSETTINGS_BACKEND=keyfile under XDG_CONFIG_HOME),
 * recently-used.xbel (XDG_DATA_HOME), thumbnails and caches (XDG_CACHE_HOME), XDG_STATE_HOME,
 * HOME and TMPDIR, with all debug messages on. The child unlocks a demo store in the window,
 * searches a patient, opens the chart, locks, and closes the window. Then every byte of every
 * file there, and everything the child printed, is searched for the patients' names and
 * medical record numbers.
 */

#define G_LOG_DOMAIN "test-no-phi"

#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "hc-patient.h"
#include "hc-test-utils.h"
#include "hc-store.h"
#include "hc-window-private.h"

#define TIMEOUT_SECONDS 20

/* the system directories before the test isolated them: the child needs the real icon theme
 * and MIME database */
static const char *system_vars[] = { "XDG_DATA_DIRS", "XDG_CONFIG_DIRS" };
static char *system_values[G_N_ELEMENTS (system_vars)];

/* ------------------------------------------------------------------------------------------ */
/* The child: one session in the window */

typedef gboolean (*Predicate) (HcWindow *window, gconstpointer data);

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (HcWindow      *window,
          Predicate      done,
          gconstpointer  data,
          const char    *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (!done (window, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not happen within %d s", what, TIMEOUT_SECONDS);
  g_source_remove (id);
}

static gboolean
main_state_is (HcWindow      *window,
               gconstpointer  state)
{
  return g_strcmp0 (_hc_window_get_main_state (window), state) == 0;
}

static gboolean
query_done (HcWindow      *window,
            gconstpointer  query)
{
  return g_strcmp0 (_hc_window_get_completed_query (window), query) == 0 &&
         g_list_model_get_n_items (_hc_window_get_results (window)) > 0;
}

static gboolean
is_closed (HcWindow      *window,
           gconstpointer  data)
{
  return *(HcWindow * const *) data == NULL;
}

static int
child_main (const char *store_dir,
            const char *query)
{
  g_autofree char *shown = NULL;
  HcWindow *window;
  HcWindow *alive;

  window = hc_window_new_locked (NULL, store_dir);
  alive = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &alive);
  gtk_window_present (GTK_WINDOW (window));

  gtk_editable_set_text (_hc_window_get_passphrase_entry (window), HC_TEST_PASSPHRASE);
  g_signal_emit_by_name (_hc_window_get_passphrase_entry (window), "activate");
  wait_for (window, main_state_is, "patients", "unlocking");

  gtk_editable_set_text (_hc_window_get_search_entry (window), query);
  wait_for (window, query_done, query, "the search");
  g_signal_emit_by_name (_hc_window_get_list_view (window), "activate", 0);
  g_assert_cmpstr (_hc_window_get_content_state (window), ==, "patient");
  shown = g_strdup (_hc_window_get_shown_name (window));
  g_assert_true (shown != NULL && *shown != '\0');

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "store.lock", NULL));
  wait_for (window, main_state_is, "locked", "locking");

  /* closing saves the window's state to GSettings */
  gtk_window_close (GTK_WINDOW (window));
  wait_for (window, is_closed, &alive, "closing the window");
  g_settings_sync ();
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The parent */

/* The names and record numbers of every patient in the store at @dir. */
static GPtrArray *
needles_of (const char *dir,
            char      **query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcStore) store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE,
                                                 NULL, &error);
  g_autoptr(GListModel) all = NULL;
  GPtrArray *needles = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  all = hc_store_search_patients_sync (store, "", 1000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (all), >, 10);
  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(HcPatient) p = g_list_model_get_item (all, i);
      const char *family = hc_patient_get_family (p);
      const char *mrn = hc_patient_get_mrn (p);

      /* short names could turn up inside other words */
      if (family != NULL && strlen (family) >= 5)
        g_ptr_array_add (needles, g_utf8_casefold (family, -1));
      if (mrn != NULL && strlen (mrn) >= 5)
        g_ptr_array_add (needles, g_strdup (mrn));
      g_ptr_array_add (needles, g_utf8_casefold (hc_patient_get_display_name (p), -1));
      if (*query == NULL && family != NULL && strlen (family) >= 5 && mrn != NULL)
        *query = g_strdup (family);
    }
  g_assert_nonnull (*query);
  return needles;
}

/* The needles that occur in @data (case-folded), by name of @where. */
static void
scan (const char *where,
      const char *data,
      gsize       len,
      GPtrArray  *needles,
      GString    *found)
{
  g_autofree char *valid = g_utf8_make_valid (data, len);
  g_autofree char *folded = g_utf8_casefold (valid, -1);

  for (guint i = 0; i < needles->len; i++)
    if (strstr (folded, needles->pdata[i]) != NULL)
      g_string_append_printf (found, "%s: a patient's name or number; ", where);
}

/* Every file under @dir; *@n_files counts them. */
static void
scan_tree (const char *dir,
           GPtrArray  *needles,
           GString    *found,
           guint      *n_files)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          scan_tree (path, needles, found, n_files);
          continue;
        }
      if (!g_file_get_contents (path, &contents, &len, NULL))
        continue;
      (*n_files)++;
      scan (path, contents, len, needles, found);
    }
}

static void
test_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("hc-no-phi-XXXXXX", &error);
  g_autofree char *store = NULL, *query = NULL, *out = NULL, *err = NULL, *keyfile = NULL;
  g_autofree char *keyfile_text = NULL;
  g_autoptr(GPtrArray) needles = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GString) found = g_string_new (NULL);
  g_autoptr(GString) positive = g_string_new (NULL);
  const char *dirs[] = { "config", "data", "cache", "state", "home", "tmp" };
  const char *vars[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
                         "HOME", "TMPDIR" };
  guint n_files = 0;

  g_assert_no_error (error);
  store = g_build_filename (root, "data", "housecall", "store", NULL);
  {
    const char *argv[] = { "--store", store, "init", NULL };
    const char *demo[] = { "--store", store, "demo-data", "--patients", "25", "--seed", "3",
                           "--date", "2026-11-27", NULL };
    g_autofree char *o = NULL, *e = NULL;

    g_assert_cmpint (hc_test_run_cli (argv, NULL, &o, &e), ==, 0);
    g_assert_cmpint (hc_test_run_cli (demo, NULL, &o, &e), ==, 0);
  }
  needles = needles_of (store, &query);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_subprocess_launcher_setenv (launcher, vars[i], path, TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (system_vars); i++)
    {
      if (system_values[i] != NULL)
        g_subprocess_launcher_setenv (launcher, system_vars[i], system_values[i], TRUE);
      else
        g_subprocess_launcher_unsetenv (launcher, system_vars[i]);
    }
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOUSECALL_STORE", store, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "HOUSECALL_PASSPHRASE");
  /* this program again, as the child */
  child = g_subprocess_launcher_spawn (launcher, &error, "/proc/self/exe", "--child", store, query,
                                       NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (child) || g_subprocess_get_exit_status (child) != 0)
    g_error ("the GUI session failed: %s", err);
  g_test_message ("the session printed %zu bytes on stdout, %zu on stderr", strlen (out),
                  strlen (err));

  /* the check can fail: a name is found where it is */
  scan ("control", query, strlen (query), needles, positive);
  g_assert_cmpuint (positive->len, >, 0);

  /* GSettings were written (the window's size), to the keyfile */
  keyfile = g_build_filename (root, "config", "glib-2.0", "settings", "keyfile", NULL);
  g_assert_true (g_file_get_contents (keyfile, &keyfile_text, NULL, NULL));
  g_assert_nonnull (strstr (keyfile_text, "window-width"));

  scan ("stdout", out, strlen (out), needles, found);
  scan ("stderr", err, strlen (err), needles, found);
  scan_tree (root, needles, found, &n_files);
  g_test_message ("%u files scanned for %u names and numbers", n_files, needles->len);
  if (found->len > 0)
    g_error ("patient data outside the store: %s", found->str);

  {
    const char *rm[] = { "rm", "-rf", root, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, NULL, NULL));
  }
}

int
main (int   argc,
      char *argv[])
{
  /* untranslated strings, whatever the machine's locale */
  g_setenv ("LANGUAGE", "C", TRUE);
  if (argc == 4 && strcmp (argv[1], "--child") == 0)
    {
      gtk_init ();
      adw_init ();
      return child_main (argv[2], argv[3]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (system_vars); i++)
    system_values[i] = g_strdup (g_getenv (system_vars[i]));
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/hc/ui/no-phi/session", test_session);
  return g_test_run ();
}
