/* bench-ingest.c: how fast housecall-server stores transaction Bundles, on both stores
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A demo panel (housecall-cli demo-data) is cut into transaction Bundles of 250 PUT entries
 * (what a physician may write: the panel's Practitioners and Provenances are left out), which
 * one client POSTs to /fhir over HTTPS on loopback, one after another, first to a
 * server on SQLite, then to one on a throwaway PostgreSQL cluster (fsync on, as in
 * production). The SQLite figure is the baseline of the same run.
 */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libsoup/soup.h>

#include "hc-auth.h"
#include "hc-bench.h"
#include "hc-json.h"
#include "hc-test-pg.h"

#define BUNDLE_SIZE 250

static void
run (const char         *workdir,
     const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;

  g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSWORD", "bench password 1", TRUE);
  g_subprocess_launcher_set_cwd (launcher, workdir);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, &error))
    g_error ("%s: %s", argv[1], error->message);
}

/* The panel as transaction Bundles of BUNDLE_SIZE entries; *@n_resources counts them. */
static GPtrArray *
make_bundles (const char *ndjson_path,
              guint      *n_resources)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *bundles = g_ptr_array_new_with_free_func (g_free);
  GString *bundle = NULL;
  guint in_bundle = 0;

  if (!g_file_get_contents (ndjson_path, &text, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (text, "\n", -1);
  *n_resources = 0;
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *o;

      if (lines[i][0] == '\0')
        continue;
      node = hc_json_parse (lines[i], strlen (lines[i]), &error);
      if (node == NULL)
        g_error ("demo data: %s", error->message);
      o = json_node_get_object (node);
      if (!hc_role_allows (HC_ROLE_PHYSICIAN, json_object_get_string_member (o, "resourceType"),
                           HC_ACCESS_WRITE))
        continue;
      if (bundle == NULL)
        bundle = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
      else
        g_string_append_c (bundle, ',');
      g_string_append_printf (bundle, "{\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"%s/%s\"}}",
                              lines[i], json_object_get_string_member (o, "resourceType"),
                              json_object_get_string_member (o, "id"));
      (*n_resources)++;
      if (++in_bundle == BUNDLE_SIZE)
        {
          g_string_append (bundle, "]}");
          g_ptr_array_add (bundles, g_string_free (bundle, FALSE));
          bundle = NULL;
          in_bundle = 0;
        }
    }
  if (bundle != NULL)
    {
      g_string_append (bundle, "]}");
      g_ptr_array_add (bundles, g_string_free (bundle, FALSE));
    }
  return bundles;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
login (SoupSession *session,
       const char  *base)
{
  g_autofree char *url = g_strconcat (base, "/auth/token", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new_from_encoded_form (
    "POST", url, soup_form_encode ("grant_type", "password", "username", "bench", "password",
                                   "bench password 1", NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonNode) node = NULL;

  if (body == NULL || soup_message_get_status (msg) != 200)
    g_error ("login failed");
  node = hc_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "access_token"));
}


/* Ingests @bundles into a fresh database given by @store_flag and @store ("--db", PATH or
 * "--postgres", CONNINFO); returns the seconds it took, and in *@cpu_s the CPU seconds the
 * server process and (@pg) the database cluster spent meanwhile: on a busy machine the
 * throughput that CPU time allows says more than the wall clock. */
static double
ingest (const char *dir,
        const char *server_bin,
        const char *store_flag,
        const char *store,
        HcTestPg   *pg,
        GPtrArray  *bundles,
        double     *cpu_s)
{
  g_autofree char *ca_path = g_build_filename (dir, "certs", "ca.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) perf = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *line = NULL;
  g_autofree char *base = NULL;
  g_autofree char *token = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *url = NULL;
  double t0, seconds;

  run (dir, (const char * const []) { server_bin, "init-db", store_flag, store, NULL });
  run (dir, (const char * const []) { server_bin, "user", "add", "bench", "--role", "physician",
                                      store_flag, store, NULL });
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, server_bin, "serve", store_flag, store,
                                        "--listen", "127.0.0.1:0", "--tls-cert", "certs/server.pem",
                                        "--tls-key", "certs/server-key.pem", NULL);
  if (server == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL)
    g_error ("the server did not start");
  base = g_strdup (line + strlen ("listening on "));
  ca = g_tls_file_database_new (ca_path, &error);
  session = soup_session_new_with_options ("tls-database", ca, "timeout", 120, NULL);
  token = login (session, base);
  auth = g_strconcat ("Bearer ", token, NULL);
  url = g_strconcat (base, "/fhir", NULL);

  perf = hc_bench_profile_start (g_subprocess_get_identifier (server),
                                 strcmp (store_flag, "--db") == 0 ? "ingest-sqlite" : "ingest-postgres");
  *cpu_s = -hc_test_subprocess_cpu_seconds (server) - (pg ? hc_test_pg_cpu_seconds (pg) : 0);
  t0 = hc_bench_now ();
  for (guint i = 0; i < bundles->len; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) request = g_bytes_new_static (bundles->pdata[i], strlen (bundles->pdata[i]));
      g_autoptr(GBytes) body = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_message_set_request_body_from_bytes (msg, "application/fhir+json", request);
      body = soup_session_send_and_read (session, msg, NULL, &error);
      if (body == NULL || soup_message_get_status (msg) != 200)
        g_error ("Bundle %u: %s (%u)", i, error ? error->message : "", soup_message_get_status (msg));
    }
  seconds = hc_bench_now () - t0;
  *cpu_s += hc_test_subprocess_cpu_seconds (server) + (pg ? hc_test_pg_cpu_seconds (pg) : 0);
  hc_bench_profile_stop (perf);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  return seconds;
}


