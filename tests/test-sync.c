/* test-sync.c: clients syncing with a real housecall-server over HTTPS on loopback
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test uses its own client stores (driven through housecall-cli, or the library for the
 * engine's properties) and its own patients of one demo panel on one server.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "hc-json.h"
#include "hc-sync-engine.h"

#include "hc-fault-proxy.h"
#include "hc-test-pg.h"
#include "hc-test-utils.h"

#define PASSWORD "correct horse battery staple"

static HcTestServer server;
static guint server_port;
static gboolean faketime_works;   /* faketime runs our programs */
static HcTestPg *pg;              /* HOUSECALL_TEST_STORE=postgres: the server on PostgreSQL */

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

static char *
store_path (const char *name)
{
  return g_build_filename (server.workdir, "clients", name, NULL);
}

/* housecall-cli --store STORE ARGS… with @env and @prefix (both may be NULL). */
static int
cli_full (const char * const *env,
          const char * const *prefix,
          const char         *store,
          const char * const *args,
          const char         *stdin_text,
          char              **out,
          char              **err)
{
  g_autofree char *dir = store_path (store);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "--store");
  g_ptr_array_add (argv, dir);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return hc_test_run_cli_full (env, prefix, (const char * const *) argv->pdata, stdin_text, out, err);
}

#define ARGS(...) ((const char * const []) { __VA_ARGS__, NULL })

static int
cli (const char         *store,
     const char * const *args,
     char              **out,
     char              **err)
{
  return cli_full (NULL, NULL, store, args, NULL, out, err);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = hc_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = parse (text);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
login (const char *store,
       const char *user)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *env[] = { "HOUSECALL_PASSWORD", PASSWORD, NULL };

  g_assert_cmpint (cli_full (env, NULL, store, ARGS ("login", server.url, "--user", user,
                                                     "--ca-file", server.ca_file),
                             NULL, &out, &err), ==, 0);
}

/* `sync --json`, which must succeed */
static JsonObject *
sync_full (const char * const *env,
           const char * const *prefix,
           const char         *store)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = cli_full (env, prefix, store, ARGS ("sync", "--json"), NULL, &out, &err);

  if (rc != 0)
    g_error ("sync of %s failed: %s", store, err);
  return parse_object (out);
}

static JsonObject *
sync_store (const char *store)
{
  return sync_full (NULL, NULL, store);
}

static gint64
member (JsonObject *o,
        const char *name)
{
  g_assert_true (json_object_has_member (o, name));
  return json_object_get_int_member (o, name);
}

static JsonObject *
status (const char *store)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (cli (store, ARGS ("status", "--json"), &out, &err), ==, 0);
  return parse_object (out);
}

static JsonObject *
get (const char *store,
     const char *ref)
{
  g_autofree char *out = NULL, *err = NULL;

  if (cli (store, ARGS ("get", ref), &out, &err) != 0)
    g_error ("get %s from %s: %s", ref, store, err);
  return parse_object (out);
}

static void
put (const char *store,
     JsonObject *resource)
{
  g_autofree char *text = hc_json_object_to_string (resource, FALSE);
  g_autofree char *out = NULL, *err = NULL;

  if (cli_full (NULL, NULL, store, ARGS ("put", "-"), text, &out, &err) != 0)
    g_error ("put into %s: %s", store, err);
}

/* One value from the server's database, read-only. */
static char *
server_value (const char *sql)
{
  g_autofree char *path = g_build_filename (server.workdir, "server.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (server.postgres != NULL)
    {
      g_autoptr(GPtrArray) column = hc_test_pg_column (server.postgres, sql);
      return column->len > 0 ? g_strdup (column->pdata[0]) : NULL;
    }
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static gint64
server_count (const char *sql)
{
  g_autofree char *v = server_value (sql);
  return v ? g_ascii_strtoll (v, NULL, 10) : -1;
}

/* The id of the @n-th patient of the panel: each test edits its own. */
static char *
patient (guint n)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM resource WHERE type = 'Patient' "
                                          "ORDER BY id LIMIT 1 OFFSET %u", n);
  char *id = server_value (sql);

  g_assert_nonnull (id);
  return id;
}

static gint64
server_version (const char *type,
                const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT version FROM resource WHERE type = '%s' "
                                          "AND id = '%s'", type, id);
  return server_count (sql);
}

static gint64
live_on_server (void)
{
  return server_count ("SELECT COUNT(*) FROM resource WHERE NOT deleted");
}

static const char *
email_of (JsonObject *patient_resource)
{
  JsonArray *telecom = hc_json_get_array (patient_resource, "telecom");

  for (guint i = 0; telecom && i < json_array_get_length (telecom); i++)
    {
      JsonObject *t = hc_json_array_get_object (telecom, i);
      if (g_strcmp0 (hc_json_get_string (t, "system"), "email") == 0)
        return hc_json_get_string (t, "value");
    }
  return NULL;
}

static void
set_marital (JsonObject *p,
             const char *code)
{
  JsonObject *concept = json_object_new ();
  JsonArray *codings = json_array_new ();
  JsonObject *coding = json_object_new ();

  json_object_set_string_member (coding, "system",
                                 "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus");
  json_object_set_string_member (coding, "code", code);
  json_array_add_object_element (codings, coding);
  json_object_set_array_member (concept, "coding", codings);
  json_object_set_object_member (p, "maritalStatus", concept);
}

static const char *
marital_of (JsonObject *p)
{
  JsonObject *concept = hc_json_get_object (p, "maritalStatus");
  return hc_json_get_string (hc_json_array_get_object (hc_json_get_array (concept, "coding"), 0),
                             "code");
}

