/* test-converge.c: randomized histories of offline edits and faulty syncs converge
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Jepsen idea on one machine. Five client stores, each logged in to a real housecall-server
 * through a fault proxy. Each history picks 2–5 of them and a fresh patient; the clients edit
 * that chart offline (overlapping and disjoint fields, new observations, edits and deletes of
 * the same observation) and sync in a random order while the proxy cuts connections mid-request
 * and drops answers after the server committed (the engine's retries replay them), some syncs
 * run as a `housecall-cli sync` process killed at a random moment, and sometimes the server is
 * killed with SIGKILL and restarted. Then the faults stop, everyone syncs and settles the
 * conflict inbox at random until nothing moves, and the test checks:
 *
 *  - every replica and the server hold the same version of every record of the history;
 *  - every observation created exists exactly once, on every replica, and no others appeared;
 *  - every e-mail address a client added (a marker) is in the final chart exactly once, or was
 *    kept in a conflict record, or in the server's history of the chart: never silently lost.
 *
 * --histories=N or HOUSECALL_CONVERGE_HISTORIES sets the number of histories (CI runs a few
 * hundred; the slow suite thousands), HOUSECALL_CONVERGE_SEED the first seed: history k uses seed + k, and a
 * failure names it.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc-fault-proxy.h"
#include "hc-json.h"
#include "hc-sync-engine.h"
#include "hc-test-utils.h"

#define PASSWORD  "correct horse battery staple"
#define N_CLIENTS 5

typedef struct
{
  char         *user;
  char         *dir;
  HcStore      *store;
  HcSyncEngine *engine;
} Client;

typedef struct
{
  guint histories;
  guint edits;
  guint syncs;
  guint failed_syncs;
  guint killed_clients;
  guint killed_servers;
  guint conflicts;
  guint resolved;
  guint merged;
  guint markers;
  guint observations;
} Counts;

static HcTestServer server;
static HcFaultProxy *proxy;
static char *proxy_url;
static Client clients[N_CLIENTS];
static HcSyncClient *observer;     /* straight to the server, no faults */
static Counts counts;
static guint64 current_seed;
static const char *histories_arg;

/* ------------------------------------------------------------------------------------------ */

static void
client_open (Client *c)
{
  g_autoptr(GError) error = NULL;

  c->store = hc_store_open_sync (c->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  hc_store_set_actor (c->store, c->user);
  c->engine = hc_sync_engine_new (c->store);
}

static void
client_close (Client *c)
{
  g_clear_object (&c->engine);
  g_assert_finalize_object (c->store);
  c->store = NULL;
}

static guint16
port_of (const char *url)
{
  return (guint16) g_ascii_strtoull (strrchr (url, ':') + 1, NULL, 10);
}

/* Same port again, so the observer's URL holds. */
static void
restart_server (gboolean kill)
{
  guint16 port = port_of (server.url);

  if (kill)
    {
      g_subprocess_force_exit (server.process);
      g_subprocess_wait (server.process, NULL, NULL);
      g_clear_object (&server.process);
      counts.killed_servers++;
    }
  else
    hc_test_server_stop (&server);
  hc_test_server_start (&server, port);
}

/* One sync of @c; FALSE when it failed for a reason worth retrying (the faults). */
static gboolean
client_sync (Client *c)
{
  g_autoptr(GError) error = NULL;
  HcSyncStats stats = { 0 };

  counts.syncs++;
  if (hc_sync_engine_sync_sync (c->engine, &stats, NULL, &error))
    {
      counts.conflicts += stats.conflicts;
      counts.merged += stats.merged;
      return TRUE;
    }
  if (!hc_sync_error_is_transient (error))
    g_error ("seed %" G_GUINT64_FORMAT ": %s: sync failed: %s", current_seed, c->user,
             error->message);
  counts.failed_syncs++;
  return FALSE;
}

/* The client as a separate process, killed after @delay_ms (it may also finish first). */
static void
client_sync_killed (Client *c,
                    guint   delay_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;

  client_close (c);
  g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSPHRASE", HC_TEST_PASSPHRASE, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HOUSECALL_CLI"),
                                      "--store", c->dir, "sync", NULL);
  g_assert_no_error (error);
  g_usleep (delay_ms * 1000);
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, NULL);
  counts.killed_clients++;
  client_open (c);
}

/* ------------------------------------------------------------------------------------------ */
/* Edits */

static JsonObject *
get_local (Client     *c,
           const char *type,
           const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *r = hc_store_get_sync (c->store, type, id, NULL, &error);

  if (r == NULL && (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND) ||
                    g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_GONE)))
    return NULL;
  g_assert_no_error (error);
  return r;
}

