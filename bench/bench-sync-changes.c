/* bench-sync-changes.c: how fast one housecall-server process serves $sync-changes
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A demo panel is imported into a server, which then serves a whole first sync over HTTPS on
 * loopback in pages of 1,000 to one client that parses every page. Baseline in the same run:
 * reading the same rows straight out of the server's SQLite file.
 */

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <libsoup/soup.h>

#include "hc-bench.h"
#include "hc-json.h"
#include "hc-test-pg.h"

static JsonObject *
get_json (SoupSession *session,
          SoupMessage *msg,
          gsize       *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonNode) node = NULL;

  if (body == NULL || soup_message_get_status (msg) != 200)
    g_error ("request failed: %s (%u)", error ? error->message : "", soup_message_get_status (msg));
  *bytes += g_bytes_get_size (body);
  node = hc_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  if (node == NULL)
    g_error ("bad JSON: %s", error->message);
  return json_object_ref (json_node_get_object (node));
}

int
main (int   argc,
      char *argv[])
{
  guint patients = argc > 1 ? (guint) atoi (argv[1]) : 2000;
  const char *server_bin = g_getenv ("HOUSECALL_SERVER");
  const char *cli_bin = g_getenv ("HOUSECALL_CLI");
  g_autofree char *dir = hc_bench_workdir ("sync");
  g_autofree char *n = g_strdup_printf ("%u", patients);
  g_autofree char *ca_path = g_build_filename (dir, "certs", "ca.pem", NULL);
  g_autofree char *db_path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *base = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  g_autofree char *report = NULL;
  gsize bytes = 0;
  guint resources = 0, pages = 0, rows = 0;
  g_autoptr(GSubprocess) perf = NULL;
  double t0, pull_s, raw_s, cpu_s, load;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  if (server_bin == NULL || cli_bin == NULL)
    g_error ("set HOUSECALL_SERVER and HOUSECALL_CLI (meson test --benchmark does)");

  hc_bench_run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", n, "--seed", "4",
                                      "--date", "2026-11-27", "--out", "panel.ndjson", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "dev-cert", "--out", "certs", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "init-db", "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "user", "add", "bench", "--role", "physician",
                                      "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "import", "panel.ndjson", "--db", "server.db", NULL });

  server = hc_bench_start_server (dir, server_bin, &base);

  ca = g_tls_file_database_new (ca_path, &error);
  session = soup_session_new_with_options ("tls-database", ca, NULL);
  {
    g_autofree char *url = g_strconcat (base, "/auth/token", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new_from_encoded_form (
      "POST", url, soup_form_encode ("grant_type", "password", "username", "bench", "password",
                                     HC_BENCH_PASSWORD, NULL));
    g_autoptr(JsonObject) o = get_json (session, msg, &bytes);
    token = g_strdup (json_object_get_string_member (o, "access_token"));
    bytes = 0;
  }

  /* the whole first sync, page after page, every page parsed */
  path = g_strdup ("/fhir/$sync-changes?_count=1000");
  perf = hc_bench_profile_start (g_subprocess_get_identifier (server), "sync-changes");
  cpu_s = -hc_test_subprocess_cpu_seconds (server);
  t0 = hc_bench_now ();
  for (;;)
    {
      g_autofree char *url = g_strconcat (base, path, NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      g_autoptr(JsonObject) page = NULL;
      JsonArray *ext;
      const char *cursor = NULL;
      gboolean done = FALSE;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      page = get_json (session, msg, &bytes);
      pages++;
      if (json_object_has_member (page, "entry"))
        resources += json_array_get_length (json_object_get_array_member (page, "entry"));
      ext = json_object_get_array_member (json_object_get_object_member (page, "meta"), "extension");
      for (guint i = 0; i < json_array_get_length (ext); i++)
        {
          JsonObject *e = json_array_get_object_element (ext, i);
          if (g_str_equal (json_object_get_string_member (e, "url"), "urn:housecall:sync:cursor"))
            cursor = json_object_get_string_member (e, "valueString");
          else if (g_str_equal (json_object_get_string_member (e, "url"), "urn:housecall:sync:up-to-date"))
            done = json_object_get_boolean_member (e, "valueBoolean");
        }
      if (done)
        break;
      g_free (path);
      path = g_strdup_printf ("/fhir/$sync-changes?_count=1000&cursor=%s", cursor);
    }
  pull_s = hc_bench_now () - t0;
  cpu_s += hc_test_subprocess_cpu_seconds (server);
  load = hc_bench_load_average ();
  hc_bench_profile_stop (perf);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);

  /* baseline: the same rows straight from SQLite */
  sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  sqlite3_prepare_v2 (db, "SELECT json FROM resource WHERE NOT deleted ORDER BY seq", -1, &stmt, NULL);
  t0 = hc_bench_now ();
  while (sqlite3_step (stmt) == SQLITE_ROW)
    rows += sqlite3_column_bytes (stmt, 0) > 0;
  raw_s = hc_bench_now () - t0;
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  json_object_set_int_member (result, "resources", resources);
  json_object_set_int_member (result, "pages", pages);
  json_object_set_double_member (result, "megabytes", bytes / 1e6);
  json_object_set_double_member (result, "seconds", pull_s);
  json_object_set_double_member (result, "changes_per_s", resources / pull_s);
  json_object_set_double_member (result, "server_cpu_seconds", cpu_s);
  json_object_set_double_member (result, "changes_per_server_cpu_s", resources / cpu_s);
  json_object_set_double_member (result, "load_average", load);
  json_object_set_double_member (result, "raw_sqlite_rows_per_s", rows / raw_s);
  json_object_set_double_member (result, "target_changes_per_s", 20000);
  report = g_strdup_printf ("sync-changes: %.0f changes/s served over HTTPS (%u resources, %u pages "
                            "of 1000, %.1f MB, client parsing every page; %.0f per CPU second of the "
                            "server; load average %.1f); raw SQLite read %.0f rows/s; target >= "
                            "20000/s", resources / pull_s, resources, pages, bytes / 1e6,
                            resources / cpu_s, load, rows / raw_s);
  hc_bench_report ("sync-changes", result, report);
  hc_bench_rmtree (dir);
  return 0;
}