static void
new_client (const char *store,
            const char *user)
{
  g_autoptr(JsonObject) s = NULL;

  login (store, user);
  s = sync_store (store);
  g_assert_cmpint (member (s, "pulled"), ==, live_on_server ());
}

static gboolean
have_faketime (void)
{
  g_autofree char *path = g_find_program_in_path ("faketime");
  return path != NULL;
}

/* AuditEvents on the server from the store @store_id */
static gint64
server_audit_count (const char *store_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM audit_event WHERE id LIKE '%s.%%'",
                                          store_id);
  return server_count (sql);
}

static gint64
local_audit_count (const char *store)
{
  g_autofree char *dir = store_path (store);
  return hc_test_count (dir, "SELECT COUNT(*) FROM audit");
}

/* ------------------------------------------------------------------------------------------ */
/* Tests */

/* A new client logs in, takes the whole panel, and an idle sync is one round trip. */
static void
test_first_sync (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) idle = NULL;
  g_autoptr(JsonObject) st = NULL;
  const char *wrong[] = { "HOUSECALL_PASSWORD", "not the password", NULL };
  gint64 live = live_on_server ();

  g_assert_cmpint (cli_full (wrong, NULL, "first", ARGS ("login", server.url, "--user", "alice",
                                                        "--ca-file", server.ca_file),
                             NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "wrong user name or password"));
  g_assert_cmpint (cli ("first", ARGS ("sync"), &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "not logged in"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);   /* one line */

  login ("first", "alice");
  first = sync_store ("first");
  g_assert_cmpint (member (first, "pulled"), ==, live);
  g_assert_cmpint (member (first, "applied"), ==, live);
  g_assert_cmpint (member (first, "pending"), ==, 0);
  st = status ("first");
  g_assert_cmpint (member (st, "resources"), ==, live);
  g_assert_cmpint (member (st, "pending"), ==, 0);
  g_assert_cmpint (member (st, "conflicts"), ==, 0);
  g_assert_nonnull (json_object_get_string_member (st, "last_sync"));

  /* nothing new: one request, nothing received */
  idle = sync_store ("first");
  g_assert_cmpint (member (idle, "requests"), ==, 1);
  g_assert_cmpint (member (idle, "pulled"), ==, 0);
  g_assert_cmpint (member (idle, "pushed"), ==, 0);

  g_assert_cmpint (cli ("first", ARGS ("verify"), &out, &err), ==, 0);
  g_assert_cmpint (cli ("first", ARGS ("sync"), &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "Synced: "));
  g_assert_true (strchr (out, '\n') == out + strlen (out) - 1);   /* one line */
}

/* Edits made offline reach the server in order and another client gets them; our own
 * versions coming back change nothing. */
static void
test_offline_edits (void)
{
  g_autofree char *pid = patient (1);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autofree char *obs_text = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) obs = NULL;
  g_autoptr(JsonObject) s = NULL;
  g_autoptr(JsonObject) echo = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(JsonObject) seen = NULL;
  gint64 before = server_version ("Patient", pid);

  new_client ("edits-1", "alice");
  new_client ("edits-2", "bob");

  p = get ("edits-1", ref);
  hc_test_add_email (p, "offline@example.org");
  put ("edits-1", p);
  set_marital (p, "M");
  put ("edits-1", p);
  obs_text = g_strdup_printf ("{\"resourceType\":\"Observation\",\"id\":\"sync-obs-1\",\"status\":"
                              "\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
                              "\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"%s\"},"
                              "\"valueQuantity\":{\"value\":72,\"unit\":\"/min\"}}", ref);
  obs = parse_object (obs_text);
  put ("edits-1", obs);
  {
    g_autoptr(JsonObject) st = status ("edits-1");
    g_assert_cmpint (member (st, "pending"), ==, 3);
  }

  s = sync_store ("edits-1");
  g_assert_cmpint (member (s, "pushed"), ==, 3);
  g_assert_cmpint (member (s, "pending"), ==, 0);
  g_assert_cmpint (server_version ("Patient", pid), ==, before + 2);
  g_assert_cmpint (server_version ("Observation", "sync-obs-1"), ==, 1);

  /* the echoes of our own pushes are recognised and change nothing */
  echo = sync_store ("edits-1");
  g_assert_cmpint (member (echo, "applied"), ==, 0);
  g_assert_cmpint (member (echo, "merged"), ==, 0);
  g_assert_cmpint (member (echo, "pending"), ==, 0);
  {
    g_autoptr(JsonObject) local = get ("edits-1", ref);
    g_autofree char *expect = g_strdup_printf ("%" G_GINT64_FORMAT, before + 2);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (local, "meta"),
                                                    "versionId"), ==, expect);
  }

  other = sync_store ("edits-2");
  g_assert_cmpint (member (other, "applied"), >=, 2);
  seen = get ("edits-2", ref);
  g_assert_cmpstr (email_of (seen), ==, "offline@example.org");
  g_assert_cmpstr (marital_of (seen), ==, "M");
  {
    g_autoptr(JsonObject) o = get ("edits-2", "Observation/sync-obs-1");
    g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "final");
  }
}