static gboolean
put_local (Client     *c,
           JsonObject *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = hc_store_put_sync (c->store, r, NULL, &error);

  /* a record waiting in the conflict inbox, or an entered-in-error one, refuses edits: fine */
  if (stored == NULL && (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_CONFLICT) ||
                         g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE)))
    return FALSE;
  g_assert_no_error (error);
  counts.edits++;
  return TRUE;
}

static JsonObject *
new_patient (const char *id,
             GRand      *rand)
{
  g_autofree char *json =
    g_strdup_printf ("{\"resourceType\": \"Patient\", \"id\": \"%s\","
                     " \"name\": [{\"use\": \"official\", \"family\": \"Converge\", \"given\": [\"H%u\"]}],"
                     " \"gender\": \"female\", \"birthDate\": \"19%02u-0%u-1%u\"}",
                     id, g_rand_int_range (rand, 0, 1000), g_rand_int_range (rand, 30, 99),
                     g_rand_int_range (rand, 1, 9), g_rand_int_range (rand, 0, 9));
  return hc_test_object (json);
}

static JsonObject *
new_observation (const char *id,
                 const char *patient_id,
                 double      value)
{
  g_autofree char *json =
    g_strdup_printf ("{\"resourceType\": \"Observation\", \"id\": \"%s\", \"status\": \"final\","
                     " \"category\": [{\"coding\": [{\"system\": \"http://terminology.hl7.org/CodeSystem/observation-category\", \"code\": \"vital-signs\"}]}],"
                     " \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"29463-7\", \"display\": \"Body weight\"}]},"
                     " \"subject\": {\"reference\": \"Patient/%s\"},"
                     " \"effectiveDateTime\": \"2026-11-27T10:00:00Z\","
                     " \"valueQuantity\": {\"value\": %.1f, \"unit\": \"kg\", \"system\": \"http://unitsofmeasure.org\", \"code\": \"kg\"}}",
                     id, patient_id, value);
  return hc_test_object (json);
}

static void
set_marital (JsonObject *p,
             const char *code)
{
  g_autofree char *json =
    g_strdup_printf ("{\"coding\": [{\"system\": \"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus\", \"code\": \"%s\"}]}",
                     code);
  json_object_set_object_member (p, "maritalStatus", hc_test_object (json));
}

typedef struct
{
  char      *patient;
  GPtrArray *observations;   /* ids created */
  GPtrArray *markers;        /* e-mail addresses added */
} History;

/* One offline edit by @c on the history's chart. */
static void
random_edit (Client  *c,
             guint    ci,
             History *h,
             GRand   *rand,
             guint    n)
{
  g_autoptr(JsonObject) p = get_local (c, "Patient", h->patient);
  static const char *marital[] = { "M", "S", "D", "W" };

  if (p == NULL)
    return;
  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0: /* contact data: a new e-mail address (merged by identity) */
      {
        char *email = g_strdup_printf ("m%" G_GUINT64_FORMAT "-%u-%u@example.org", current_seed, ci, n);

        hc_test_add_email (p, email);
        if (put_local (c, p))
          g_ptr_array_add (h->markers, email);
        else
          g_free (email);
        break;
      }
    case 1: /* a field without a merge rule: review when both change it */
      set_marital (p, marital[g_rand_int_range (rand, 0, G_N_ELEMENTS (marital))]);
      put_local (c, p);
      break;
    case 2: /* identity: review */
      json_object_set_string_member (p, "birthDate",
                                     g_rand_boolean (rand) ? "1961-02-03" : "1962-04-05");
      put_local (c, p);
      break;
    case 3: /* a new observation: append */
      {
        char *id = g_strdup_printf ("cv%" G_GUINT64_FORMAT "-%u-%u", current_seed, ci, n);
        g_autoptr(JsonObject) o = new_observation (id, h->patient,
                                                   50.0 + g_rand_int_range (rand, 0, 500) / 10.0);

        if (put_local (c, o))
          g_ptr_array_add (h->observations, id);
        else
          g_free (id);
        break;
      }
    case 4: /* edit an observation someone made */
    case 5: /* or take one back */
      if (h->observations->len > 0)
        {
          const char *id = h->observations->pdata[g_rand_int_range (rand, 0, h->observations->len)];
          g_autoptr(JsonObject) o = get_local (c, "Observation", id);
          g_autoptr(GError) error = NULL;

          if (o == NULL || g_strcmp0 (hc_json_get_string (o, "status"), "entered-in-error") == 0)
            break;
          if (g_rand_boolean (rand))
            {
              json_object_set_double_member (hc_json_get_object (o, "valueQuantity"), "value",
                                             60.0 + g_rand_int_range (rand, 0, 100) / 10.0);
              put_local (c, o);
            }
          else if (hc_store_delete_sync (c->store, "Observation", id, NULL, &error))
            counts.edits++;
          else
            g_assert_true (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_CONFLICT) ||
                           g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE));
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Settling and checking */

