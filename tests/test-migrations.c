/* test-migrations.c: every earlier schema version migrates to the latest, keeping its data
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hc-patient.h"
#include "hc-store-private.h"
#include "hc-test-utils.h"

static const char patient_json[] =
  "{\"resourceType\":\"Patient\",\"id\":\"old-1\",\"name\":[{\"use\":\"official\","
  "\"family\":\"Šimůnek\",\"given\":[\"Jiří\"]}],\"birthDate\":\"1948-02-29\"}";

static void
exec (const char *dir,
      const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db;
  char *errmsg = NULL;

  db = hc_test_open_db (path);
  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("%s: %s", sql, errmsg);
  hc_crypt_db_close (db);
}

static int
user_version (const char *dir)
{
  return (int) hc_test_count (dir, "PRAGMA user_version");
}

/* Three audit entries as schema 3 wrote them: hash-chained, unsigned. */
static void
add_legacy_audit (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db = hc_test_open_db (path);

  g_assert_cmpint (sqlite3_exec (db,
    "INSERT INTO audit (seq, at, actor, action, entity, detail, prev_hash, hash) VALUES "
    "(1, '2026-01-05T08:00:00Z', 'dr.old', 'create', 'Patient/old-1', NULL, '', ''),"
    "(2, '2026-01-05T08:01:00Z', 'dr.old', 'read', 'Patient/old-1', NULL, '', ''),"
    "(3, '2026-01-05T08:02:00Z', 'dr.old', 'export', 'Patient/old-1', '2 resources', '', '');"
    "DROP TRIGGER audit_append_only_update;", NULL, NULL, NULL), ==, SQLITE_OK);
  hc_test_audit_rechain (db, 1);
  g_assert_cmpint (sqlite3_exec (db,
    "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;", NULL, NULL, NULL), ==,
    SQLITE_OK);
  hc_crypt_db_close (db);
}

/* A store at @version holding what that version could hold: a patient row written as that
 * version's code would have written it. */
static char *
store_at_version (int version)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("old");
  g_autofree char *sql = NULL;
  HcStore *store = _hc_store_open_at_version (dir, version, HC_TEST_PASSPHRASE, &error);

  g_assert_no_error (error);
  g_assert_finalize_object (store);
  g_assert_cmpint (user_version (dir), ==, version);

  sql = g_strdup_printf ("INSERT INTO resource (type, id, version_id, local_rev, deleted, "
                         "sync_state, patient, json) VALUES ('Patient', 'old-1', 7, 1, 0, 0, "
                         "'Patient/old-1', '%s')", patient_json);
  exec (dir, sql);
  if (version >= 2)
    exec (dir, "INSERT INTO patient (rid, family, given, birth_date, sort_key) "
               "SELECT rid, 'Šimůnek', 'Jiří', '1948-02-29', 'simunek jiri' "
               "FROM resource WHERE id = 'old-1';"
               "INSERT INTO patient_fts (rowid, name, identifier, birthdate, phone) "
               "SELECT rid, 'Jiří Šimůnek', '', '1948-02-29', '' FROM resource "
               "WHERE id = 'old-1';");
  if (version == 3)
    add_legacy_audit (dir);
  if (version >= 3)
    {
      g_autofree char *base = g_strdup_printf ("INSERT INTO merge_base (type, id, version_id, json) "
                                               "VALUES ('Patient', 'old-1', 7, '%s')", patient_json);
      exec (dir, base);
    }
  return g_steal_pointer (&dir);
}

static void
check_migrated (const char *dir,
                int         version)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) edit = NULL;
  HcStoreStatus status = { 0 };
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (user_version (dir), ==, _hc_store_latest_schema ());

  /* the old patient is there, findable, and writable with outbox and audit */
  found = hc_store_search_patients_sync (store, "jiri simu", 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  p = hc_store_get_sync (store, "Patient", "old-1", NULL, &error);
  g_assert_no_error (error);
  json_object_set_string_member (p, "gender", "female");
  edit = hc_store_put_sync (store, p, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (hc_store_get_status_sync (store, &status, NULL, &error));
  g_assert_cmpint (status.patients, ==, 1);
  g_assert_cmpint (status.pending, ==, 1);
  hc_store_status_clear (&status);
  /* an edit of a synced resource carries its server version as the base */
  g_assert_cmpint (hc_test_count (dir, "SELECT base_version FROM changeset_entry"), ==, 7);
  /* the merge base of a synced record is the server's version: kept as it was (schema 3),
   * copied from the row before the edit (schema 4) */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM merge_base WHERE id = 'old-1' "
                                            "AND version_id = 7 AND same_as_resource = 0 AND "
                                            "json = '%s'", patient_json);
    g_assert_cmpint (hc_test_count (dir, sql), ==, version >= 3 ? 1 : 0);
  }
  g_assert_true (hc_store_verify_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  /* every entry is signed: the ones schema 3 wrote were signed by the migration */
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit WHERE sig IS NULL"), ==, 0);
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit WHERE actor = 'dr.old'"), ==,
                   version == 3 ? 3 : 0);
}

static void
test_from_version (gconstpointer data)
{
  int version = GPOINTER_TO_INT (data);
  g_autofree char *dir = store_at_version (version);

  check_migrated (dir, version);
}

static void
test_fresh (void)
{
  g_autofree char *dir = NULL;
  HcStore *store = hc_test_new_store (&dir);

  g_assert_cmpint (user_version (dir), ==, _hc_store_latest_schema ());
  g_assert_finalize_object (store);
}

static void
test_failed_migration_rolls_back (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_at_version (2);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  HcStore *store;

  /* something in the way of migration 3 */
  exec (dir, "CREATE TABLE audit (x)");
  before = hc_test_store_digest (dir);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "schema 3"));
  g_assert_cmpint (user_version (dir), ==, 2);
  after = hc_test_store_digest (dir);
  g_assert_cmpstr (before, ==, after);
}

/* A schema 3 log altered before the upgrade: the migration signs what is intact before the
 * damage, never the damage, and verify still names it. */
static void
test_broken_legacy_audit (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_at_version (3);
  HcStore *store;

  exec (dir, "DROP TRIGGER audit_append_only_update;"
             "UPDATE audit SET actor = 'mallory' WHERE seq = 2;"
             "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
             "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;");
  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit WHERE sig IS NOT NULL"), ==, 1);
  g_assert_false (hc_store_verify_sync (store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "entry 2 was altered"));
  g_assert_finalize_object (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/migrations/fresh", test_fresh);
  for (int v = 1; v < _hc_store_latest_schema (); v++)
    {
      g_autofree char *path = g_strdup_printf ("/hc/data/migrations/from-v%d", v);
      g_test_add_data_func (path, GINT_TO_POINTER (v), test_from_version);
    }
  g_test_add_func ("/hc/data/migrations/failure-rolls-back", test_failed_migration_rolls_back);
  g_test_add_func ("/hc/data/migrations/v3-broken-audit", test_broken_legacy_audit);

  return g_test_run ();
}