/* Two clients edit different elements of one Patient: the second merges, nobody decides. */
static void
test_merge_different_fields (void)
{
  g_autofree char *pid = patient (2);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autoptr(JsonObject) p1 = NULL;
  g_autoptr(JsonObject) p2 = NULL;
  g_autoptr(JsonObject) s1 = NULL;
  g_autoptr(JsonObject) s2 = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;

  new_client ("merge-1", "alice");
  new_client ("merge-2", "bob");
  p1 = get ("merge-1", ref);
  set_marital (p1, "S");
  put ("merge-1", p1);
  p2 = get ("merge-2", ref);
  hc_test_add_email (p2, "merge@example.org");
  put ("merge-2", p2);

  s1 = sync_store ("merge-1");
  g_assert_cmpint (member (s1, "pushed"), ==, 1);
  s2 = sync_store ("merge-2");
  g_assert_cmpint (member (s2, "merged"), ==, 1);
  g_assert_cmpint (member (s2, "conflicts"), ==, 0);
  g_assert_cmpint (member (s2, "pending"), ==, 0);
  back = sync_store ("merge-1");
  g_assert_cmpint (member (back, "conflicts"), ==, 0);

  a = get ("merge-1", ref);
  b = get ("merge-2", ref);
  g_assert_cmpstr (marital_of (a), ==, "S");
  g_assert_cmpstr (email_of (a), ==, "merge@example.org");
  g_assert_cmpstr (marital_of (b), ==, "S");
  g_assert_cmpstr (email_of (b), ==, "merge@example.org");
  /* the merge is on record */
  g_assert_cmpint (server_count ("SELECT COUNT(*) FROM resource WHERE type = 'Provenance'"), >, 0);
}

/* Both change the birth date: it waits in the inbox, and the decision settles both clients. */
static void
test_conflict_resolve (void)
{
  g_autofree char *pid = patient (3);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *conflict_id = NULL;
  g_autoptr(JsonObject) p1 = NULL;
  g_autoptr(JsonObject) p2 = NULL;
  g_autoptr(JsonObject) s2 = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  JsonObject *c;

  new_client ("conflict-1", "alice");
  new_client ("conflict-2", "bob");
  p1 = get ("conflict-1", ref);
  json_object_set_string_member (p1, "birthDate", "1950-01-01");
  put ("conflict-1", p1);
  p2 = get ("conflict-2", ref);
  json_object_set_string_member (p2, "birthDate", "1960-06-06");
  put ("conflict-2", p2);

  g_clear_pointer (&s2, json_object_unref);
  s2 = sync_store ("conflict-1");
  g_clear_pointer (&s2, json_object_unref);
  s2 = sync_store ("conflict-2");
  g_assert_cmpint (member (s2, "conflicts"), ==, 1);
  g_assert_cmpint (member (s2, "pending"), ==, 0);   /* held back until decided */
  /* …and a Task on the server, so every device of the user sees it */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM resource WHERE type = 'Task' "
                                            "AND json LIKE '%%Patient/%s%%' AND json LIKE "
                                            "'%%\"requested\"%%' AND json LIKE '%%resolve-conflict%%'",
                                            pid);
    g_assert_cmpint (server_count (sql), ==, 1);
  }

  g_assert_cmpint (cli ("conflict-2", ARGS ("conflicts", "--json"), &out, &err), ==, 0);
  list = parse (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  c = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (json_object_get_string_member (c, "resource"), ==, ref);
  conflict_id = g_strdup (json_object_get_string_member (c, "id"));
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (c, "local"), "birthDate"), ==, "1960-06-06");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (c, "remote"), "birthDate"), ==, "1950-01-01");

  /* the record cannot change behind the inbox's back */
  {
    g_autofree char *text = hc_json_object_to_string (p2, FALSE);
    g_assert_cmpint (cli_full (NULL, NULL, "conflict-2", ARGS ("put", "-"), text, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "conflict"));
  }
  g_assert_cmpint (cli ("conflict-2", ARGS ("resolve", conflict_id, "--take", "banana"), &out, &err), ==, 2);
  g_assert_cmpint (cli ("conflict-2", ARGS ("resolve", conflict_id, "--take", "local"), &out, &err), ==, 0);
  g_assert_cmpint (cli ("conflict-2", ARGS ("resolve", conflict_id, "--take", "local"), &out, &err), ==, 1);

  g_clear_pointer (&s2, json_object_unref);
  s2 = sync_store ("conflict-2");
  g_assert_cmpint (member (s2, "pushed"), >=, 1);
  g_assert_cmpint (member (s2, "conflicts"), ==, 0);
  g_clear_pointer (&s2, json_object_unref);
  s2 = sync_store ("conflict-1");
  g_assert_cmpint (member (s2, "conflicts"), ==, 0);
  a = get ("conflict-1", ref);
  b = get ("conflict-2", ref);
  g_assert_cmpstr (json_object_get_string_member (a, "birthDate"), ==, "1960-06-06");
  g_assert_cmpstr (json_object_get_string_member (b, "birthDate"), ==, "1960-06-06");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (a, "meta"), "versionId"), ==,
                   json_object_get_string_member (json_object_get_object_member (b, "meta"), "versionId"));

  g_assert_cmpint (cli ("conflict-2", ARGS ("conflicts", "--all", "--json"), &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "take local"));
  {
    g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM resource WHERE type = 'Task' "
                                            "AND json LIKE '%%Patient/%s%%' AND json LIKE "
                                            "'%%\"completed\"%%'", pid);
    g_assert_cmpint (server_count (sql), ==, 1);
  }
  /* the decision has its Provenance on the server */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM resource WHERE type = 'Provenance' "
                                            "AND json LIKE '%%Patient/%s%%' AND json LIKE '%%resolve%%'",
                                            pid);
    g_assert_cmpint (server_count (sql), >=, 1);
  }
}

