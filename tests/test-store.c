/* test-store.c: the chart store: open, put, get, delete, outbox, audit, async API
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <glib/gstdio.h>

#include "hc-demo.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-test-utils.h"

#define PATIENT \
  "{\"resourceType\":\"Patient\",\"name\":[{\"use\":\"official\",\"family\":\"Okafor\"," \
  "\"given\":[\"Ada\"]}],\"gender\":\"female\",\"birthDate\":\"1961-07-04\"}"

typedef HcTestStore Fixture;

static JsonObject *
put (HcStore    *store,
     const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) in = hc_test_object (json);
  JsonObject *out = hc_store_put_sync (store, in, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static gint64
pending (HcStore *store)
{
  HcStoreStatus status = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (hc_store_get_status_sync (store, &status, NULL, &error));
  g_assert_no_error (error);
  hc_store_status_clear (&status);
  return status.pending;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_open_create_and_reopen (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *id = NULL;
  HcStore *store = hc_test_new_store (&dir);
  g_autoptr(JsonObject) p = put (store, PATIENT);

  id = g_strdup (json_object_get_string_member (p, "id"));
  g_assert_finalize_object (store);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) again = hc_store_get_sync (store, "Patient", id, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (again, "birthDate"), ==, "1961-07-04");
  }
  g_assert_cmpstr (hc_store_get_dir (store), ==, dir);
  g_assert_finalize_object (store);
}

static void
test_open_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "nothing-here", NULL);
  HcStore *store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);

  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_open_not_ours (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("photos");
  g_autofree char *file = g_build_filename (dir, "holiday.jpg", NULL);
  g_autofree char *before = NULL;
  HcStore *store;

  g_assert_true (g_file_set_contents (file, "not a store", -1, NULL));

  store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE);
  g_assert_nonnull (strstr (error->message, "not a Housecall store"));
  g_clear_error (&error);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE);

  /* nothing was added to the directory */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (d), ==, "holiday.jpg");
    g_assert_null (g_dir_read_name (d));
  }
  (void) before;
}

static void
test_open_foreign_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("foreign");
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  sqlite3 *db;
  HcStore *store;

  /* someone else's SQLite database under our name */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE);
  g_clear_error (&error);

  /* and a file that is not a database at all */
  g_assert_true (g_file_set_contents (path, "garbage garbage garbage garbage garbage garbage "
                                            "garbage garbage garbage garbage garbage garbage", -1,
                                      NULL));
  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE);
}

static void
test_open_too_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  HcStore *store = hc_test_new_store (&dir);
  sqlite3 *db;

  g_assert_finalize_object (store);
  path = g_build_filename (dir, "housecall.db", NULL);
  db = hc_test_open_db (path);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
  hc_crypt_db_close (db);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_NEW);
}

static void
test_put_assigns_uuidv7 (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) p = put (f->store, PATIENT);
  const char *id = json_object_get_string_member (p, "id");

  g_assert_cmpuint (strlen (id), ==, 36);
  g_assert_cmpint (id[14], ==, '7');
  g_assert_true (strchr ("89ab", id[19]) != NULL);
  for (const char *c = id; *c; c++)
    g_assert_false (g_ascii_isupper (*c));
}

static void
test_put_many_one_changeset (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patient = put (f->store, PATIENT);
  g_autofree char *subject = g_strdup_printf ("Patient/%s",
                                              json_object_get_string_member (patient, "id"));
  g_autoptr(JsonArray) batch = json_array_new ();
  g_autoptr(JsonArray) stored = NULL;
  g_autoptr(JsonArray) outbox_before = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(JsonArray) bad = json_array_new ();
  JsonObject *obs;

  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      obs = json_object_new ();
      json_object_set_string_member (obs, "resourceType", "Observation");
      json_object_set_string_member (obs, "status", "final");
      json_object_set_object_member (obs, "code",
                                     hc_test_object ("{\"text\":\"Body weight\"}"));
      json_object_set_object_member (obs, "subject", json_object_new ());
      json_object_set_string_member (json_object_get_object_member (obs, "subject"),
                                     "reference", subject);
      json_array_add_object_element (batch, obs);
    }
  stored = hc_store_put_many_sync (f->store, batch, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (stored), ==, 3);
  g_assert_true (json_object_has_member (json_array_get_object_element (stored, 2), "id"));
  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  /* one more changeset for the three writes together */
  g_assert_cmpuint (json_array_get_length (outbox), ==, json_array_get_length (outbox_before) + 1);

  /* one invalid entry: nothing of the batch is stored */
  json_array_add_object_element (bad, hc_test_object (PATIENT));
  json_array_add_object_element (bad, hc_test_object ("{\"resourceType\":\"Patient\",\"gender\":\"nonsense\"}"));
  g_assert_null (hc_store_put_many_sync (f->store, bad, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&outbox, json_array_unref);
  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (outbox), ==, json_array_get_length (outbox_before) + 1);
}

