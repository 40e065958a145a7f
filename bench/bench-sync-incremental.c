/* bench-sync-incremental.c: one sync of 100 server-side changes, measured in the engine
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-sync-incremental [PATIENTS] [ROUNDS]     (default 300 patients, 20 rounds)
 *
 * A demo panel is imported into a housecall-server; a client store is opened and unlocked
 * once (the passphrase's key derivation is not part of a sync), logs in and pulls the panel.
 * Then, each round, 100 Observations change on the server (one transaction Bundle from
 * another session) and the timed part is one hc_sync_engine_sync_sync() over HTTPS on
 * loopback: push (nothing), pull the 100, apply them. Baseline in the same run: an idle sync
 * (nothing new), the floor of one round trip. Prints one line; writes
 * bench/results/sync-incremental.json.
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <libsoup/soup.h>

#include "hc-bench.h"
#include "hc-json.h"
#include "hc-sync-engine.h"

#define CHANGED 100

static JsonObject *
request_json (SoupSession *session,
              const char  *method,
              const char  *url,
              const char  *token,
              const char  *content_type,
              const char  *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type, b);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL || soup_message_get_status (msg) != 200)
    g_error ("%s %s failed: %s (%u)", method, url, error ? error->message : "",
             soup_message_get_status (msg));
  node = hc_json_parse (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("bad JSON from %s", url);
  return json_object_ref (json_node_get_object (node));
}

/* The ids of the first @n Observations of the panel file. */
static GPtrArray *
observations (const char *panel,
              guint       n)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  if (!g_file_get_contents (panel, &text, NULL, NULL))
    g_error ("cannot read %s", panel);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && out->len < n; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (strstr (lines[i], "\"resourceType\":\"Observation\"") == NULL)
        continue;
      node = hc_json_parse (lines[i], strlen (lines[i]), NULL);
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (out, json_object_ref (json_node_get_object (node)));
    }
  if (out->len < n)
    g_error ("the panel has only %u Observations", out->len);
  return out;
}

/* One transaction that changes every resource of @changed on the server. */
static char *
change_bundle (GPtrArray *changed,
               guint      round)
{
  g_autoptr(JsonObject) bundle = json_object_new ();
  JsonArray *entries = json_array_new ();
  g_autofree char *issued = g_strdup_printf ("2026-11-27T10:%02u:00Z", round % 60);

  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", "transaction");
  for (guint i = 0; i < changed->len; i++)
    {
      JsonObject *r = g_ptr_array_index (changed, i);
      JsonObject *entry = json_object_new ();
      JsonObject *request = json_object_new ();
      g_autofree char *url = g_strconcat ("Observation/", json_object_get_string_member (r, "id"), NULL);

      json_object_set_string_member (r, "status", round % 2 ? "amended" : "corrected");
      json_object_set_string_member (r, "issued", issued);
      json_object_remove_member (r, "meta");
      json_object_set_object_member (entry, "resource", hc_json_object_copy (r));
      json_object_set_string_member (request, "method", "PUT");
      json_object_set_string_member (request, "url", url);
      json_object_set_object_member (entry, "request", request);
      json_array_add_object_element (entries, entry);
    }
  json_object_set_array_member (bundle, "entry", entries);
  return hc_json_object_to_string (bundle, FALSE);
}