/* The server applied a push but its answer was lost: the retry applies nothing twice. */
static void
test_replay_lost_answer (void)
{
  g_autofree char *pid = patient (4);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) s = NULL;
  const char *lose[] = { "HOUSECALL_SYNC_FAULT", "drop-push-answer", NULL };
  gint64 before = server_version ("Patient", pid);

  new_client ("replay", "alice");
  p = get ("replay", ref);
  hc_test_add_email (p, "replay@example.org");
  put ("replay", p);

  g_assert_cmpint (cli_full (lose, NULL, "replay", ARGS ("sync"), NULL, &out, &err), ==, 1);
  g_assert_cmpint (server_version ("Patient", pid), ==, before + 1);   /* applied… */
  {
    g_autoptr(JsonObject) st = status ("replay");
    g_assert_cmpint (member (st, "pending"), ==, 1);                   /* …but not known here */
  }

  s = sync_store ("replay");
  g_assert_cmpint (member (s, "pushed"), ==, 1);
  g_assert_cmpint (member (s, "conflicts"), ==, 0);
  g_assert_cmpint (member (s, "pending"), ==, 0);
  g_assert_cmpint (server_version ("Patient", pid), ==, before + 1);   /* once */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM history WHERE id = '%s'", pid);
    g_assert_cmpint (server_count (sql), ==, before + 1);
  }
}

/* The first sync dies after three pages; the next one takes only the rest. */
static void
test_resume_initial_sync (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) st = NULL;
  g_autoptr(JsonObject) s = NULL;
  const char *die[] = { "HOUSECALL_SYNC_FAULT", "exit-after-page=3", "HOUSECALL_SYNC_PAGE_SIZE", "50", NULL };
  const char *small[] = { "HOUSECALL_SYNC_PAGE_SIZE", "50", NULL };
  gint64 live = live_on_server ();
  gint64 had;

  g_assert_cmpint (live, >, 200);
  login ("resume", "alice");
  g_assert_cmpint (cli_full (die, NULL, "resume", ARGS ("sync"), NULL, &out, &err), ==, 3);
  st = status ("resume");
  had = member (st, "resources");
  g_assert_cmpint (had, ==, 150);

  s = sync_full (small, NULL, "resume");
  g_assert_cmpint (member (s, "pulled"), ==, live - had);
  g_clear_pointer (&st, json_object_unref);
  st = status ("resume");
  g_assert_cmpint (member (st, "resources"), ==, live);
}

static void
ensure_other_ca (char **ca_out)
{
  g_autofree char *dir = g_build_filename (server.workdir, "other", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  hc_test_server_cli (dir, (const char * const []) { "dev-cert", "--out", "certs", NULL }, NULL);
  *ca_out = g_build_filename (dir, "certs", "ca.pem", NULL);
}

/* A server whose certificate is not signed by the trusted CA is refused, clearly. */
static void
test_untrusted (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *other_ca = NULL;
  const char *env[] = { "HOUSECALL_PASSWORD", PASSWORD, NULL };

  ensure_other_ca (&other_ca);
  g_assert_cmpint (cli_full (env, NULL, "untrusted", ARGS ("login", server.url, "--user", "alice",
                                                            "--ca-file", other_ca),
                             NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "untrusted certificate"));
  /* the system CAs do not know the practice CA either */
  g_assert_cmpint (cli_full (env, NULL, "untrusted", ARGS ("login", server.url, "--user", "alice"),
                             NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "untrusted certificate"));
}

/* A sync_state value of a client's (encrypted) store, through the store itself. */
static char *
client_value (const char *store,
              const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_path (store);
  g_autoptr(HcStore) st = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL,
                                              &error);
  char *value;

  g_assert_no_error (error);
  value = hc_store_get_sync_value_sync (st, key, NULL, &error);
  g_assert_no_error (error);
  return value;
}

static void
revoke_token (const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (server.ca_file, &error);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("tls-database", ca, NULL);
  g_autofree char *url = g_strconcat (server.url, "/auth/revoke", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autofree char *form = soup_form_encode ("token", token, NULL);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) answer = NULL;

  g_assert_no_error (error);
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

/* The server revokes this device: the client says so and stops until it logs in again. */
static void
test_revoked (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *access = NULL, *refresh = NULL;
  g_autoptr(JsonObject) s = NULL;

  new_client ("revoked", "alice");
  access = client_value ("revoked", "access_token");
  refresh = client_value ("revoked", "refresh_token");
  g_assert_nonnull (access);
  g_assert_nonnull (refresh);
  revoke_token (access);
  revoke_token (refresh);

  g_assert_cmpint (cli ("revoked", ARGS ("sync"), &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "revoked this device's login"));
  g_assert_null (client_value ("revoked", "refresh_token"));
  /* and stays stopped, without asking the server again */
  g_assert_cmpint (cli ("revoked", ARGS ("sync"), &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "revoked"));

  login ("revoked", "alice");
  s = sync_store ("revoked");
  g_assert_cmpint (member (s, "pending"), ==, 0);
}

/* Clients a day ahead and a day behind: the server's order decides, nothing is missed. */
static void
test_clock_skew (void)
{
  g_autofree char *pid = patient (5);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  const char *ahead[] = { "faketime", "-f", "+1d", NULL };
  const char *behind[] = { "faketime", "-f", "-1d", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) q = NULL;
  g_autoptr(JsonObject) s = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  const char *env[] = { "HOUSECALL_PASSWORD", PASSWORD, NULL };

  if (!faketime_works)
    {
      g_test_skip ("faketime is not installed (scripts/install-deps.sh) or cannot run this build");
      return;
    }
  g_assert_cmpint (cli_full (env, ahead, "skew-ahead", ARGS ("login", server.url, "--user", "alice",
                                                             "--ca-file", server.ca_file),
                             NULL, &out, &err), ==, 0);
  g_assert_cmpint (cli_full (env, behind, "skew-behind", ARGS ("login", server.url, "--user", "bob",
                                                               "--ca-file", server.ca_file),
                             NULL, &out, &err), ==, 0);
  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, ahead, "skew-ahead");
  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, behind, "skew-behind");

  /* ahead edits first, behind edits after it (its clock says two days earlier) */
  p = get ("skew-ahead", ref);
  set_marital (p, "W");
  put ("skew-ahead", p);
  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, ahead, "skew-ahead");
  g_assert_cmpint (member (s, "pushed"), ==, 1);

  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, behind, "skew-behind");
  g_assert_cmpint (member (s, "applied"), >=, 1);     /* not missed for being "in the future" */
  q = get ("skew-behind", ref);
  g_assert_cmpstr (marital_of (q), ==, "W");
  set_marital (q, "D");
  put ("skew-behind", q);
  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, behind, "skew-behind");
  g_assert_cmpint (member (s, "pushed"), ==, 1);
  g_assert_cmpint (member (s, "conflicts"), ==, 0);

  g_clear_pointer (&s, json_object_unref);
  s = sync_full (NULL, ahead, "skew-ahead");
  a = get ("skew-ahead", ref);
  b = get ("skew-behind", ref);
  /* the later server commit is the current version, whatever the clients' clocks said */
  g_assert_cmpstr (marital_of (a), ==, "D");
  g_assert_cmpstr (marital_of (b), ==, "D");
}

