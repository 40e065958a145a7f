/* test-server-db.c: the server's SQLite store below HTTP: schema migration and search
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "hc-search-params.h"
#include "hc-server-db.h"

#include "hc-test-utils.h"

/* The schema of the first server databases (before the search index), as they were written */
static const char schema_v1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE resource ("
  "  type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL, last_updated TEXT NOT NULL, json TEXT,"
  "  UNIQUE (type, id));"
  "CREATE UNIQUE INDEX resource_seq ON resource (seq);"
  "CREATE TABLE history ("
  "  type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL UNIQUE, last_updated TEXT NOT NULL, json TEXT,"
  "  PRIMARY KEY (type, id, version));"
  "CREATE TABLE user ("
  "  name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,"
  "  active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);"
  "CREATE TABLE token ("
  "  hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
  "  user TEXT NOT NULL REFERENCES user (name), expires INTEGER NOT NULL,"
  "  revoked INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE idempotency (key TEXT NOT NULL, user TEXT NOT NULL, response TEXT NOT NULL,"
  "  created_at TEXT NOT NULL, PRIMARY KEY (key, user));"
  "CREATE TABLE audit_event (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
  "  recorded TEXT NOT NULL, json TEXT NOT NULL);"
  "PRAGMA application_id = 1212371798; PRAGMA user_version = 1;"
  "INSERT INTO meta VALUES ('epoch', '01a21e66-9a8c-797e-bff0-a2316f736078');"
  "INSERT INTO resource VALUES ('Patient', 'old-1', 2, 0, 2, '2026-01-02T00:00:00.000000Z',"
  "  '{\"resourceType\":\"Patient\",\"id\":\"old-1\",\"name\":[{\"family\":\"Ärnlöv\"}],"
  "\"birthDate\":\"1948-02-29\"}');"
  "INSERT INTO resource VALUES ('Patient', 'old-2', 2, 1, 3, '2026-01-03T00:00:00.000000Z', NULL);"
  "INSERT INTO resource VALUES ('Observation', 'old-o', 1, 0, 4, '2026-01-04T00:00:00.000000Z',"
  "  '{\"resourceType\":\"Observation\",\"id\":\"old-o\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
  "\"subject\":{\"reference\":\"Patient/old-1\"}}');"
  "INSERT INTO history SELECT type, id, version, deleted, seq, last_updated, json FROM resource;"
  "INSERT INTO history VALUES ('Patient', 'old-1', 1, 0, 1, '2026-01-01T00:00:00.000000Z',"
  "  '{\"resourceType\":\"Patient\",\"id\":\"old-1\",\"name\":[{\"family\":\"Before\"}]}');";

static gboolean
collect_id (const HcServerSearchRow *row,
            gpointer                 user_data)
{
  GString *ids = user_data;

  g_string_append_printf (ids, "%s%s", ids->len ? " " : "", row->resource->id);
  return TRUE;
}

static char *
search (HcServerDb *db,
        const char *type,
        const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcSearchParams) params = hc_search_params_parse (type, query, 0, &error);
  GString *ids = g_string_new (NULL);

  g_assert_no_error (error);
  hc_server_db_search (db, params, 100, collect_id, ids, &error);
  g_assert_no_error (error);
  return g_string_free (ids, FALSE);
}

/* A schema 1 database is migrated when opened: every row keeps its sequence number and
 * history, and what was stored before can be searched. */
static void
test_migrate_v1 (void)
{
  g_autofree char *dir = hc_test_tmpdir ("server-db");
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(HcServerDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  sqlite3 *raw;

  g_assert_cmpint (sqlite3_open (path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, schema_v1, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  db = hc_server_db_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hc_server_db_head (db), ==, 4);
  g_assert_cmpstr (hc_server_db_epoch (db), ==, "01a21e66-9a8c-797e-bff0-a2316f736078");

  ids = search (db, "Patient", "family=arnl");
  g_assert_cmpstr (ids, ==, "old-1");
  g_clear_pointer (&ids, g_free);
  ids = search (db, "Patient", "birthdate=1948-02");
  g_assert_cmpstr (ids, ==, "old-1");
  g_clear_pointer (&ids, g_free);
  ids = search (db, "Patient", "_sort=_id");
  g_assert_cmpstr (ids, ==, "old-1");   /* not the deleted one */
  g_clear_pointer (&ids, g_free);
  ids = search (db, "Observation", "patient=old-1");
  g_assert_cmpstr (ids, ==, "old-o");
  g_clear_pointer (&ids, g_free);
  {
    g_autoptr(HcServerResource) r = hc_server_db_read (db, "Patient", "old-1", 1, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r->seq, ==, 1);
  }

  /* new writes are indexed as well, and reopening does not migrate again */
  {
    g_autoptr(JsonObject) p = hc_test_object ("{\"resourceType\":\"Patient\",\"id\":\"new-1\","
                                              "\"name\":[{\"family\":\"Arnold\"}]}");
    g_autoptr(HcServerResource) r = hc_server_db_write (db, p, 0, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r->seq, ==, 5);
  }
  ids = search (db, "Patient", "family=arn&_sort=family");
  g_assert_cmpstr (ids, ==, "old-1 new-1");   /* arnlov < arnold */
  g_clear_pointer (&db, hc_server_db_free);
  db = hc_server_db_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ids, g_free);
  ids = search (db, "Patient", "family=arn&_sort=-family");
  g_assert_cmpstr (ids, ==, "new-1 old-1");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/server/db/migrate-v1", test_migrate_v1);
  return g_test_run ();
}