static void
test_list_chart (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patient = put (f->store, PATIENT);
  const char *pid = json_object_get_string_member (patient, "id");
  g_autoptr(JsonObject) other = put (f->store, PATIENT);
  const char *dates[] = { "2024-01-05", "2025-06-01", "2023-03-09" };
  const char *only_conditions[] = { "Condition", NULL };
  const char *unknown[] = { "Nonsense", NULL };
  g_autoptr(JsonArray) all = NULL;
  g_autoptr(JsonArray) conditions = NULL;
  g_autoptr(JsonArray) none = NULL;
  g_autofree char *deleted_id = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"Weight\"},"
        "\"subject\":{\"reference\":\"Patient/%s\"},\"effectiveDateTime\":\"%s\"}", pid, dates[i]);
      g_autoptr(JsonObject) obs = put (f->store, json);
      if (i == 2)
        deleted_id = g_strdup (json_object_get_string_member (obs, "id"));
    }
  {
    g_autofree char *json = g_strdup_printf (
      "{\"resourceType\":\"Condition\",\"code\":{\"text\":\"Asthma\"},"
      "\"subject\":{\"reference\":\"Patient/%s\"}}", pid);
    g_autofree char *json2 = g_strdup_printf (
      "{\"resourceType\":\"Condition\",\"code\":{\"text\":\"Gout\"},"
      "\"subject\":{\"reference\":\"Patient/%s\"}}", json_object_get_string_member (other, "id"));
    g_autoptr(JsonObject) c1 = put (f->store, json);
    g_autoptr(JsonObject) c2 = put (f->store, json2);
  }
  g_assert_true (hc_store_delete_sync (f->store, "Observation", deleted_id, NULL, &error));
  g_assert_no_error (error);

  all = hc_store_list_chart_sync (f->store, pid, NULL, NULL, &error);
  g_assert_no_error (error);
  /* two live observations, newest first, then the undated condition; not the other patient's */
  g_assert_cmpuint (json_array_get_length (all), >=, 3);
  {
    JsonObject *first = json_object_get_object_member (json_array_get_object_element (all, 0),
                                                       "resource");
    JsonObject *second = json_object_get_object_member (json_array_get_object_element (all, 1),
                                                        "resource");
    g_assert_cmpstr (json_object_get_string_member (first, "effectiveDateTime"), ==, "2025-06-01");
    g_assert_cmpstr (json_object_get_string_member (second, "effectiveDateTime"), ==, "2024-01-05");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (all, 0), "state"),
                     ==, "local");
  }
  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *res = json_object_get_object_member (json_array_get_object_element (all, i),
                                                       "resource");
      g_assert_cmpstr (json_object_get_string_member (res, "id"), !=, deleted_id);
      if (g_strcmp0 (json_object_get_string_member (res, "resourceType"), "Condition") == 0)
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (res, "code"),
                                                        "text"), ==, "Asthma");
    }

  conditions = hc_store_list_chart_sync (f->store, pid, only_conditions, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (conditions), ==, 1);

  none = hc_store_list_chart_sync (f->store, pid, unknown, NULL, &error);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_null (hc_store_list_chart_sync (f->store, "../etc", NULL, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
}

static JsonObject *
put_appointment (HcStore    *store,
                 const char *patient_id,
                 const char *start,
                 const char *status)
{
  g_autofree char *json = g_strdup_printf (
    "{\"resourceType\":\"Appointment\",\"status\":\"%s\",\"start\":\"%s\","
    "\"participant\":[{\"actor\":{\"reference\":\"Patient/%s\"},\"status\":\"accepted\"}]}",
    status, start, patient_id);

  return put (store, json);
}

static const char *
row_start (JsonArray *rows,
           guint      i)
{
  JsonObject *row = json_array_get_object_element (rows, i);

  return json_object_get_string_member (json_object_get_object_member (row, "resource"), "start");
}

static void
test_list_appointments (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patient = put (f->store, PATIENT);
  const char *pid = json_object_get_string_member (patient, "id");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) from = g_date_time_new (utc, 2026, 3, 10, 0, 0, 0);
  g_autoptr(GDateTime) to = g_date_time_new (utc, 2026, 3, 11, 0, 0, 0);
  g_autoptr(JsonArray) day = NULL;
  g_autoptr(JsonArray) week = NULL;
  g_autoptr(JsonArray) none = NULL;
  g_autoptr(GDateTime) week_end = NULL;
  g_autoptr(JsonObject) a1 = NULL, a2 = NULL, a3 = NULL, a4 = NULL, a5 = NULL, a6 = NULL;
  JsonObject *first, *who;

  /* 2026-03-10 in UTC: 09:00Z, 14:30+02:00 (12:30Z), 19:00-05:00 is 00:00Z the next day */
  a1 = put_appointment (f->store, pid, "2026-03-10T09:00:00Z", "booked");
  a2 = put_appointment (f->store, pid, "2026-03-10T14:30:00+02:00", "arrived");
  a3 = put_appointment (f->store, pid, "2026-03-10T19:00:00-05:00", "booked");
  /* the day before in UTC, though its date says the 10th */
  a4 = put_appointment (f->store, pid, "2026-03-10T00:30:00+01:00", "booked");
  a5 = put_appointment (f->store, pid, "2026-03-12T08:00:00Z", "cancelled");
  a6 = put_appointment (f->store, pid, "2026-03-10T10:00:00Z", "entered-in-error");

  day = hc_store_list_appointments_sync (f->store, from, to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (day), ==, 2);
  /* ordered by the time, not the text: 09:00Z before 12:30Z written as 14:30+02:00 */
  g_assert_cmpstr (row_start (day, 0), ==, "2026-03-10T09:00:00Z");
  g_assert_cmpstr (row_start (day, 1), ==, "2026-03-10T14:30:00+02:00");
  first = json_array_get_object_element (day, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "state"), ==, "local");
  who = json_object_get_object_member (first, "patient");
  g_assert_nonnull (who);
  g_assert_cmpstr (json_object_get_string_member (who, "id"), ==, pid);
  g_assert_cmpstr (json_object_get_string_member (who, "family"), ==, "Okafor");
  g_assert_cmpstr (json_object_get_string_member (who, "given"), ==, "Ada");

  /* a week: every live appointment in it, the cancelled one too */
  week_end = g_date_time_add_days (from, 7);
  week = hc_store_list_appointments_sync (f->store, from, week_end, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (week), ==, 4);
  g_assert_cmpstr (row_start (week, 2), ==, "2026-03-10T19:00:00-05:00");
  g_assert_cmpstr (row_start (week, 3), ==, "2026-03-12T08:00:00Z");

  /* deleted ones go, and an appointment whose patient is unknown has no "patient" */
  g_assert_true (hc_store_delete_sync (f->store, "Appointment",
                                       json_object_get_string_member (a1, "id"), NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) orphan = put_appointment (f->store, "nobody-here",
                                                    "2026-03-10T11:00:00Z", "booked");
  }
  none = hc_store_list_appointments_sync (f->store, from, to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (none), ==, 2);
  g_assert_cmpstr (row_start (none, 0), ==, "2026-03-10T11:00:00Z");
  g_assert_false (json_object_has_member (json_array_get_object_element (none, 0), "patient"));
}