/* The engine's properties, joined syncs and the debounced trigger after a local write. */
typedef struct
{
  GPtrArray *states;
  guint      done;
  HcSyncStats stats[2];
} Watch;

static void
state_cb (HcSyncEngine *engine,
          GParamSpec   *pspec,
          Watch        *w)
{
  g_ptr_array_add (w->states, GINT_TO_POINTER (hc_sync_engine_get_state (engine)));
}

static void
synced_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Watch *w = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (hc_sync_engine_sync_finish (HC_SYNC_ENGINE (source), result,
                                             &w->stats[MIN (w->done, 1u)], &error));
  g_assert_no_error (error);
  w->done++;
}

static void
test_engine_properties (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = store_path ("engine");
  g_autofree char *pid = patient (6);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autoptr(HcStore) store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE,
                                                 NULL, &error);
  g_autoptr(HcSyncEngine) engine = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) stored = NULL;
  Watch w = { g_ptr_array_new (), 0, { { 0 } } };
  gint64 before = server_version ("Patient", pid);
  gint64 deadline;

  g_assert_no_error (error);
  g_assert_true (hc_sync_login_sync (store, server.url, "alice", PASSWORD, server.ca_file, NULL, &error));
  g_assert_no_error (error);
  engine = hc_sync_engine_new (store);
  g_object_set (engine, "page-size", 100, NULL);
  g_signal_connect (engine, "notify::state", G_CALLBACK (state_cb), &w);
  g_assert_cmpint (hc_sync_engine_get_state (engine), ==, HC_SYNC_STATE_LOGGED_OUT);
  g_assert_null (hc_sync_engine_get_last_sync (engine));

  /* two triggers at once: one sync, both told its result */
  hc_sync_engine_sync_async (engine, NULL, synced_cb, &w);
  hc_sync_engine_sync_async (engine, NULL, synced_cb, &w);
  while (w.done < 2)
    g_main_context_iteration (NULL, TRUE);
  /* let the last property updates land */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (w.stats[0].pulled, ==, (guint) live_on_server ());
  g_assert_cmpuint (w.stats[1].pulled, ==, w.stats[0].pulled);
  g_assert_cmpuint (w.stats[1].requests, ==, w.stats[0].requests);
  g_assert_cmpuint (w.stats[0].pages, >, 1);
  g_assert_cmpuint (w.states->len, >=, 2);
  g_assert_cmpint (GPOINTER_TO_INT (w.states->pdata[0]), ==, HC_SYNC_STATE_SYNCING);
  g_assert_cmpint (hc_sync_engine_get_state (engine), ==, HC_SYNC_STATE_IDLE);
  g_assert_cmpfloat (hc_sync_engine_get_progress (engine), ==, 1.0);
  g_assert_nonnull (hc_sync_engine_get_last_sync (engine));
  g_assert_null (hc_sync_engine_get_error (engine));
  g_assert_cmpuint (hc_sync_engine_get_pending_count (engine), ==, 0);
  g_assert_cmpuint (hc_sync_engine_get_conflict_count (engine), ==, 0);

  /* automatic: a local write is pushed a few seconds later */
  hc_sync_engine_start (engine);
  p = hc_store_get_sync (store, "Patient", pid, NULL, &error);
  g_assert_no_error (error);
  hc_test_add_email (p, "engine@example.org");
  stored = hc_store_put_sync (store, p, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  /* the pending count shows the write before the debounced sync sends it */
  while (hc_sync_engine_get_pending_count (engine) == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (hc_sync_engine_get_pending_count (engine), ==, 1);
  while (server_version ("Patient", pid) == before && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (server_version ("Patient", pid), ==, before + 1);
  /* the counts follow once the sync has stored the acknowledgement */
  while ((hc_sync_engine_get_state (engine) != HC_SYNC_STATE_IDLE ||
          hc_sync_engine_get_pending_count (engine) != 0) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (hc_sync_engine_get_pending_count (engine), ==, 0);
  g_assert_cmpint (hc_sync_engine_get_state (engine), ==, HC_SYNC_STATE_IDLE);
  hc_sync_engine_stop (engine);
  g_ptr_array_unref (w.states);
  /* property updates and count queries still on their way hold the engine */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (g_steal_pointer (&engine));
  g_assert_finalize_object (g_steal_pointer (&store));
  (void) ref;
}

/* The server's database is replaced (a restore): the client takes a new snapshot and keeps
 * its unsent changes. Last: it replaces the server. */
static void
test_resync_after_replace (void)
{
  g_autofree char *pid = patient (7);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autofree char *obs_text = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) obs = NULL;
  g_autoptr(JsonObject) s = NULL;
  g_autoptr(JsonObject) st = NULL;
  g_autofree char *old_db = g_build_filename (server.workdir, "server.db", NULL);
  g_autofree char *kept_db = g_build_filename (server.workdir, "server-before.db", NULL);

  new_client ("resync", "alice");
  p = get ("resync", ref);
  hc_test_add_email (p, "after-restore@example.org");
  put ("resync", p);
  obs_text = g_strdup_printf ("{\"resourceType\":\"Observation\",\"id\":\"sync-obs-resync\","
                              "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
                              "\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":"
                              "{\"reference\":\"%s\"},\"valueQuantity\":{\"value\":64}}", ref);
  obs = parse_object (obs_text);
  put ("resync", obs);

  /* a new database with the same panel, on the same address */
  hc_test_server_stop (&server);
  if (pg == NULL)
    {
      g_autofree char *wal = g_strconcat (old_db, "-wal", NULL);
      g_autofree char *shm = g_strconcat (old_db, "-shm", NULL);

      g_assert_cmpint (g_rename (old_db, kept_db), ==, 0);
      g_unlink (wal);
      g_unlink (shm);
    }
  if (pg != NULL)
    {
      g_free (server.postgres);
      server.postgres = hc_test_pg_new_db (pg, "replaced");
    }
  hc_test_server_store_cli (&server, ARGS ("init-db"), NULL);
  hc_test_server_store_cli (&server, ARGS ("user", "add", "alice", "--role", "physician"), PASSWORD);
  hc_test_server_store_cli (&server, ARGS ("import", "panel.ndjson"), NULL);
  hc_test_server_start (&server, server_port);

  /* the restored server does not know this device's login from after its backup */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (cli ("resync", ARGS ("sync"), &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "log in again"));
  }
  login ("resync", "alice");
  s = sync_store ("resync");
  g_assert_true (json_object_get_boolean_member (s, "resynced"));
  g_assert_cmpint (member (s, "pushed"), ==, 2);
  g_assert_cmpint (member (s, "pending"), ==, 0);
  g_assert_cmpint (member (s, "conflicts"), ==, 0);
  g_assert_cmpint (server_version ("Observation", "sync-obs-resync"), ==, 1);
  {
    g_autoptr(JsonObject) local = get ("resync", ref);
    g_assert_cmpstr (email_of (local), ==, "after-restore@example.org");
  }
  st = status ("resync");
  g_assert_cmpint (member (st, "resources"), ==, live_on_server ());
  /* the restored server got the whole audit log again */
  {
    g_autofree char *store_id = client_value ("resync", "store_id");

    /* all but the read of the record just above */
    g_assert_cmpint (server_audit_count (store_id), ==, local_audit_count ("resync") - 1);
  }
  g_clear_pointer (&s, json_object_unref);
  s = sync_store ("resync");
  /* that read goes now */
  g_assert_cmpint (member (s, "requests"), ==, 2);
  g_assert_cmpint (member (s, "audit_sent"), ==, 1);
  g_assert_false (json_object_get_boolean_member (s, "resynced"));
  g_clear_pointer (&s, json_object_unref);
  s = sync_store ("resync");
  g_assert_cmpint (member (s, "requests"), ==, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* The local audit log on the server */

/* POST /fhir/$audit-push with @body as @store's user; the HTTP status */
static guint
post_audit (const char *store,
            const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = client_value (store, "access_token");
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (server.ca_file, &error);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("tls-database", ca, NULL);
  g_autofree char *url = g_strconcat (server.url, "/fhir/$audit-push", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;

  g_assert_no_error (error);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/fhir+json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* Reads and edits go to the server as AuditEvents, once each: a second sync sends nothing, and
 * a push whose answer was lost is sent again without duplicates. */
static void
test_audit_events (void)
{
  g_autofree char *pid = patient (8);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autofree char *store_id = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *json = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) s = NULL;
  g_autoptr(JsonObject) event = NULL;
  const char *drop[] = { "HOUSECALL_SYNC_FAULT", "drop-audit-answer", NULL };
  const char *family;
  gint64 local;

  new_client ("audit", "alice");
  store_id = client_value ("audit", "store_id");
  g_assert_nonnull (store_id);
  /* the first sync's own entry went with it */
  g_assert_cmpint (server_audit_count (store_id), ==, local_audit_count ("audit"));

  p = get ("audit", ref);
  family = hc_json_get_string (hc_json_array_get_object (hc_json_get_array (p, "name"), 0), "family");
  g_assert_nonnull (family);
  hc_test_add_email (p, "audit@example.org");
  put ("audit", p);
  s = sync_store ("audit");
  g_assert_cmpint (member (s, "pushed"), ==, 1);
  local = local_audit_count ("audit");
  /* read, update, the acknowledged push */
  g_assert_cmpint (member (s, "audit_sent"), >=, 3);
  g_assert_cmpint (server_audit_count (store_id), ==, local);
  cursor = client_value ("audit", "audit_cursor");
  g_assert_cmpint (g_ascii_strtoll (cursor, NULL, 10), ==, local);

  /* the update, as the server keeps it: codes and references, no PHI */
  sql = g_strdup_printf ("SELECT json FROM audit_event WHERE json LIKE '%%\"U\"%%' AND id LIKE '%s.%%'",
                         store_id);
  json = server_value (sql);
  g_assert_nonnull (json);
  event = parse_object (json);
  g_assert_cmpstr (hc_json_get_string (event, "action"), ==, "U");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (
                     hc_json_get_array (event, "entity"), 0), "what"), "reference"), ==, ref);
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_get_object (hc_json_array_get_object (
                     hc_json_get_array (event, "agent"), 0), "who"), "identifier"), "value"), ==, "alice");
  g_assert_null (strstr (json, family));
  g_assert_null (strstr (json, "audit@example.org"));

  /* nothing new: nothing sent, one request */
  g_clear_pointer (&s, json_object_unref);
  s = sync_store ("audit");
  g_assert_cmpint (member (s, "audit_sent"), ==, 0);
  g_assert_cmpint (member (s, "requests"), ==, 1);
  g_assert_cmpint (server_audit_count (store_id), ==, local);

  /* the server stored them but the answer was lost: sent again, stored once */
  g_clear_pointer (&p, json_object_unref);
  p = get ("audit", ref);
  g_assert_cmpint (cli_full (drop, NULL, "audit", ARGS ("sync"), NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "audit push's answer was lost"));
  local = local_audit_count ("audit");
  g_assert_cmpint (server_audit_count (store_id), ==, local);
  g_clear_pointer (&s, json_object_unref);
  s = sync_store ("audit");
  g_assert_cmpint (member (s, "audit_sent"), ==, 1);
  g_assert_cmpint (server_audit_count (store_id), ==, local);
  g_clear_pointer (&s, json_object_unref);
  s = sync_store ("audit");
  g_assert_cmpint (member (s, "audit_sent"), ==, 0);
}