static guint
resolve_all (Client *c,
             GRand  *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) open = hc_store_list_conflicts_sync (c->store, FALSE, NULL, &error);
  guint n;

  g_assert_no_error (error);
  n = json_array_get_length (open);
  for (guint i = 0; i < n; i++)
    {
      const char *id = hc_json_get_string (json_array_get_object_element (open, i), "id");
      HcStoreResolution how = g_rand_boolean (rand) ? HC_STORE_RESOLVE_TAKE_LOCAL
                                                    : HC_STORE_RESOLVE_TAKE_REMOTE;

      g_assert_true (hc_sync_resolve_conflict_sync (c->store, id, how, NULL, NULL, &error));
      g_assert_no_error (error);
      counts.resolved++;
    }
  return n;
}

/* Syncs everyone and settles conflicts until a whole round changes nothing on the server. */
static void
quiesce (guint   *members,
         guint    n_members,
         GRand   *rand)
{
  for (guint round = 0; round < 20; round++)
    {
      gboolean moved = FALSE;

      for (guint k = 0; k < n_members; k++)
        {
          Client *c = &clients[members[k]];
          g_autoptr(GError) error = NULL;
          HcSyncStats stats = { 0 };

          counts.syncs++;
          if (!hc_sync_engine_sync_sync (c->engine, &stats, NULL, &error))
            g_error ("seed %" G_GUINT64_FORMAT ": %s: sync without faults failed: %s",
                     current_seed, c->user, error->message);
          counts.conflicts += stats.conflicts;
          counts.merged += stats.merged;
          if (stats.pushed > 0 || stats.rejected > 0)
            moved = TRUE;
          if (resolve_all (c, rand) > 0)
            moved = TRUE;
        }
      if (!moved)
        return;
    }
  g_error ("seed %" G_GUINT64_FORMAT ": the replicas did not settle in 20 rounds", current_seed);
}

static JsonObject *
server_get (const char *type,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/fhir/%s/%s", type, id);
  guint status = 0;
  JsonObject *r = hc_sync_client_request (observer, "GET", path, NULL, &status, NULL, &error);

  g_assert_no_error (error);
  if (status == 404 || status == 410)
    {
      g_clear_pointer (&r, json_object_unref);
      return NULL;
    }
  g_assert_cmpuint (status, ==, 200);
  return r;
}

static void
assert_same (JsonObject *a,
             JsonObject *b,
             const char *what,
             const char *who)
{
  g_autoptr(JsonNode) na = NULL;
  g_autoptr(JsonNode) nb = NULL;

  if (a == NULL || b == NULL)
    {
      if (a != b)
        g_error ("seed %" G_GUINT64_FORMAT ": %s: %s exists on one side only", current_seed, who, what);
      return;
    }
  na = json_node_init_object (json_node_alloc (), a);
  nb = json_node_init_object (json_node_alloc (), b);
  if (!json_node_equal (na, nb))
    {
      g_autofree char *ta = hc_json_object_to_string (a, FALSE);
      g_autofree char *tb = hc_json_object_to_string (b, FALSE);

      g_error ("seed %" G_GUINT64_FORMAT ": %s differs on %s:\n server %s\n replica %s",
               current_seed, what, who, ta, tb);
    }
}

static guint
count_markers (JsonObject *p,
               const char *email)
{
  JsonArray *telecom = p ? hc_json_get_array (p, "telecom") : NULL;
  guint n = 0;

  for (guint i = 0; telecom && i < json_array_get_length (telecom); i++)
    if (g_strcmp0 (hc_json_get_string (hc_json_array_get_object (telecom, i), "value"), email) == 0)
      n++;
  return n;
}

/* The marker is in a conflict record of some replica (resolved or not). */
static gboolean
marker_in_conflicts (const char *email)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) all = hc_store_list_conflicts_sync (clients[i].store, TRUE, NULL, &error);
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      node = json_node_init_array (json_node_alloc (), all);
      text = hc_json_to_string (node, FALSE);
      if (strstr (text, email) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
marker_in_history (const char *patient,
                   const char *email)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/fhir/Patient/%s/_history?_count=1000", patient);
  guint status = 0;
  g_autoptr(JsonObject) bundle = hc_sync_client_request (observer, "GET", path, NULL, &status,
                                                         NULL, &error);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  node = json_node_init_object (json_node_alloc (), bundle);
  text = hc_json_to_string (node, FALSE);
  return strstr (text, email) != NULL;
}