static void
test_put_keeps_caller_object (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) in = hc_test_object (PATIENT);
  g_autoptr(JsonObject) out = hc_store_put_sync (f->store, in, NULL, &error);

  g_assert_no_error (error);
  /* the id went to the stored copy, not into the caller's object */
  g_assert_false (json_object_has_member (in, "id"));
  g_assert_true (json_object_has_member (out, "id"));
}

static void
test_put_invalid_stores_nothing (Fixture       *f,
                                 gconstpointer  data)
{
  static const char * const bad[] = {
    "{\"resourceType\":\"Spaceship\"}",
    "{\"resourceType\":\"Patient\",\"id\":\"../../etc/passwd\"}",
    "{\"resourceType\":\"Patient\",\"id\":\"x y\"}",
    "{\"resourceType\":\"Patient\",\"id\":\"" /* 65 chars */
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
    "{\"resourceType\":42}",
    "{\"name\":[]}",
  };
  g_autofree char *before = hc_test_store_digest (f->dir);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) in = hc_test_object (bad[i]);
      g_autoptr(JsonObject) out = hc_store_put_sync (f->store, in, NULL, &error);
      g_autofree char *after = NULL;

      g_assert_null (out);
      g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
      g_assert_null (strchr (error->message, '\n'));
      after = hc_test_store_digest (f->dir);
      g_assert_cmpstr (before, ==, after);
    }
}

