/* hc-test-utils.c: helpers shared by the test programs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hc-store-private.h"
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  const char *cli = g_getenv ("HOUSECALL_CLI");
  g_autofree char *o = NULL, *e = NULL;

  g_assert_nonnull (cli);
  g_ptr_array_add (args, (gpointer) cli);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  proc = g_subprocess_newv ((const char * const *) args->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &o, &e, &error);
  g_assert_no_error (error);
  /* callers reuse their variables between runs */
  if (out)
    g_free (*out), *out = g_steal_pointer (&o);
  if (err)
    g_free (*err), *err = g_steal_pointer (&e);
  g_assert_true (g_subprocess_get_if_exited (proc));
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