/* Connections cut at random bytes (the request mid-body, or the answer after the server
 * stored it) while the log is pushed: after the retries every entry is on the server once. */
static void
test_audit_cut_connections (void)
{
  g_autofree char *pid = patient (9);
  g_autofree char *ref = g_strconcat ("Patient/", pid, NULL);
  g_autoptr(HcFaultProxy) proxy = hc_fault_proxy_new (server_port, 20261128);
  g_autofree char *proxy_url = g_strdup_printf ("https://127.0.0.1:%u", hc_fault_proxy_get_port (proxy));
  g_autofree char *store_id = NULL;
  const char *env[] = { "HOUSECALL_PASSWORD", PASSWORD, NULL };
  g_autofree char *out = NULL, *err = NULL;
  guint failed = 0, connections, cut_requests, cut_responses;

  g_assert_cmpint (cli_full (env, NULL, "audit-cut", ARGS ("login", proxy_url, "--user", "alice",
                                                          "--ca-file", server.ca_file),
                             NULL, &out, &err), ==, 0);
  g_assert_cmpint (cli ("audit-cut", ARGS ("sync"), &out, &err), ==, 0);
  /* a sync is several requests after the TLS handshake's turns: at a quarter of the turns
   * cut, most syncs still fail now and then, and every round gets through in a few tries */
  hc_fault_proxy_set_rate (proxy, 0.25);
  for (guint round = 0; round < 8; round++)
    {
      g_autoptr(JsonObject) p = get ("audit-cut", ref);
      guint tries = 0;

      (void) p;
      while (cli ("audit-cut", ARGS ("sync"), &out, &err) != 0)
        {
          failed++;
          g_assert_cmpuint (++tries, <, 200);
        }
      g_clear_pointer (&store_id, g_free);
      store_id = client_value ("audit-cut", "store_id");
      g_assert_cmpint (server_audit_count (store_id), ==, local_audit_count ("audit-cut"));
    }
  hc_fault_proxy_get_counts (proxy, &connections, &cut_requests, &cut_responses);
  g_test_message ("%u syncs failed; %u connections, %u requests cut, %u answers dropped", failed,
                  connections, cut_requests, cut_responses);
  g_assert_cmpuint (failed, >, 0);
  g_assert_cmpuint (cut_responses, >, 0);
}