static void
test_update_and_unchanged (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = put (f->store, PATIENT);
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonArray) outbox = NULL;

  g_assert_cmpint (pending (f->store), ==, 1);

  /* the same content again: no new version, nothing queued */
  again = hc_store_put_sync (f->store, p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pending (f->store), ==, 1);

  json_object_set_string_member (p, "birthDate", "1961-07-05");
  changed = hc_store_put_sync (f->store, p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pending (f->store), ==, 2);

  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (outbox), ==, 2);
  {
    JsonObject *first = json_array_get_object_element (outbox, 0);
    JsonObject *second = json_array_get_object_element (outbox, 1);
    JsonObject *e1 = json_array_get_object_element (json_object_get_array_member (first, "entries"), 0);
    JsonObject *e2 = json_array_get_object_element (json_object_get_array_member (second, "entries"), 0);

    g_assert_cmpint (json_object_get_int_member (first, "seq"), <,
                     json_object_get_int_member (second, "seq"));
    g_assert_cmpstr (json_object_get_string_member (first, "key"), !=,
                     json_object_get_string_member (second, "key"));
    g_assert_cmpstr (json_object_get_string_member (e1, "op"), ==, "create");
    g_assert_cmpstr (json_object_get_string_member (e2, "op"), ==, "update");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (e2, "resource"),
                                                    "birthDate"), ==, "1961-07-05");
    g_assert_false (json_object_has_member (e1, "baseVersion"));
  }
}

static void
test_server_meta_kept (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = put (f->store, "{\"resourceType\":\"Patient\",\"id\":\"m1\","
                                           "\"meta\":{\"versionId\":\"3\"},\"gender\":\"male\"}");
  g_autoptr(JsonObject) edit = hc_test_object ("{\"resourceType\":\"Patient\",\"id\":\"m1\","
                                               "\"meta\":{\"versionId\":\"99\",\"tag\":[{\"code\":\"x\"}]},"
                                               "\"gender\":\"female\"}");
  g_autoptr(JsonObject) out = hc_store_put_sync (f->store, edit, NULL, &error);
  JsonObject *meta;

  g_assert_no_error (error);
  meta = json_object_get_object_member (out, "meta");
  /* versionId is the server's; the client cannot change it */
  g_assert_cmpstr (json_object_get_string_member (meta, "versionId"), ==, "3");
  g_assert_true (json_object_has_member (meta, "tag"));
}

static void
test_get_errors (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) r = NULL;

  r = hc_store_get_sync (f->store, "Patient", "nope", NULL, &error);
  g_assert_null (r);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  r = hc_store_get_sync (f->store, "Patient", "../x", NULL, &error);
  g_assert_null (r);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_clear_error (&error);

  r = hc_store_get_sync (f->store, "Robot", "x", NULL, &error);
  g_assert_null (r);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
}

static void
test_signed_note_immutable (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) note = put (f->store,
    "{\"resourceType\":\"Composition\",\"id\":\"n1\",\"status\":\"final\","
    "\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11506-3\"}]},"
    "\"subject\":{\"reference\":\"Patient/p1\"},\"date\":\"2026-11-01T10:00:00Z\","
    "\"author\":[{\"reference\":\"Practitioner/d1\"}],\"title\":\"Progress note\"}");
  g_autoptr(JsonObject) out = NULL;
  g_autofree char *before = hc_test_store_digest (f->dir);
  g_autofree char *after = NULL;

  json_object_set_string_member (note, "title", "Edited after signing");
  out = hc_store_put_sync (f->store, note, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE);
  g_assert_nonnull (strstr (error->message, "addendum"));
  g_clear_error (&error);
  after = hc_test_store_digest (f->dir);
  g_assert_cmpstr (before, ==, after);

  /* deleting a signed note marks it entered-in-error: the only change allowed */
  g_assert_true (hc_store_delete_sync (f->store, "Composition", "n1", NULL, &error));
  g_assert_no_error (error);
  out = hc_store_get_sync (f->store, "Composition", "n1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (out, "status"), ==, "entered-in-error");
  g_assert_cmpstr (json_object_get_string_member (out, "title"), ==, "Progress note");
}

