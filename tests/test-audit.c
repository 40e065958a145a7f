/* test-audit.c: the local audit log is hash-chained and signed; verify names the first bad entry
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test tampers with the log the way someone who can write the database file but does not
 * have the key would, then checks that hc_store_verify_sync() and `housecall-cli verify` both
 * report the first bad entry.
 */

#include "config.h"

#include <string.h>
#include <gnutls/crypto.h>

#include "hc-store-private.h"
#include "hc-test-utils.h"

#define PATIENT "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Okonkwo\",\"given\":[\"Ada\"]}]," \
                "\"birthDate\":\"1961-05-02\"}"

/* A closed store whose log holds 5 entries: create, read, update, create, read. */
static char *
store_with_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  HcStore *store = hc_test_new_store (&dir);

  hc_store_set_actor (store, "dr.adeyemi");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonObject) in = hc_test_object (PATIENT);
      g_autoptr(JsonObject) p = hc_store_put_sync (store, in, NULL, &error);
      g_autoptr(JsonObject) got = NULL;

      g_assert_no_error (error);
      got = hc_store_get_sync (store, "Patient", json_object_get_string_member (p, "id"), NULL,
                               &error);
      g_assert_no_error (error);
      if (i == 0)
        {
          g_autoptr(JsonObject) edited = NULL;

          json_object_set_string_member (got, "gender", "female");
          edited = hc_store_put_sync (store, got, NULL, &error);
          g_assert_no_error (error);
        }
    }
  g_assert_true (hc_store_verify_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit"), ==, 5);
  return g_steal_pointer (&dir);
}