int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 500;
  const char *server_bin = g_getenv ("HOUSECALL_SERVER");
  const char *cli_bin = g_getenv ("HOUSECALL_CLI");
  g_autofree char *dir = hc_bench_workdir ("ingest");
  g_autofree char *n = g_strdup_printf ("%u", patients);
  g_autofree char *panel = g_build_filename (dir, "panel.ndjson", NULL);
  g_autoptr(GPtrArray) bundles = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *report = NULL;
  g_autofree char *conninfo = NULL;
  HcTestPg *pg;
  guint resources;
  double sqlite_s, pg_s, sqlite_cpu, pg_cpu;

  if (server_bin == NULL || cli_bin == NULL)
    g_error ("set HOUSECALL_SERVER and HOUSECALL_CLI (meson test --benchmark does)");

  run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", n, "--seed", "5",
                                      "--date", "2026-11-27", "--out", "panel.ndjson", NULL });
  run (dir, (const char * const []) { server_bin, "dev-cert", "--out", "certs", NULL });
  bundles = make_bundles (panel, &resources);

  sqlite_s = ingest (dir, server_bin, "--db", "server.db", NULL, bundles, &sqlite_cpu);
  pg = hc_test_pg_start (TRUE);
  conninfo = hc_test_pg_new_db (pg, "ingest");
  pg_s = ingest (dir, server_bin, "--postgres", conninfo, pg, bundles, &pg_cpu);
  hc_test_pg_stop (pg);

  json_object_set_int_member (result, "resources", resources);
  json_object_set_int_member (result, "bundles", bundles->len);
  json_object_set_int_member (result, "bundle_size", BUNDLE_SIZE);
  json_object_set_double_member (result, "sqlite_seconds", sqlite_s);
  json_object_set_double_member (result, "sqlite_resources_per_s", resources / sqlite_s);
  json_object_set_double_member (result, "postgres_seconds", pg_s);
  json_object_set_double_member (result, "postgres_resources_per_s", resources / pg_s);
  json_object_set_double_member (result, "postgres_to_sqlite", sqlite_s / pg_s);
  json_object_set_double_member (result, "sqlite_cpu_seconds", sqlite_cpu);
  json_object_set_double_member (result, "sqlite_resources_per_cpu_s", resources / sqlite_cpu);
  json_object_set_double_member (result, "postgres_cpu_seconds", pg_cpu);
  json_object_set_double_member (result, "postgres_resources_per_cpu_s", resources / pg_cpu);
  json_object_set_double_member (result, "load_average", hc_bench_load_average ());
  json_object_set_double_member (result, "target_sqlite_per_s", 5000);
  json_object_set_double_member (result, "target_postgres_per_s", 3000);
  report = g_strdup_printf ("ingest: SQLite %.0f resources/s, PostgreSQL %.0f resources/s (%.2fx "
                            "SQLite) through %u transaction Bundles of %u over HTTPS (%u resources; "
                            "per CPU second of server and database: SQLite %.0f, PostgreSQL %.0f; "
                            "load average %.1f); targets >= 5000/s and >= 3000/s",
                            resources / sqlite_s, resources / pg_s, sqlite_s / pg_s, bundles->len,
                            BUNDLE_SIZE, resources, resources / sqlite_cpu, resources / pg_cpu,
                            hc_bench_load_average ());
  hc_bench_report ("ingest", result, report);
  hc_bench_rmtree (dir);
  return 0;
}