static void
test_delete_rules (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = put (f->store, PATIENT);
  const char *pid = json_object_get_string_member (p, "id");
  g_autofree char *subject = g_strdup_printf ("{\"reference\":\"Patient/%s\"}", pid);
  g_autofree char *cond_json = g_strdup_printf (
    "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":%s,"
    "\"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"active\"}]},"
    "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"I10\"}]}}", subject);
  g_autofree char *obs_json = g_strdup_printf (
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"subject\":%s,"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]}}", subject);
  g_autoptr(JsonObject) c = put (f->store, cond_json);
  g_autoptr(JsonObject) o = put (f->store, obs_json);
  g_autoptr(JsonObject) got = NULL;
  g_autoptr(JsonObject) empty = put (f->store, "{\"resourceType\":\"Patient\",\"id\":\"oops\"}");
  g_autoptr(JsonObject) prov = put (f->store,
    "{\"resourceType\":\"Provenance\",\"id\":\"pv1\",\"target\":[{\"reference\":\"Observation/o1\"}],"
    "\"recorded\":\"2026-11-01T10:00:00Z\",\"agent\":[{\"who\":{\"reference\":\"Practitioner/d1\"}}]}");

  /* an observation is not removed: it is marked entered-in-error, and that is synced */
  g_assert_true (hc_store_delete_sync (f->store, "Observation", "o1", NULL, &error));
  g_assert_no_error (error);
  got = hc_store_get_sync (f->store, "Observation", "o1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (got, "status"), ==, "entered-in-error");
  g_clear_pointer (&got, json_object_unref);

  /* a condition's verification status says so, and it loses its clinical status */
  g_assert_true (hc_store_delete_sync (f->store, "Condition", "c1", NULL, &error));
  got = hc_store_get_sync (f->store, "Condition", "c1", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (json_object_has_member (got, "clinicalStatus"));
  g_assert_true (json_object_has_member (got, "verificationStatus"));
  g_clear_pointer (&got, json_object_unref);

  /* a patient with a chart cannot be deleted */
  g_assert_false (hc_store_delete_sync (f->store, "Patient", pid, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE);
  g_clear_error (&error);

  /* history cannot be deleted */
  g_assert_false (hc_store_delete_sync (f->store, "Provenance", "pv1", NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE);
  g_clear_error (&error);

  /* a patient registered by mistake can: a tombstone, queued for the server */
  g_assert_true (hc_store_delete_sync (f->store, "Patient", "oops", NULL, &error));
  g_assert_no_error (error);
  got = hc_store_get_sync (f->store, "Patient", "oops", NULL, &error);
  g_assert_null (got);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_GONE);
  g_clear_error (&error);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM changeset_entry WHERE op = 'delete' "
                                          "AND id = 'oops'"), ==, 1);
  /* deleting again is a no-op */
  g_assert_true (hc_store_delete_sync (f->store, "Patient", "oops", NULL, &error));
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM changeset_entry WHERE op = 'delete' "
                                          "AND id = 'oops'"), ==, 1);

  g_assert_false (hc_store_delete_sync (f->store, "Patient", "never", NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
}

static void
test_index_columns (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) o = put (f->store,
    "{\"resourceType\":\"Observation\",\"id\":\"bp1\",\"status\":\"final\","
    "\"subject\":{\"reference\":\"Patient/p9\"},\"encounter\":{\"reference\":\"Encounter/e9\"},"
    "\"effectiveDateTime\":\"2026-10-01T09:30:00Z\","
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]}}");

  g_assert_cmpint (hc_test_count (f->dir,
    "SELECT COUNT(*) FROM resource WHERE id = 'bp1' AND patient = 'Patient/p9' AND "
    "status = 'final' AND date = '2026-10-01T09:30:00Z' AND code = 'http://loinc.org|85354-9' "
    "AND encounter = 'Encounter/e9'"), ==, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Remote versions (hc_store_apply_remote_sync) */

static gboolean
collect_cb (JsonObject  *resource,
            gpointer     user_data,
            GError     **error)
{
  json_array_add_object_element (user_data, json_object_ref (resource));
  return TRUE;
}

/* A $sync-changes entry for @resource at @version, the resource as an object or as text. */
static JsonObject *
remote_entry (JsonObject *resource,
              gint64      version,
              gboolean    as_text)
{
  JsonObject *entry = json_object_new ();
  JsonObject *request = json_object_new ();
  JsonObject *response = json_object_new ();
  g_autofree char *url = g_strdup_printf ("%s/%s", hc_json_get_string (resource, "resourceType"),
                                          hc_json_get_string (resource, "id"));
  g_autofree char *etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"", version);

  if (as_text)
    {
      g_autofree char *text = hc_json_object_to_string (resource, FALSE);
      json_object_set_string_member (entry, "resource", text);
    }
  else
    json_object_set_object_member (entry, "resource", hc_json_object_copy (resource));
  json_object_set_string_member (request, "method", "PUT");
  json_object_set_string_member (request, "url", url);
  json_object_set_string_member (response, "etag", etag);
  json_object_set_object_member (entry, "request", request);
  json_object_set_object_member (entry, "response", response);
  return entry;
}

static void
apply (HcStore          *store,
       JsonArray        *entries,
       HcStoreMergeFunc  merge,
       gpointer          merge_data)
{
  g_autoptr(GError) error = NULL;
  HcStoreApplyStats stats;

  g_assert_true (hc_store_apply_remote_sync (store, entries, NULL, NULL, FALSE, merge, merge_data,
                                             &stats, NULL, &error));
  g_assert_no_error (error);
}

/* Every row of the resource table and the patient index, as text. */
static char *
resource_rows (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
  GString *out = g_string_new (NULL);
  sqlite3 *db = hc_test_open_db (path);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT r.type, r.id, r.version_id, r.sync_state, "
                                           "r.patient, r.status, r.date, r.code, r.encounter, "
                                           "r.json, p.family, p.given, p.birth_date, p.mrn, "
                                           "p.phone, p.sort_key FROM resource r LEFT JOIN patient p "
                                           "ON p.rid = r.rid ORDER BY r.type, r.id", -1, &stmt,
                                   NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        g_string_append_printf (out, "%s\x1f", sqlite3_column_text (stmt, i) ?
                                (const char *) sqlite3_column_text (stmt, i) : "(null)");
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  hc_crypt_db_close (db);
  return g_string_free (out, FALSE);
}