/* A client's audit event: store, number, user, store, and more members of the entity */
#define AUDIT_EVENT \
    "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":" \
    "{\"resourceType\":\"AuditEvent\",\"id\":\"%s.%u\"," \
    "\"type\":{\"system\":\"http://dicom.nema.org/resources/ontology/DCM\",\"code\":\"110110\"}," \
    "\"action\":\"R\",\"recorded\":\"2026-11-28T00:00:00Z\",\"outcome\":\"0\"," \
    "\"agent\":[{\"who\":{\"identifier\":{\"system\":\"urn:housecall:user\",\"value\":\"%s\"}}," \
    "\"requestor\":true}]," \
    "\"source\":{\"observer\":{\"identifier\":{\"system\":\"urn:housecall:store\",\"value\":\"%s\"}}}," \
    "\"entity\":[{\"what\":{\"reference\":\"Patient/x1\"}%s}]}}]}"

/* A user sends only their own store's log, naming only themselves, and nothing but codes and
 * references. */
static void
test_audit_roles (void)
{
  g_autofree char *alice_store = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *mine = NULL, *theirs = NULL, *other_user = NULL, *with_text = NULL;

  new_client ("audit-alice", "alice");
  new_client ("audit-bob", "bob");
  alice_store = client_value ("audit-alice", "store_id");

  /* bob's own store: fine, and a replay stores nothing twice */
  mine = g_strdup_printf (AUDIT_EVENT, "bobs-store", 1u, "bob", "bobs-store", "");
  g_assert_cmpuint (post_audit ("audit-bob", mine), ==, 200);
  g_assert_cmpuint (post_audit ("audit-bob", mine), ==, 200);
  g_assert_cmpint (server_audit_count ("bobs-store"), ==, 1);
  /* alice's store, in bob's name: refused */
  theirs = g_strdup_printf (AUDIT_EVENT, alice_store, 999u, "bob", alice_store, "");
  g_assert_cmpuint (post_audit ("audit-bob", theirs), ==, 403);
  /* bob's store, naming alice: refused */
  other_user = g_strdup_printf (AUDIT_EVENT, "bobs-store", 2u, "alice", "bobs-store", "");
  g_assert_cmpuint (post_audit ("audit-bob", other_user), ==, 403);
  /* free text that could carry PHI: refused */
  with_text = g_strdup_printf (AUDIT_EVENT, "bobs-store", 3u, "bob", "bobs-store",
                               ",\"name\":\"Wojciechowska, Anna\"");
  g_assert_cmpuint (post_audit ("audit-bob", with_text), ==, 400);
  g_assert_cmpint (server_audit_count ("bobs-store"), ==, 1);
  g_assert_cmpint (server_audit_count (alice_store), ==, local_audit_count ("audit-alice"));

  /* through the client: bob's store pretending to be alice's is refused as a whole */
  {
    g_autofree char *dir = store_path ("audit-bob");
    g_autofree char *path = g_build_filename (dir, "housecall.db", NULL);
    g_autofree char *update = g_strdup_printf ("UPDATE sync_state SET value = '%s' WHERE key = 'store_id';"
                                               "DELETE FROM sync_state WHERE key = 'audit_cursor';",
                                               alice_store);
    sqlite3 *db = hc_test_open_db (path);

    g_assert_cmpint (sqlite3_exec (db, update, NULL, NULL, NULL), ==, SQLITE_OK);
    hc_crypt_db_close (db);
  }
  g_assert_cmpint (cli ("audit-bob", ARGS ("sync"), &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "refused the audit log (HTTP 403)"));
  g_assert_cmpint (server_audit_count (alice_store), ==, local_audit_count ("audit-alice"));
}

int
main (int   argc,
      char *argv[])
{
  const char *cli_path = g_getenv ("HOUSECALL_CLI");
  g_autofree char *panel = NULL;
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* loopback needs no proxy, and looking one up would read GSettings schemas that the
   * isolated XDG_DATA_DIRS do not have (for this process and the clients it starts) */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  server.workdir = g_dir_make_tmp ("hc-test-sync-XXXXXX", NULL);
  /* a certificate issued two days ago, so a client a day behind still trusts it (faketime
   * cannot preload into a sanitizer build: then the clock-skew test skips) */
  if (have_faketime ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr(GSubprocess) proc = NULL;

      g_subprocess_launcher_set_cwd (launcher, server.workdir);
      proc = g_subprocess_launcher_spawn (launcher, &error, "faketime", "-f", "-2d",
                                          g_getenv ("HOUSECALL_SERVER"), "dev-cert", "--out", "certs", NULL);
      g_assert_no_error (error);
      faketime_works = g_subprocess_wait_check (proc, NULL, NULL);
    }
  if (!faketime_works)
    hc_test_server_cli (server.workdir, (const char * const []) { "dev-cert", "--out", "certs", NULL }, NULL);
  if (g_strcmp0 (g_getenv ("HOUSECALL_TEST_STORE"), "postgres") == 0)
    {
      pg = hc_test_pg_start (FALSE);
      server.postgres = hc_test_pg_new_db (pg, "housecall");
    }
  hc_test_server_store_cli (&server, ARGS ("init-db"), NULL);
  hc_test_server_store_cli (&server, ARGS ("user", "add", "alice", "--role", "physician"), PASSWORD);
  hc_test_server_store_cli (&server, ARGS ("user", "add", "bob", "--role", "physician"), PASSWORD);
  panel = g_build_filename (server.workdir, "panel.ndjson", NULL);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli_path,
                                                    "demo-data", "--patients", "12", "--seed", "5",
                                                    "--date", "2026-11-27", "--out", panel, NULL);
    g_assert_no_error (error);
    g_subprocess_wait_check (proc, NULL, &error);
    g_assert_no_error (error);
  }
  hc_test_server_store_cli (&server, ARGS ("import", "panel.ndjson"), NULL);
  hc_test_server_start (&server, 0);
  server_port = (guint) g_ascii_strtoull (strrchr (server.url, ':') + 1, NULL, 10);

  g_test_add_func ("/hc/sync/cli/first-sync", test_first_sync);
  g_test_add_func ("/hc/sync/cli/offline-edits", test_offline_edits);
  g_test_add_func ("/hc/sync/cli/merge-different-fields", test_merge_different_fields);
  g_test_add_func ("/hc/sync/cli/conflict-resolve", test_conflict_resolve);
  g_test_add_func ("/hc/sync/cli/replay-lost-answer", test_replay_lost_answer);
  g_test_add_func ("/hc/sync/cli/resume-initial-sync", test_resume_initial_sync);
  g_test_add_func ("/hc/sync/cli/untrusted-certificate", test_untrusted);
  g_test_add_func ("/hc/sync/cli/revoked", test_revoked);
  g_test_add_func ("/hc/sync/cli/clock-skew", test_clock_skew);
  g_test_add_func ("/hc/sync/engine/properties", test_engine_properties);
  g_test_add_func ("/hc/sync/audit/events", test_audit_events);
  g_test_add_func ("/hc/sync/audit/cut-connections", test_audit_cut_connections);
  g_test_add_func ("/hc/sync/audit/roles", test_audit_roles);
  /* last: it replaces the server's database */
  g_test_add_func ("/hc/sync/replaced/resync-after-replace", test_resync_after_replace);
  rc = g_test_run ();

  hc_test_server_clear (&server);
  if (pg != NULL)
    hc_test_pg_stop (pg);
  return rc;
}