static void
tamper (const char *dir,
        const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db = hc_test_open_db (path);
  char *errmsg = NULL;

  if (sqlite3_exec (db, "DROP TRIGGER IF EXISTS audit_append_only_update;"
                        "DROP TRIGGER IF EXISTS audit_append_only_delete;", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("%s: %s", sql, errmsg);
  hc_crypt_db_close (db);
}

static void
rechain (const char *dir,
         gint64      from)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db = hc_test_open_db (path);

  hc_test_audit_rechain (db, from);
  hc_crypt_db_close (db);
}

/* verify fails with @message, in the library and in the CLI (exit status 1, one line). */
static void
assert_verify_fails (const char *dir,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  g_assert_false (hc_store_verify_sync (store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  if (strstr (error->message, message) == NULL)
    g_error ("expected '%s' in: %s", message, error->message);
  g_assert_finalize_object (store);

  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", dir, "verify", NULL }, NULL,
                                    &out, &err), ==, 1);
  if (strstr (err, message) == NULL)
    g_error ("expected '%s' from housecall-cli verify: %s", message, err);
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

static void
assert_verify_ok (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (hc_store_verify_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", dir, "verify", NULL }, NULL,
                                    &out, &err), ==, 0);
}

static void
test_signed (void)
{
  g_autofree char *dir = store_with_log ();

  /* every entry carries a signature, each different, none equal to its hash */
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit WHERE length(sig) = 64"), ==, 5);
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(DISTINCT sig) FROM audit"), ==, 5);
  g_assert_cmpint (hc_test_count (dir, "SELECT COUNT(*) FROM audit WHERE sig = hash"), ==, 0);
  assert_verify_ok (dir);
}

static void
test_edited (void)
{
  g_autofree char *dir = store_with_log ();

  tamper (dir, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
  assert_verify_fails (dir, "entry 3 was altered");
}

static void
test_deleted (void)
{
  g_autofree char *dir = store_with_log ();

  tamper (dir, "DELETE FROM audit WHERE seq = 2");
  assert_verify_fails (dir, "entry 2 is missing");
}

static void
test_deleted_renumbered (void)
{
  g_autofree char *dir = store_with_log ();

  /* the gap closed and the chain recomputed: only the key could sign that */
  tamper (dir, "DELETE FROM audit WHERE seq = 2;"
               "UPDATE audit SET seq = seq - 1 WHERE seq > 2;");
  rechain (dir, 2);
  assert_verify_fails (dir, "entry 2 has an invalid signature");
}

static void
test_reordered (void)
{
  g_autofree char *dir = store_with_log ();

  tamper (dir, "UPDATE audit SET seq = 100 WHERE seq = 2;"
               "UPDATE audit SET seq = 2 WHERE seq = 3;"
               "UPDATE audit SET seq = 3 WHERE seq = 100;");
  assert_verify_fails (dir, "entry 2 was altered");
}

static void
test_forged (void)
{
  g_autofree char *dir = store_with_log ();

  /* an edit with the hash chain recomputed after it: consistent, but not signed by the key */
  tamper (dir, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
  rechain (dir, 3);
  assert_verify_fails (dir, "entry 3 has an invalid signature");
}

static void
test_forged_appended (void)
{
  g_autofree char *dir = store_with_log ();
  g_autofree char *other = store_with_log ();

  /* a new entry at the end with a correct chain: unsigned, or signed with another key */
  tamper (dir, "INSERT INTO audit (seq, at, actor, action, entity, prev_hash, hash) "
               "VALUES (6, '2026-11-28T00:00:00Z', 'mallory', 'read', 'Patient/x', '', '')");
  rechain (dir, 6);
  assert_verify_fails (dir, "entry 6 is not signed");

  /* entries of another store, whose key differs, copied in whole */
  g_clear_pointer (&dir, g_free);
  dir = store_with_log ();
  {
    g_autofree char *path = g_build_filename (other, "housecall.db", NULL);
    sqlite3 *db = hc_test_open_db (path);
    sqlite3_stmt *stmt = NULL;
    g_autofree char *sql = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sig FROM audit WHERE seq = 5", -1, &stmt,
                                         NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    sql = g_strdup_printf ("UPDATE audit SET sig = '%s' WHERE seq = 5",
                           (const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    hc_crypt_db_close (db);
    tamper (dir, sql);
  }
  assert_verify_fails (dir, "entry 5 has an invalid signature");
}

static void
test_lock_unlock (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_with_log ();
  g_autoptr(JsonObject) in = hc_test_object (PATIENT);
  g_autoptr(JsonObject) p = NULL;
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  hc_store_lock (store);
  g_assert_false (hc_store_verify_sync (store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_true (hc_store_unlock_sync (store, HC_TEST_PASSPHRASE, NULL, &error));
  /* the key derived again after unlocking is the same key */
  p = hc_store_put_sync (store, in, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hc_store_verify_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);
}

/* What happens outside the store (a print) goes into the same signed chain; anything but a
 * known action on a valid reference is refused and writes nothing. */
static void
test_outside_actions (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_with_log ();
  g_autoptr(JsonArray) log = NULL;
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  JsonObject *last;

  g_assert_no_error (error);
  g_assert_true (hc_store_audit_sync (store, "print", "MedicationRequest/rx-1", "prescription",
                                      NULL, &error));
  g_assert_no_error (error);
  g_assert_false (hc_store_audit_sync (store, "erase", "MedicationRequest/rx-1", NULL, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (hc_store_audit_sync (store, "print", "../etc/passwd", NULL, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_clear_error (&error);

  log = hc_store_list_audit_sync (store, 0, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (log), ==, 6);
  last = json_array_get_object_element (log, 5);
  g_assert_cmpstr (json_object_get_string_member (last, "action"), ==, "print");
  g_assert_cmpstr (json_object_get_string_member (last, "entity"), ==, "MedicationRequest/rx-1");
  g_assert_cmpstr (json_object_get_string_member (last, "actor"), ==, g_get_user_name ());
  g_assert_finalize_object (store);
  assert_verify_ok (dir);
}

static void
assert_last_actor (HcStore    *store,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) log = hc_store_list_audit_sync (store, 0, 1000, NULL, &error);
  JsonObject *last;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (log), >, 0);
  last = json_array_get_object_element (log, json_array_get_length (log) - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "actor"), ==, expected);
}

/* The log names the user the store is logged in as, not the operating-system account the
 * app runs under: from the moment of the login, after the store is closed and opened again,
 * and after a lock and an unlock. */
static void
test_login_actor (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  HcStore *store = hc_test_new_store (&dir);

  g_assert_true (hc_store_audit_sync (store, "print", "Patient/p-1", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_last_actor (store, g_get_user_name ());

  g_assert_true (hc_store_set_sync_values_sync (store, NULL, &error, "user", "dr.nakamura",
                                                NULL));
  g_assert_no_error (error);
  g_assert_true (hc_store_audit_sync (store, "print", "Patient/p-1", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_last_actor (store, "dr.nakamura");
  g_assert_finalize_object (store);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hc_store_audit_sync (store, "print", "Patient/p-2", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_last_actor (store, "dr.nakamura");

  hc_store_lock (store);
  g_assert_true (hc_store_unlock_sync (store, HC_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hc_store_audit_sync (store, "print", "Patient/p-3", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_last_actor (store, "dr.nakamura");
  g_assert_finalize_object (store);
  assert_verify_ok (dir);
}

/* RFC 5869 test case 1, the expand step (PRK given), first 32 bytes of the OKM: the derived
 * key MACs as the known key does. */
static void
test_derive_known_answer (void)
{
  static const guint8 prk[32] = {
    0x07, 0x77, 0x09, 0x36, 0x2c, 0x2e, 0x32, 0xdf, 0x0d, 0xdc, 0x3f, 0x0d, 0xc4, 0x7b, 0xba, 0x63,
    0x90, 0xb6, 0xc7, 0x3b, 0xb5, 0x0f, 0x9c, 0x31, 0x22, 0xec, 0x84, 0x4a, 0xd7, 0xc2, 0xb3, 0xe5 };
  static const guint8 info[10] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9 };
  static const guint8 okm[32] = {
    0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a,
    0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4, 0xc5, 0xbf };
  g_autoptr(GError) error = NULL;
  HcCryptKey *key = hc_crypt_key_new_from_bytes (prk);
  HcCryptKey *derived = hc_crypt_key_derive (key, info, sizeof info, &error);
  guint8 mac[32], expect[32];

  g_assert_no_error (error);
  hc_crypt_hmac (derived, "Hi There", 8, mac);
  g_assert_cmpint (gnutls_hmac_fast (GNUTLS_MAC_SHA256, okm, sizeof okm, "Hi There", 8, expect), ==, 0);
  g_assert_cmpmem (mac, sizeof mac, expect, sizeof expect);
  hc_crypt_key_free (derived);
  hc_crypt_key_free (key);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  _hc_crypt_set_test_iterations (1000);

  g_test_add_func ("/hc/data/audit/derive-known-answer", test_derive_known_answer);
  g_test_add_func ("/hc/data/audit/signed", test_signed);
  g_test_add_func ("/hc/data/audit/edited", test_edited);
  g_test_add_func ("/hc/data/audit/deleted", test_deleted);
  g_test_add_func ("/hc/data/audit/deleted-renumbered", test_deleted_renumbered);
  g_test_add_func ("/hc/data/audit/reordered", test_reordered);
  g_test_add_func ("/hc/data/audit/forged", test_forged);
  g_test_add_func ("/hc/data/audit/forged-appended", test_forged_appended);
  g_test_add_func ("/hc/data/audit/lock-unlock", test_lock_unlock);
  g_test_add_func ("/hc/data/audit/outside-actions", test_outside_actions);
  g_test_add_func ("/hc/data/audit/login-actor", test_login_actor);

  return g_test_run ();
}