/* Resources that come as text are stored and indexed exactly as those that come as objects
 * (the partial parse reads every member the index needs). */
static void
test_remote_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) panel = json_array_new ();
  g_autoptr(JsonArray) as_objects = json_array_new ();
  g_autoptr(JsonArray) as_text = json_array_new ();
  g_autofree char *dir_a = NULL, *dir_b = NULL;
  g_autofree char *rows_a = NULL, *rows_b = NULL;
  HcStore *a = hc_test_new_store (&dir_a);
  HcStore *b = hc_test_new_store (&dir_b);

  g_assert_true (hc_demo_generate (4, 7, "2026-11-27", collect_cb, panel, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (panel), >, 50);
  for (guint i = 0; i < json_array_get_length (panel); i++)
    {
      JsonObject *r = json_array_get_object_element (panel, i);
      json_array_add_object_element (as_objects, remote_entry (r, 1, FALSE));
      json_array_add_object_element (as_text, remote_entry (r, 1, TRUE));
    }
  apply (a, as_objects, NULL, NULL);
  apply (b, as_text, NULL, NULL);
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  rows_a = resource_rows (dir_a);
  rows_b = resource_rows (dir_b);
  {
    g_auto(GStrv) lines_a = g_strsplit (rows_a, "\n", -1);
    g_auto(GStrv) lines_b = g_strsplit (rows_b, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines_a), ==, json_array_get_length (panel) + 1);
    g_assert_cmpuint (g_strv_length (lines_a), ==, g_strv_length (lines_b));
    for (guint i = 0; lines_a[i]; i++)
      g_assert_cmpstr (lines_a[i], ==, lines_b[i]);
  }
  g_assert_nonnull (strstr (rows_b, "Patient/"));
}

typedef struct
{
  char *base;    /* what the merge hook was given */
} MergeSeen;

static HcStoreMerge *
keep_local_merge (const char *type,
                  const char *id,
                  JsonObject *base,
                  JsonObject *local,
                  JsonObject *remote,
                  gint64      base_version,
                  gint64      remote_version,
                  gpointer    user_data)
{
  MergeSeen *seen = user_data;
  HcStoreMerge *m = g_new0 (HcStoreMerge, 1);

  g_free (seen->base);
  seen->base = base ? hc_json_object_to_string (base, FALSE) : NULL;
  m->outcome = HC_STORE_MERGE_CLEAN;
  m->merged = local ? hc_json_object_copy (local) : NULL;
  m->elements = g_ptr_array_new_with_free_func (g_free);
  return m;
}

/* A pulled version is stored once: the merge base refers to the resource row until a local
 * change, which copies the server's version into the merge base first. */
static void
test_merge_base_copy_on_write (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *v1 = "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"versionId\":\"1\"},"
                   "\"status\":\"preliminary\",\"code\":{\"text\":\"weight\"},"
                   "\"subject\":{\"reference\":\"Patient/p1\"}}";
  g_autoptr(JsonObject) server = hc_test_object (v1);
  g_autoptr(JsonArray) entries = json_array_new ();
  g_autoptr(JsonArray) later = json_array_new ();
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) saved = NULL;
  MergeSeen seen = { NULL };

  json_array_add_object_element (entries, remote_entry (server, 1, TRUE));
  apply (f->store, entries, NULL, NULL);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM merge_base WHERE id = 'o1' AND "
                                          "version_id = 1 AND json IS NULL AND same_as_resource = 1"),
                   ==, 1);

  /* a local edit: the server's version moves into the merge base */
  local = hc_store_get_sync (f->store, "Observation", "o1", NULL, &error);
  g_assert_no_error (error);
  json_object_set_string_member (local, "status", "final");
  saved = hc_store_put_sync (f->store, local, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM merge_base WHERE id = 'o1' AND "
                                          "json LIKE '%preliminary%' AND same_as_resource = 0"),
                   ==, 1);

  /* a newer server version merges against that base */
  json_object_set_string_member (json_object_get_object_member (server, "meta"), "versionId", "2");
  json_object_set_string_member (server, "issued", "2026-11-27T10:00:00Z");
  json_array_add_object_element (later, remote_entry (server, 2, TRUE));
  apply (f->store, later, keep_local_merge, &seen);
  g_assert_nonnull (seen.base);
  g_assert_nonnull (strstr (seen.base, "preliminary"));
  g_assert_null (strstr (seen.base, "issued"));
  g_free (seen.base);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM merge_base WHERE id = 'o1' AND "
                                          "version_id = 2 AND json LIKE '%issued%'"), ==, 1);

  /* a local delete of a record pulled since keeps its base too */
  {
    g_autoptr(JsonObject) c = hc_test_object ("{\"resourceType\":\"Condition\",\"id\":\"c1\","
                                              "\"subject\":{\"reference\":\"Patient/p1\"}}");
    g_autoptr(JsonArray) more = json_array_new ();

    json_array_add_object_element (more, remote_entry (c, 3, TRUE));
    apply (f->store, more, NULL, NULL);
    g_assert_true (hc_store_delete_sync (f->store, "Condition", "c1", NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM merge_base WHERE id = 'c1' AND "
                                            "json LIKE '%Condition%' AND same_as_resource = 0"),
                     ==, 1);
  }
}

