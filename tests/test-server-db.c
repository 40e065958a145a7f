/* test-server-db.c: the server's stores below HTTP: schema migration and search, on SQLite
 * and on a throwaway PostgreSQL cluster
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "hc-search-params.h"
#include "hc-server-db.h"

#include "hc-test-pg.h"
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

/* The same on PostgreSQL: its schema 1, as the first housecall-server versions created it */
static const char schema_v1_pg[] =
  "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);"
  "CREATE TABLE sync_head (one boolean PRIMARY KEY DEFAULT true CHECK (one), head bigint NOT NULL);"
  "CREATE TABLE resource ("
  "  type text NOT NULL, id text NOT NULL, version bigint NOT NULL, deleted boolean NOT NULL,"
  "  seq bigint NOT NULL, last_updated text NOT NULL, json text, PRIMARY KEY (type, id));"
  "CREATE UNIQUE INDEX resource_seq ON resource (seq);"
  "CREATE TABLE history ("
  "  type text NOT NULL, id text NOT NULL, version bigint NOT NULL, deleted boolean NOT NULL,"
  "  seq bigint NOT NULL UNIQUE, last_updated text NOT NULL, json text,"
  "  PRIMARY KEY (type, id, version));"
  "CREATE TABLE users ("
  "  name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL,"
  "  active boolean NOT NULL DEFAULT true, created_at text NOT NULL);"
  "CREATE TABLE token ("
  "  hash text PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('access', 'refresh')),"
  "  user_name text NOT NULL REFERENCES users (name), expires bigint NOT NULL,"
  "  revoked boolean NOT NULL DEFAULT false);"
  "CREATE TABLE idempotency (key text NOT NULL, user_name text NOT NULL, response text NOT NULL,"
  "  created_at text NOT NULL, PRIMARY KEY (key, user_name));"
  "CREATE TABLE audit_event (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE,"
  "  recorded text NOT NULL, json text NOT NULL);"
  "CREATE TABLE login_failure (key text NOT NULL, at bigint NOT NULL);"
  "CREATE INDEX login_failure_key ON login_failure (key, at);"
  "CREATE INDEX login_failure_at ON login_failure (at);"
  "CREATE SEQUENCE naive_seq;"
  "INSERT INTO meta VALUES ('application', 'housecall-server'), ('schema_version', '1'),"
  "  ('epoch', '01a21e66-9a8c-797e-bff0-a2316f736078');"
  "INSERT INTO sync_head (head) VALUES (4);"
  "INSERT INTO resource VALUES ('Patient', 'old-1', 2, false, 2, '2026-01-02T00:00:00.000000Z',"
  "  '{\"resourceType\":\"Patient\",\"id\":\"old-1\",\"name\":[{\"family\":\"Ärnlöv\"}],"
  "\"birthDate\":\"1948-02-29\"}');"
  "INSERT INTO resource VALUES ('Patient', 'old-2', 2, true, 3, '2026-01-03T00:00:00.000000Z', NULL);"
  "INSERT INTO resource VALUES ('Observation', 'old-o', 1, false, 4, '2026-01-04T00:00:00.000000Z',"
  "  '{\"resourceType\":\"Observation\",\"id\":\"old-o\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
  "\"subject\":{\"reference\":\"Patient/old-1\"}}');"
  "INSERT INTO history SELECT type, id, version, deleted, seq, last_updated, json FROM resource;"
  "INSERT INTO history VALUES ('Patient', 'old-1', 1, false, 1, '2026-01-01T00:00:00.000000Z',"
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

static void
assert_search (HcServerDb *db,
               const char *type,
               const char *query,
               const char *ids)
{
  g_autofree char *found = search (db, type, query);

  g_assert_cmpstr (found, ==, ids);
}

/* What a schema 1 database holds (schema_v1, schema_v1_pg) is there once it is migrated:
 * every row keeps its sequence number and history, and can be searched. */
static void
assert_migrated (HcServerDb *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcServerResource) r = NULL;

  g_assert_cmpint (hc_server_db_head (db), ==, 4);
  g_assert_cmpstr (hc_server_db_epoch (db), ==, "01a21e66-9a8c-797e-bff0-a2316f736078");
  assert_search (db, "Patient", "family=arnl", "old-1");
  assert_search (db, "Patient", "birthdate=1948-02", "old-1");
  assert_search (db, "Patient", "_sort=_id", "old-1");   /* not the deleted one */
  assert_search (db, "Observation", "patient=old-1", "old-o");
  r = hc_server_db_read (db, "Patient", "old-1", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->seq, ==, 1);
}