static double
timed_sync (HcSyncEngine *engine,
            guint         expect_pulled)
{
  g_autoptr(GError) error = NULL;
  HcSyncStats stats;
  double t0 = hc_bench_now (), t;

  if (!hc_sync_engine_sync_sync (engine, &stats, NULL, &error))
    g_error ("sync failed: %s", error->message);
  t = hc_bench_now () - t0;
  if (stats.pulled != expect_pulled)
    g_error ("the sync pulled %u, not %u", stats.pulled, expect_pulled);
  return t * 1000;
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 300;
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 20;
  const char *server_bin = g_getenv ("HOUSECALL_SERVER");
  const char *cli_bin = g_getenv ("HOUSECALL_CLI");
  g_autofree char *dir = hc_bench_workdir ("sync-incremental");
  g_autofree char *n = g_strdup_printf ("%u", patients);
  g_autofree char *ca_path = g_build_filename (dir, "certs", "ca.pem", NULL);
  g_autofree char *panel = g_build_filename (dir, "panel.ndjson", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "client", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(HcSyncEngine) engine = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GArray) incremental = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) idle = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *base = NULL;
  g_autofree char *token = NULL;
  g_autofree char *fhir_url = NULL;
  g_autofree char *report = NULL;
  HcSyncStats first;
  double median, p90, idle_median, load[1] = { 0 };

  if (server_bin == NULL || cli_bin == NULL)
    g_error ("set HOUSECALL_SERVER and HOUSECALL_CLI (meson test --benchmark does)");

  hc_bench_run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", n, "--seed", "5",
                                      "--date", "2026-11-27", "--out", "panel.ndjson", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "dev-cert", "--out", "certs", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "init-db", "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "user", "add", "bench", "--role", "physician",
                                      "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "import", "panel.ndjson", "--db", "server.db", NULL });
  server = hc_bench_start_server (dir, server_bin, &base);
  changed = observations (panel, CHANGED);

  /* the writer: another session with its own login */
  ca = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("tls-database", ca, NULL);
  {
    g_autofree char *url = g_strconcat (base, "/auth/token", NULL);
    g_autofree char *form = soup_form_encode ("grant_type", "password", "username", "bench",
                                              "password", HC_BENCH_PASSWORD, NULL);
    g_autoptr(JsonObject) o = request_json (session, "POST", url, NULL,
                                            "application/x-www-form-urlencoded", form);
    token = g_strdup (json_object_get_string_member (o, "access_token"));
  }
  fhir_url = g_strconcat (base, "/fhir", NULL);

  /* the client: unlocked once, logged in, the panel pulled */
  store = hc_store_open_sync (store_dir, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL)
    g_error ("cannot open the store: %s", error->message);
  if (!hc_sync_login_sync (store, base, "bench", HC_BENCH_PASSWORD, ca_path, NULL, &error))
    g_error ("login failed: %s", error->message);
  engine = hc_sync_engine_new (store);
  if (!hc_sync_engine_sync_sync (engine, &first, NULL, &error))
    g_error ("the first sync failed: %s", error->message);

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *bundle = change_bundle (changed, round);
      g_autoptr(JsonObject) answer = request_json (session, "POST", fhir_url, token,
                                                   "application/fhir+json", bundle);
      double ms = timed_sync (engine, CHANGED);

      g_array_append_val (incremental, ms);
      ms = timed_sync (engine, 0);
      g_array_append_val (idle, ms);
    }
  getloadavg (load, 1);
  g_clear_object (&engine);
  g_clear_object (&store);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);

  median = hc_bench_percentile (incremental, 50);
  p90 = hc_bench_percentile (incremental, 90);
  idle_median = hc_bench_percentile (idle, 50);
  json_object_set_int_member (result, "store_resources", first.pulled);
  json_object_set_int_member (result, "changed", CHANGED);
  json_object_set_int_member (result, "rounds", rounds);
  json_object_set_double_member (result, "incremental_median_ms", median);
  json_object_set_double_member (result, "incremental_p90_ms", p90);
  json_object_set_double_member (result, "idle_median_ms", idle_median);
  json_object_set_double_member (result, "load_average_1min", load[0]);
  json_object_set_double_member (result, "target_incremental_ms", 100);
  report = g_strdup_printf ("sync-incremental: %u changed resources pulled and applied in %.0f ms "
                            "(median of %u, p90 %.0f ms; engine level, store unlocked once, %u "
                            "resources in it); idle sync %.0f ms; load %.1f; target < 100 ms",
                            CHANGED, median, rounds, p90, first.pulled, idle_median, load[0]);
  hc_bench_report ("sync-incremental", result, report);
  hc_bench_rmtree (dir);
  return 0;
}