static void
test_audit_chain (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = put (f->store, PATIENT);
  const char *id = json_object_get_string_member (p, "id");
  g_autoptr(JsonObject) got = hc_store_get_sync (f->store, "Patient", id, NULL, &error);
  g_autofree char *path = g_build_filename (f->dir, "housecall.db", NULL);
  sqlite3 *db;
  char *errmsg = NULL;

  g_assert_no_error (error);
  hc_store_set_actor (f->store, "dr.okafor");
  json_object_set_string_member (p, "gender", "other");
  g_clear_pointer (&got, json_object_unref);
  got = hc_store_put_sync (f->store, p, NULL, &error);
  g_assert_no_error (error);

  /* create, read, update: who and what, never PHI */
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM audit"), ==, 3);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM audit WHERE action = 'read'"), ==, 1);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM audit WHERE action = 'update' "
                                          "AND actor = 'dr.okafor'"), ==, 1);
  g_assert_cmpint (hc_test_count (f->dir, "SELECT COUNT(*) FROM audit WHERE "
                                          "COALESCE(detail, '') || entity LIKE '%Okafor%'"), ==, 0);
  g_assert_true (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_no_error (error);

  /* append-only */
  db = hc_test_open_db (path);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET actor = 'mallory'", NULL, NULL, &errmsg), !=,
                   SQLITE_OK);
  g_assert_nonnull (strstr (errmsg, "append-only"));
  sqlite3_free (errmsg);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM audit", NULL, NULL, NULL), !=, SQLITE_OK);

  /* someone who drops the triggers is still caught by the chain: edit ... */
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER audit_append_only_update;"
                                     "UPDATE audit SET actor = 'mallory' WHERE seq = 2;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "entry 2 was altered"));
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET actor = (SELECT actor FROM audit WHERE seq = 1) "
                                     "WHERE seq = 2;", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_no_error (error);

  /* ... reorder ... */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET seq = 100 WHERE seq = 1;"
                                     "UPDATE audit SET seq = 1 WHERE seq = 2;"
                                     "UPDATE audit SET seq = 2 WHERE seq = 100;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET seq = 100 WHERE seq = 1;"
                                     "UPDATE audit SET seq = 1 WHERE seq = 2;"
                                     "UPDATE audit SET seq = 2 WHERE seq = 100;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (hc_store_verify_sync (f->store, NULL, &error));

  /* ... or delete an entry */
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER audit_append_only_delete;"
                                     "DELETE FROM audit WHERE seq = 2;", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_false (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "entry 2 is missing"));
  hc_crypt_db_close (db);
}

static void
test_verify_index_damage (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = put (f->store, PATIENT);
  g_autofree char *path = g_build_filename (f->dir, "housecall.db", NULL);
  sqlite3 *db;

  db = hc_test_open_db (path);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM patient", NULL, NULL, NULL), ==, SQLITE_OK);
  hc_crypt_db_close (db);
  g_assert_false (hc_store_verify_sync (f->store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "patient index"));
}

/* ------------------------------------------------------------------------------------------ */
/* The async API: callbacks in the caller's main context, "changed" after writes */

typedef struct
{
  GMainLoop  *loop;
  JsonObject *result;
  GListModel *model;
  GError     *error;
  guint       changed;
} AsyncState;

static void
put_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncState *s = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  s->result = hc_store_put_finish (HC_STORE (source), result, &s->error);
  g_main_loop_quit (s->loop);
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncState *s = user_data;

  s->model = hc_store_search_patients_finish (HC_STORE (source), result, &s->error);
  g_main_loop_quit (s->loop);
}

static void
get_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncState *s = user_data;

  s->result = hc_store_get_finish (HC_STORE (source), result, &s->error);
  g_main_loop_quit (s->loop);
}

static void
changed_cb (HcStore *store,
            gpointer user_data)
{
  AsyncState *s = user_data;
  s->changed++;
}