static guint
count_observations (Client     *c,
                    const char *patient)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *entries;
  guint n = 0;

  g_assert_true (hc_store_export_sync (c->store, patient, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  node = hc_json_parse (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), &error);
  g_assert_no_error (error);
  entries = hc_json_get_array (json_node_get_object (node), "entry");
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *r = hc_json_get_object (json_array_get_object_element (entries, i), "resource");

      if (g_strcmp0 (hc_json_get_string (r, "resourceType"), "Observation") == 0)
        n++;
    }
  return n;
}

static void
check_history (History *h,
               guint   *members,
               guint    n_members)
{
  g_autoptr(JsonObject) sp = server_get ("Patient", h->patient);

  g_assert_nonnull (sp);
  for (guint k = 0; k < n_members; k++)
    {
      Client *c = &clients[members[k]];
      g_autoptr(JsonObject) lp = get_local (c, "Patient", h->patient);

      assert_same (sp, lp, "the patient", c->user);
      for (guint i = 0; i < h->observations->len; i++)
        {
          g_autoptr(JsonObject) so = server_get ("Observation", h->observations->pdata[i]);
          g_autoptr(JsonObject) lo = get_local (c, "Observation", h->observations->pdata[i]);

          if (so == NULL)
            g_error ("seed %" G_GUINT64_FORMAT ": observation %s was lost", current_seed,
                     (char *) h->observations->pdata[i]);
          assert_same (so, lo, h->observations->pdata[i], c->user);
        }
      /* nothing else appeared, nothing twice */
      g_assert_cmpuint (count_observations (c, h->patient), ==, h->observations->len);
    }
  for (guint i = 0; i < h->markers->len; i++)
    {
      const char *email = h->markers->pdata[i];
      guint n = count_markers (sp, email);

      if (n > 1)
        g_error ("seed %" G_GUINT64_FORMAT ": %s is in the chart %u times", current_seed, email, n);
      if (n == 0 && !marker_in_conflicts (email) && !marker_in_history (h->patient, email))
        g_error ("seed %" G_GUINT64_FORMAT ": %s was lost without a record", current_seed, email);
    }
  counts.markers += h->markers->len;
  counts.observations += h->observations->len;
}

/* ------------------------------------------------------------------------------------------ */

static void
run_history (guint64 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (seed ^ (seed >> 32)));
  guint members[N_CLIENTS];
  guint n_members = g_rand_int_range (rand, 2, N_CLIENTS + 1);
  History h = { NULL, g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  guint n = 0;

  current_seed = seed;
  hc_fault_proxy_reseed (proxy, seed);
  /* a random choice of members */
  for (guint i = 0; i < N_CLIENTS; i++)
    members[i] = i;
  for (guint i = N_CLIENTS - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      guint t = members[i];

      members[i] = members[j];
      members[j] = t;
    }

  /* the chart everyone starts from */
  h.patient = g_strdup_printf ("cv%" G_GUINT64_FORMAT, seed);
  {
    g_autoptr(JsonObject) p = new_patient (h.patient, rand);

    g_assert_true (put_local (&clients[members[0]], p));
  }
  hc_fault_proxy_set_rate (proxy, 0);
  quiesce (members, n_members, rand);

  /* offline edits and faulty syncs, interleaved */
  hc_fault_proxy_set_rate (proxy, 0.3);
  for (guint step = 0, steps = g_rand_int_range (rand, 6, 16); step < steps; step++)
    {
      guint k = g_rand_int_range (rand, 0, n_members);
      Client *c = &clients[members[k]];
      guint what = g_rand_int_range (rand, 0, 1000);

      /* in tenths of a percent: kills cost a process start and a key derivation, keep them
       * rare enough for CI */
      if (what < 550)
        random_edit (c, members[k], &h, rand, n++);
      else if (what < 955)
        client_sync (c);
      else if (what < 980)
        client_sync_killed (c, g_rand_int_range (rand, 0, 400));
      else
        restart_server (TRUE);
    }

  hc_fault_proxy_set_rate (proxy, 0);
  quiesce (members, n_members, rand);
  check_history (&h, members, n_members);
  counts.histories++;

  g_free (h.patient);
  g_ptr_array_unref (h.observations);
  g_ptr_array_unref (h.markers);
}

