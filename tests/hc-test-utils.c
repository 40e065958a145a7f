/* hc-test-utils.c: helpers shared by the test programs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "hc-store-private.h"
#include "hc-json.h"
#include "hc-test-utils.h"

char *
hc_test_tmpdir (const char *name)
{
  /* under the per-test directory G_TEST_OPTION_ISOLATE_DIRS makes and removes */
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", name);
  g_autofree char *base = g_build_filename (g_get_user_data_dir (), "tmp", NULL);
  char *dir;

  g_assert_cmpint (g_mkdir_with_parents (base, 0700), ==, 0);
  dir = g_build_filename (base, tmpl, NULL);
  g_assert_nonnull (g_mkdtemp (dir));
  return dir;
}

HcStore *
hc_test_new_store (char **dir_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("store");
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  if (dir_out)
    *dir_out = g_steal_pointer (&dir);
  return store;
}

void
hc_test_store_setup (HcTestStore   *f,
                     gconstpointer  data)
{
  f->store = hc_test_new_store (&f->dir);
}

void
hc_test_store_teardown (HcTestStore   *f,
                        gconstpointer  data)
{
  g_assert_finalize_object (f->store);
  g_clear_pointer (&f->dir, g_free);
}

JsonObject *
hc_test_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

int
hc_test_run_cli (const char * const *argv,
                 const char         *stdin_text,
                 char              **out,
                 char              **err)
{
  return hc_test_run_cli_full (NULL, NULL, argv, stdin_text, out, err);
}

int
hc_test_run_cli_full (const char * const *env,
                      const char * const *prefix,
                      const char * const *argv,
                      const char         *stdin_text,
                      char              **out,
                      char              **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  const char *cli = g_getenv ("HOUSECALL_CLI");
  g_autofree char *o = NULL, *e = NULL;

  g_assert_nonnull (cli);
  for (guint i = 0; prefix && prefix[i]; i++)
    g_ptr_array_add (args, (gpointer) prefix[i]);
  g_ptr_array_add (args, (gpointer) cli);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; env && env[i] && env[i + 1]; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &o, &e, &error);
  g_assert_no_error (error);
  /* callers reuse their variables between runs */
  if (out)
    g_free (*out), *out = g_steal_pointer (&o);
  if (err)
    g_free (*err), *err = g_steal_pointer (&e);
  if (!g_subprocess_get_if_exited (proc))
    g_error ("housecall-cli %s died (signal %d): %s", argv[0],
             g_subprocess_get_if_signaled (proc) ? g_subprocess_get_term_sig (proc) : 0,
             err && *err ? *err : "");
  return g_subprocess_get_exit_status (proc);
}

static sqlite3 *
open_db (const char *db_path,
         int         flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (db_path);
  sqlite3 *db = _hc_store_open_db (dir, HC_TEST_PASSPHRASE, flags, &error);

  g_assert_no_error (error);
  return db;
}

sqlite3 *
hc_test_open_db (const char *db_path)
{
  return open_db (db_path, SQLITE_OPEN_READWRITE);
}

char *
hc_test_store_digest (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  db = open_db (path, SQLITE_OPEN_READONLY);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name, sql FROM sqlite_master ORDER BY name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      const char *sql = (const char *) sqlite3_column_text (stmt, 1);

      g_checksum_update (sum, (const guchar *) name, -1);
      if (sql)
        g_checksum_update (sum, (const guchar *) sql, -1);
      if (sql && g_str_has_prefix (sql, "CREATE TABLE"))
        g_ptr_array_add (tables, g_strdup (name));
    }
  sqlite3_finalize (stmt);

  for (guint i = 0; i < tables->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\"", (char *) tables->pdata[i]);
      int cols;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      cols = sqlite3_column_count (stmt);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        for (int c = 0; c < cols; c++)
          {
            const void *blob = sqlite3_column_blob (stmt, c);
            int n = sqlite3_column_bytes (stmt, c);
            g_checksum_update (sum, (const guchar *) "|", 1);
            if (blob)
              g_checksum_update (sum, blob, n);
          }
      sqlite3_finalize (stmt);
    }
  hc_crypt_db_close (db);
  return g_strdup (g_checksum_get_string (sum));
}

gint64
hc_test_count (const char *dir,
               const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  db = open_db (path, SQLITE_OPEN_READONLY);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  hc_crypt_db_close (db);
  return n;
}