/* New writes to a migrated database are indexed too. */
static void
write_after_migration (HcServerDb *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = hc_test_object ("{\"resourceType\":\"Patient\",\"id\":\"new-1\","
                                            "\"name\":[{\"family\":\"Arnold\"}]}");
  g_autoptr(HcServerResource) r = hc_server_db_write (db, p, 0, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->version, ==, 1);
  g_assert_cmpint (hc_server_db_head (db), ==, 5);
  assert_search (db, "Patient", "family=arn&_sort=family", "old-1 new-1");   /* arnlov < arnold */
}

/* A schema 1 database is migrated when opened, and reopening does not migrate again. */
static void
test_migrate_v1 (void)
{
  g_autofree char *dir = hc_test_tmpdir ("server-db");
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(HcServerDb) db = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *raw;

  g_assert_cmpint (sqlite3_open (path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, schema_v1, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  db = hc_server_db_open (path, FALSE, &error);
  g_assert_no_error (error);
  assert_migrated (db);
  write_after_migration (db);
  g_clear_pointer (&db, hc_server_db_free);
  db = hc_server_db_open (path, FALSE, &error);
  g_assert_no_error (error);
  assert_search (db, "Patient", "family=arn&_sort=-family", "new-1 old-1");
}

static guint
pg_count (const char *conninfo,
          const char *sql)
{
  g_autoptr(GPtrArray) rows = hc_test_pg_column (conninfo, sql);

  g_assert_cmpuint (rows->len, ==, 1);
  return (guint) g_ascii_strtoull (rows->pdata[0], NULL, 10);
}

/* The same on PostgreSQL; and an update of a migrated resource replaces its index entries. */
static void
test_migrate_v1_pg (void)
{
  HcTestPg *pg = hc_test_pg_start (FALSE);
  g_autofree char *conninfo = hc_test_pg_new_db (pg, "migrate");
  g_autoptr(HcServerDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) version = NULL;
  guint entries;

  hc_test_pg_exec (conninfo, schema_v1_pg);
  db = hc_server_db_open_postgres (conninfo, FALSE, &error);
  g_assert_no_error (error);
  version = hc_test_pg_column (conninfo, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpstr (version->pdata[0], ==, "2");
  assert_migrated (db);
  /* the tombstone has no entries; the rows have their sort keys and compartment */
  g_assert_cmpuint (pg_count (conninfo, "SELECT count(*) FROM search_index s JOIN resource r "
                                        "USING (rid) WHERE r.id = 'old-2'"), ==, 0);
  g_assert_cmpuint (pg_count (conninfo, "SELECT count(*) FROM resource WHERE id = 'old-1' "
                                        "AND sort_family = 'arnlov' AND sort_date LIKE '1948-02-29T%'"),
                   ==, 1);
  g_assert_cmpuint (pg_count (conninfo, "SELECT count(*) FROM resource WHERE id = 'old-o' "
                                        "AND compartment = 'Patient/old-1'"), ==, 1);
  write_after_migration (db);
  entries = pg_count (conninfo, "SELECT count(*) FROM search_index");

  g_clear_pointer (&db, hc_server_db_free);
  db = hc_server_db_open_postgres (conninfo, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pg_count (conninfo, "SELECT count(*) FROM search_index"), ==, entries);
  assert_search (db, "Patient", "family=arn&_sort=-family", "new-1 old-1");

  /* an update: its old entries go, its new ones come */
  {
    g_autoptr(JsonObject) p = hc_test_object ("{\"resourceType\":\"Patient\",\"id\":\"old-1\","
                                              "\"name\":[{\"family\":\"Zeller\"}]}");
    g_autoptr(HcServerResource) r = hc_server_db_write (db, p, 2, FALSE, &error);

    g_assert_no_error (error);
    g_assert_cmpint (r->version, ==, 3);
  }
  assert_search (db, "Patient", "family=arnl", "");
  assert_search (db, "Patient", "birthdate=1948-02", "");
  assert_search (db, "Patient", "family=zel", "old-1");
  assert_search (db, "Patient", "_sort=family", "new-1 old-1");
  g_assert_cmpuint (pg_count (conninfo, "SELECT count(*) FROM search_index"), ==, entries - 1);

  g_clear_pointer (&db, hc_server_db_free);
  hc_test_pg_stop (pg);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/server/db/migrate-v1", test_migrate_v1);
  g_test_add_func ("/hc/server/db/migrate-v1-pg", test_migrate_v1_pg);
  return g_test_run ();
}