/* The client stores live beside the server's database, in memory (see main). */
static void
setup_clients (void)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i].dir = g_build_filename (server.workdir, clients[i].user, NULL);
      g_assert_cmpint (mkdir (clients[i].dir, 0700), ==, 0);
      client_open (&clients[i]);
      g_assert_true (hc_sync_login_sync (clients[i].store, proxy_url, clients[i].user, PASSWORD,
                                         server.ca_file, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&clients[i].engine);
      clients[i].engine = hc_sync_engine_new (clients[i].store);
    }
  observer = hc_sync_client_new (server.url, server.ca_file, &error);
  g_assert_no_error (error);
  g_free (hc_sync_client_login (observer, "observer", PASSWORD, NULL, &error));
  g_assert_no_error (error);
}

static void
teardown_clients (void)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      client_close (&clients[i]);
      g_clear_pointer (&clients[i].dir, g_free);
    }
  g_clear_object (&observer);
}

static void
test_converge (void)
{
  const char *env_n = histories_arg ? histories_arg : g_getenv ("HOUSECALL_CONVERGE_HISTORIES");
  const char *env_seed = g_getenv ("HOUSECALL_CONVERGE_SEED");
#if defined(__SANITIZE_ADDRESS__)
  guint n = 30;       /* the sanitizer build runs everything several times slower */
#else
  guint n = 250;
#endif
  guint64 seed = env_seed ? g_ascii_strtoull (env_seed, NULL, 10) : 1;
  guint connections = 0, cut_requests = 0, cut_responses = 0;

  if (env_n)
    n = (guint) g_ascii_strtoull (env_n, NULL, 10);
  setup_clients ();
  for (guint i = 0; i < n; i++)
    run_history (seed + i);

  hc_fault_proxy_get_counts (proxy, &connections, &cut_requests, &cut_responses);
  g_test_message ("converge: %u histories (seeds %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT "), "
                  "%u edits, %u syncs (%u failed on faults), %u connections, %u requests cut, "
                  "%u answers dropped, %u clients killed, %u server kills, %u merges, "
                  "%u conflicts, %u resolved, %u observations and %u markers checked",
                  counts.histories, seed, seed + n - 1, counts.edits, counts.syncs,
                  counts.failed_syncs, connections, cut_requests, cut_responses,
                  counts.killed_clients, counts.killed_servers, counts.merged, counts.conflicts,
                  counts.resolved, counts.observations, counts.markers);
  g_assert_cmpuint (counts.histories, ==, n);
  /* the faults really happened */
  if (n >= 50)
    {
      g_assert_cmpuint (cut_requests, >, 0);
      g_assert_cmpuint (cut_responses, >, 0);
      g_assert_cmpuint (counts.conflicts, >, 0);
      g_assert_cmpuint (counts.merged, >, 0);
    }
  teardown_clients ();
}

int
main (int   argc,
      char *argv[])
{
  const char *user_add[] = { "user", "add", NULL, "--role", "physician", "--db", "server.db", NULL };
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--histories="))
      histories_arg = argv[i] + strlen ("--histories=");
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  /* Thousands of syncs, each several fsyncs: in memory when the machine has /dev/shm, as
   * durability is not what this test is about (processes are killed, the machine is not; a
   * killed process loses nothing the kernel has) */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0)
    {
      server.workdir = g_strdup ("/dev/shm/hc-test-converge-XXXXXX");
      g_assert_nonnull (g_mkdtemp (server.workdir));
    }
  else
    server.workdir = g_dir_make_tmp ("hc-test-converge-XXXXXX", NULL);
  hc_test_server_cli (server.workdir, (const char * const []) { "dev-cert", "--out", "certs", NULL }, NULL);
  hc_test_server_cli (server.workdir, (const char * const []) { "init-db", "--db", "server.db", NULL }, NULL);
  user_add[2] = "observer";
  hc_test_server_cli (server.workdir, user_add, PASSWORD);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i].user = g_strdup_printf ("dr%u", i);
      user_add[2] = clients[i].user;
      hc_test_server_cli (server.workdir, user_add, PASSWORD);
    }
  hc_test_server_start (&server, 0);
  proxy = hc_fault_proxy_new (port_of (server.url), 20261127);
  proxy_url = g_strdup_printf ("https://127.0.0.1:%u", hc_fault_proxy_get_port (proxy));

  g_test_add_func ("/hc/sync/converge", test_converge);
  rc = g_test_run ();

  for (guint i = 0; i < N_CLIENTS; i++)
    g_free (clients[i].user);
  hc_fault_proxy_free (proxy);
  g_free (proxy_url);
  hc_test_server_clear (&server);
  return rc;
}