void
hc_test_audit_rechain (sqlite3 *db,
                       gint64   from)
{
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GPtrArray) updates = g_ptr_array_new_with_free_func (g_free);
  char prev[65];

  memset (prev, '0', 64);
  prev[64] = '\0';
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, at, actor, action, entity, detail, hash "
                                           "FROM audit ORDER BY seq", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree char *seq_text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
      const char *parts[] = { prev, seq_text, (const char *) sqlite3_column_text (stmt, 1),
                              (const char *) sqlite3_column_text (stmt, 2),
                              (const char *) sqlite3_column_text (stmt, 3),
                              (const char *) sqlite3_column_text (stmt, 4),
                              (const char *) sqlite3_column_text (stmt, 5) };

      if (seq < from)
        {
          g_strlcpy (prev, (const char *) sqlite3_column_text (stmt, 6), sizeof prev);
          continue;
        }
      for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
        {
          g_checksum_update (sum, (const guchar *) (parts[i] ? parts[i] : ""), -1);
          g_checksum_update (sum, (const guchar *) "\x1f", 1);
        }
      g_ptr_array_add (updates, sqlite3_mprintf ("UPDATE audit SET prev_hash = '%q', hash = '%q' "
                                                 "WHERE seq = %lld;", prev,
                                                 g_checksum_get_string (sum), (long long) seq));
      g_strlcpy (prev, g_checksum_get_string (sum), sizeof prev);
    }
  sqlite3_finalize (stmt);
  for (guint i = 0; i < updates->len; i++)
    {
      g_assert_cmpint (sqlite3_exec (db, updates->pdata[i], NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_free (updates->pdata[i]);
      updates->pdata[i] = NULL;
    }
}

void
hc_test_server_cli (const char         *workdir,
                    const char * const *args,
                    const char         *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  const char *server_cli = g_getenv ("HOUSECALL_SERVER");

  g_assert_nonnull (server_cli);
  g_ptr_array_add (argv, (gpointer) server_cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (password)
    g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSWORD", password, TRUE);
  g_subprocess_launcher_set_cwd (launcher, workdir);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

void
hc_test_server_store_cli (HcTestServer       *server,
                          const char * const *args,
                          const char         *password)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) (server->postgres ? "--postgres" : "--db"));
  g_ptr_array_add (argv, server->postgres ? server->postgres : (char *) "server.db");
  g_ptr_array_add (argv, NULL);
  hc_test_server_cli (server->workdir, (const char * const *) argv->pdata, password);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
hc_test_server_start (HcTestServer *server,
                      guint         port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);

  g_assert_null (server->process);
  g_subprocess_launcher_set_cwd (launcher, server->workdir);
  /* the server goes when the test goes, even when it aborts */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HOUSECALL_SERVER"),
                                                 "serve",
                                                 server->postgres ? "--postgres" : "--db",
                                                 server->postgres ? server->postgres : "server.db",
                                                 "--listen", listen,
                                                 "--tls-cert", "certs/server.pem",
                                                 "--tls-key", "certs/server-key.pem", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  g_free (server->url);
  server->url = g_strdup (line + strlen ("listening on "));
  g_free (server->ca_file);
  server->ca_file = g_build_filename (server->workdir, "certs", "ca.pem", NULL);
}

void
hc_test_server_stop (HcTestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->process);
}

void
hc_test_server_clear (HcTestServer *server)
{
  if (server->process != NULL)
    g_subprocess_force_exit (server->process);
  g_clear_object (&server->process);
  g_clear_pointer (&server->url, g_free);
  g_clear_pointer (&server->ca_file, g_free);
  g_clear_pointer (&server->postgres, g_free);
  if (server->workdir != NULL)
    {
      const char *rm[] = { "rm", "-rf", server->workdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  g_clear_pointer (&server->workdir, g_free);
}

void
hc_test_add_email (JsonObject *p,
                   const char *email)
{
  JsonArray *telecom = hc_json_get_array (p, "telecom");
  JsonObject *t = json_object_new ();

  if (telecom == NULL)
    {
      telecom = json_array_new ();
      json_object_set_array_member (p, "telecom", telecom);
    }
  json_object_set_string_member (t, "system", "email");
  json_object_set_string_member (t, "value", email);
  json_array_add_object_element (telecom, t);
}