static gboolean
quit_idle (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_async_api (Fixture       *f,
                gconstpointer  data)
{
  AsyncState s = { g_main_loop_new (NULL, FALSE), NULL, NULL, NULL, 0 };
  g_autoptr(JsonObject) in = hc_test_object (PATIENT);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autofree char *id = NULL;

  g_signal_connect (f->store, "changed", G_CALLBACK (changed_cb), &s);

  hc_store_put_async (f->store, in, NULL, put_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  g_assert_nonnull (s.result);
  id = g_strdup (json_object_get_string_member (s.result, "id"));
  g_clear_pointer (&s.result, json_object_unref);

  /* let the "changed" emission run */
  g_idle_add (quit_idle, s.loop);
  g_main_loop_run (s.loop);
  g_assert_cmpuint (s.changed, ==, 1);

  hc_store_get_async (f->store, "Patient", id, NULL, get_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  g_assert_cmpstr (json_object_get_string_member (s.result, "id"), ==, id);
  g_clear_pointer (&s.result, json_object_unref);

  hc_store_search_patients_async (f->store, "oka", 10, NULL, search_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  g_assert_cmpuint (g_list_model_get_n_items (s.model), ==, 1);
  g_clear_object (&s.model);

  /* a read does not count as a change */
  g_idle_add (quit_idle, s.loop);
  g_main_loop_run (s.loop);
  g_assert_cmpuint (s.changed, ==, 1);

  /* a cancelled job never runs */
  g_cancellable_cancel (cancelled);
  hc_store_put_async (f->store, in, cancelled, put_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&s.error);
  g_assert_cmpint (pending (f->store), ==, 1);

  g_main_loop_unref (s.loop);
}

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncState *s = user_data;
  HcStore *store = hc_store_open_finish (result, &s->error);

  if (store)
    s->model = G_LIST_MODEL (g_list_store_new (HC_TYPE_STORE)),
    g_list_store_append (G_LIST_STORE (s->model), store),
    g_object_unref (store);
  g_main_loop_quit (s->loop);
}

static void
test_open_async (void)
{
  AsyncState s = { g_main_loop_new (NULL, FALSE), NULL, NULL, NULL, 0 };
  g_autofree char *dir = hc_test_tmpdir ("async");
  g_autofree char *sub = g_build_filename (dir, "store", NULL);

  hc_store_open_async (sub, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, open_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_error (s.error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&s.error);

  hc_store_open_async (sub, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, open_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  g_assert_cmpuint (g_list_model_get_n_items (s.model), ==, 1);
  g_clear_object (&s.model);
  g_main_loop_unref (s.loop);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/store/open/create-and-reopen", test_open_create_and_reopen);
  g_test_add_func ("/hc/data/store/open/missing", test_open_missing);
  g_test_add_func ("/hc/data/store/open/not-ours", test_open_not_ours);
  g_test_add_func ("/hc/data/store/open/foreign-database", test_open_foreign_database);
  g_test_add_func ("/hc/data/store/open/too-new", test_open_too_new);
  g_test_add_func ("/hc/data/store/open/async", test_open_async);
#define ADD(path, func) g_test_add (path, Fixture, NULL, hc_test_store_setup, func, hc_test_store_teardown)
  ADD ("/hc/data/store/put/assigns-uuidv7", test_put_assigns_uuidv7);
  ADD ("/hc/data/store/put/keeps-caller-object", test_put_keeps_caller_object);
  ADD ("/hc/data/store/put/many-one-changeset", test_put_many_one_changeset);
  ADD ("/hc/data/store/chart/list", test_list_chart);
  ADD ("/hc/data/store/appointments/list", test_list_appointments);
  ADD ("/hc/data/store/put/invalid-stores-nothing", test_put_invalid_stores_nothing);
  ADD ("/hc/data/store/put/update-and-unchanged", test_update_and_unchanged);
  ADD ("/hc/data/store/put/server-meta-kept", test_server_meta_kept);
  ADD ("/hc/data/store/put/index-columns", test_index_columns);
  ADD ("/hc/data/store/get/errors", test_get_errors);
  ADD ("/hc/data/store/rules/signed-note-immutable", test_signed_note_immutable);
  ADD ("/hc/data/store/rules/delete", test_delete_rules);
  ADD ("/hc/data/store/audit/chain", test_audit_chain);
  ADD ("/hc/data/store/verify/index-damage", test_verify_index_damage);
  ADD ("/hc/data/store/async", test_async_api);
  ADD ("/hc/data/store/sync/merge-base-copy-on-write", test_merge_base_copy_on_write);
#undef ADD
  g_test_add_func ("/hc/data/store/sync/remote-text", test_remote_text);

  return g_test_run ();
}
