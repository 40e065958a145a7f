/* test-server.c: housecall-server over real HTTPS on loopback
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "hc-fhir.h"
#include "hc-json.h"

#include "hc-test-pg.h"
#include "hc-test-utils.h"

/* HOUSECALL_TEST_STORE=postgres runs the whole suite on a throwaway PostgreSQL cluster */
static HcTestPg *pg;
static char *pg_conninfo;
static char *workdir;
static char *server_cli;
static GSubprocess *server;
static char *base;
static SoupSession *session;

/* housecall-server @args, NULL-terminated, on the PostgreSQL database @conninfo or (NULL)
 * the suite's store (but for dev-cert). */
static GPtrArray *
server_argv_on (const char         *conninfo,
                const char * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();

  if (conninfo == NULL)
    conninfo = pg_conninfo;
  g_ptr_array_add (argv, server_cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  if (g_strcmp0 (args[0], "dev-cert") != 0)
    {
      g_ptr_array_add (argv, conninfo ? "--postgres" : "--db");
      g_ptr_array_add (argv, conninfo ? (gpointer) conninfo : "server.db");
    }
  g_ptr_array_add (argv, NULL);
  return argv;
}

static GPtrArray *
server_argv (const char * const *args)
{
  return server_argv_on (NULL, args);
}

static void
run_server_cli_on (const char         *conninfo,
                   const char * const *args,
                   const char         *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = server_argv_on (conninfo, args);
  g_autoptr(GSubprocess) proc = NULL;
  if (password)
    g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSWORD", password, TRUE);
  g_subprocess_launcher_set_cwd (launcher, workdir);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

static void
run_server_cli (const char * const *args,
                const char         *password)
{
  run_server_cli_on (NULL, args, password);
}

#define SRV(...) (const char * const []) { __VA_ARGS__, NULL }

/* A demo panel loaded with `housecall-server import`, and a bad file that changes nothing. */
static void
import_demo_panel (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *panel = g_build_filename (workdir, "panel.ndjson", NULL);
  g_autofree char *bad = g_build_filename (workdir, "bad.ndjson", NULL);
  const char *cli = g_getenv ("HOUSECALL_CLI");
  g_autoptr(GSubprocess) proc = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli, "demo-data", "--patients", "5",
                           "--seed", "3", "--date", "2026-11-27", "--out", panel, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
  run_server_cli (SRV ("import", panel), NULL);

  g_assert_true (g_file_set_contents (bad, "{\"resourceType\":\"Patient\",\"id\":\"fine\"}\n"
                                           "{\"resourceType\":\"Patient\",\"id\":\"bad\",\"gender\":\"x\"}\n",
                                      -1, NULL));
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_autoptr(GSubprocess) p3 = NULL;
    g_autoptr(GPtrArray) argv = server_argv (SRV ("import", bad));

    g_subprocess_launcher_set_cwd (launcher, workdir);
    p3 = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
    g_assert_no_error (error);
    g_subprocess_wait (p3, NULL, &error);
    g_assert_cmpint (g_subprocess_get_exit_status (p3), ==, 1);
  }
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A housecall-server serve process on @conninfo (NULL: the suite's store), with @envp (NULL or VAR=VALUE
 * strings) added; its https:// base URL in *@base_out. */
static GSubprocess *
spawn_server_on (const char         *conninfo,
                 const char * const *envp,
                 char              **base_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GPtrArray) argv = server_argv_on (conninfo, SRV ("serve", "--listen", "127.0.0.1:0",
                                                              "--tls-cert", "certs/server.pem",
                                                              "--tls-key", "certs/server-key.pem"));
  GSubprocess *proc;

  g_subprocess_launcher_set_cwd (launcher, workdir);
  for (guint i = 0; envp && envp[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (envp[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  /* the server goes when this test goes, even when it aborts */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  *base_out = g_strdup (line + strlen ("listening on "));
  return proc;
}

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) ca = NULL;
  g_autofree char *ca_path = g_build_filename (workdir, "certs", "ca.pem", NULL);

  server = spawn_server_on (NULL, NULL, &base);
  ca = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("tls-database", ca, "timeout", 30, NULL);
}

typedef struct
{
  guint       status;
  JsonObject *body;
  char       *etag;
  char       *location;
} Reply;

static void
reply_clear (Reply *r)
{
  g_clear_pointer (&r->body, json_object_unref);
  g_clear_pointer (&r->etag, g_free);
  g_clear_pointer (&r->location, g_free);
}

/* Sends @msg and reads the answer. */
static Reply
send_message (SoupMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Reply r = { 0 };

  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  r.status = soup_message_get_status (msg);
  if (g_bytes_get_size (bytes) > 0)
    {
      /* the answer is not NUL-terminated */
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_autoptr(JsonNode) node = json_from_string (text, NULL);
      if (node && JSON_NODE_HOLDS_OBJECT (node))
        r.body = json_object_ref (json_node_get_object (node));
    }
  r.etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
  r.location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location"));
  return r;
}

/* A request to the server at @at (an https:// base URL). */
static Reply
request_on (const char *at,
            const char *method,
            const char *path,
            const char *token,
            const char *content_type,
            const char *body,
            const char *if_match,
            const char *if_none_match)
{
  g_autofree char *url = g_strconcat (at, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  if (token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (headers, "Authorization", auth);
    }
  if (if_match)
    soup_message_headers_replace (headers, "If-Match", if_match);
  if (if_none_match)
    soup_message_headers_replace (headers, "If-None-Match", if_none_match);
  if (body)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type, b);
    }
  return send_message (msg);
}

static Reply
request_full (const char *method,
              const char *path,
              const char *token,
              const char *content_type,
              const char *body,
              const char *if_match,
              const char *if_none_match)
{
  return request_on (base, method, path, token, content_type, body, if_match, if_none_match);
}

static Reply
request (const char *method,
         const char *path,
         const char *token,
         const char *body)
{
  return request_full (method, path, token, "application/fhir+json", body, NULL, NULL);
}

static const char *
outcome_code (Reply *r)
{
  g_assert_nonnull (r->body);
  g_assert_cmpstr (json_object_get_string_member (r->body, "resourceType"), ==, "OperationOutcome");
  return json_object_get_string_member (json_array_get_object_element (
           json_object_get_array_member (r->body, "issue"), 0), "code");
}

static Reply
login_full (const char *user,
            const char *password)
{
  g_autofree char *form = soup_form_encode ("grant_type", "password", "username", user,
                                            "password", password, NULL);
  return request_full ("POST", "/auth/token", NULL, "application/x-www-form-urlencoded", form,
                       NULL, NULL);
}

static char *
login (const char *user)
{
  Reply r = login_full (user, "correct horse battery staple");
  char *token;

  g_assert_cmpuint (r.status, ==, 200);
  token = g_strdup (json_object_get_string_member (r.body, "access_token"));
  reply_clear (&r);
  return token;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_metadata (void)
{
  Reply r = request ("GET", "/fhir/metadata", NULL, NULL);

  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "resourceType"), ==, "CapabilityStatement");
  g_assert_cmpstr (json_object_get_string_member (r.body, "fhirVersion"), ==, "4.0.1");
  reply_clear (&r);
}

static void
test_needs_token (void)
{
  Reply r = request ("GET", "/fhir/Patient/anyone", NULL, NULL);

  g_assert_cmpuint (r.status, ==, 401);
  g_assert_cmpstr (outcome_code (&r), ==, "login");
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/anyone", "not-a-real-token", NULL);
  g_assert_cmpuint (r.status, ==, 401);
  reply_clear (&r);
}

static void
test_login (void)
{
  Reply r = login_full ("alice", "wrong");

  g_assert_cmpuint (r.status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (r.body, "error"), ==, "invalid_grant");
  reply_clear (&r);
  r = login_full ("nobody", "whatever");
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
  r = login_full ("alice", "correct horse battery staple");
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "token_type"), ==, "Bearer");
  g_assert_cmpuint (strlen (json_object_get_string_member (r.body, "access_token")), ==, 43);
  reply_clear (&r);
}

static void
test_crud (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  Reply r = request ("POST", "/fhir/Patient", token,
                     "{\"resourceType\":\"Patient\",\"id\":\"ignored\",\"name\":[{\"family\":\"Osei\"}]}");

  g_assert_cmpuint (r.status, ==, 201);
  g_assert_cmpstr (r.etag, ==, "W/\"1\"");
  id = g_strdup (json_object_get_string_member (r.body, "id"));
  g_assert_cmpstr (id, !=, "ignored");
  g_assert_true (g_str_has_prefix (r.location, "Patient/"));
  reply_clear (&r);

  path = g_strconcat ("/fhir/Patient/", id, NULL);
  r = request ("GET", path, token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r.body, "meta"),
                                                  "versionId"), ==, "1");
  reply_clear (&r);

  /* update with the right version, then a stale one */
  body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\",\"name\":[{\"family\":\"Osei-Bonsu\"}]}", id);
  r = request_full ("PUT", path, token, "application/fhir+json", body, "W/\"1\"", NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (r.etag, ==, "W/\"2\"");
  reply_clear (&r);
  r = request_full ("PUT", path, token, "application/fhir+json", body, "W/\"1\"", NULL);
  g_assert_cmpuint (r.status, ==, 412);
  g_assert_cmpstr (outcome_code (&r), ==, "conflict");
  reply_clear (&r);
  r = request_full ("PUT", path, token, "application/fhir+json", body, NULL, "*");
  g_assert_cmpuint (r.status, ==, 412);
  reply_clear (&r);

  /* vread keeps the old version */
  {
    g_autofree char *v1 = g_strconcat (path, "/_history/1", NULL);
    r = request ("GET", v1, token, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (r.body, "name"), 0), "family"), ==, "Osei");
    reply_clear (&r);
  }

  /* instance history, newest first, and type history */
  {
    g_autofree char *hist = g_strconcat (path, "/_history", NULL);
    JsonArray *entries;

    r = request ("GET", hist, token, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "history");
    entries = json_object_get_array_member (r.body, "entry");
    g_assert_cmpuint (json_array_get_length (entries), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       json_array_get_object_element (entries, 0), "response"), "etag"), ==, "W/\"2\"");
    reply_clear (&r);
    r = request ("GET", "/fhir/Patient/_history?_count=1", token, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r.body, "entry")), ==, 1);
    reply_clear (&r);
    r = request ("GET", "/fhir/Patient/nobody-here/_history", token, NULL);
    g_assert_cmpuint (r.status, ==, 404);
    reply_clear (&r);
  }

  /* a client-chosen id with If-None-Match: * creates */
  r = request_full ("PUT", "/fhir/Patient/client-made-1", token, "application/fhir+json",
                    "{\"resourceType\":\"Patient\",\"id\":\"client-made-1\"}", NULL, "*");
  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);

  /* delete, then it is gone */
  r = request ("DELETE", path, token, NULL);
  g_assert_cmpuint (r.status, ==, 204);
  reply_clear (&r);
  r = request ("GET", path, token, NULL);
  g_assert_cmpuint (r.status, ==, 410);
  g_assert_cmpstr (outcome_code (&r), ==, "deleted");
  reply_clear (&r);
}

static void
test_bad_requests (void)
{
  g_autofree char *token = login ("alice");
  Reply r;

  r = request ("POST", "/fhir/Patient", token, "{\"resourceType\":\"Patient\",\"birthDate\":\"1970-13-01\"}");
  g_assert_cmpuint (r.status, ==, 400);
  g_assert_cmpstr (outcome_code (&r), ==, "invalid");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (
                     json_array_get_object_element (json_object_get_array_member (r.body, "issue"), 0),
                     "expression"), 0), ==, "Patient.birthDate");
  reply_clear (&r);

  r = request ("POST", "/fhir/Patient", token, "{\"resourceType\":\"Patient\",");
  g_assert_cmpuint (r.status, ==, 400);
  g_assert_cmpstr (outcome_code (&r), ==, "structure");
  reply_clear (&r);

  r = request_full ("POST", "/fhir/Patient", token, "text/plain", "{}", NULL, NULL);
  g_assert_cmpuint (r.status, ==, 415);
  reply_clear (&r);

  r = request ("GET", "/fhir/Patient/..%2F..%2Fetc%2Fpasswd", token, NULL);
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);

  r = request ("GET", "/fhir/Spaceship/1", token, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  reply_clear (&r);

  r = request ("POST", "/fhir/Observation", token,
               "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"X\"}]}");
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);

  r = request_full ("PUT", "/fhir/Patient/p1", token, "application/fhir+json",
                    "{\"resourceType\":\"Patient\",\"id\":\"p1\"}", "yesterday", NULL);
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
}

static void
trust_test_ca_cb (GSocketClient      *client,
                  GSocketClientEvent  event,
                  GSocketConnectable *connectable,
                  GIOStream          *connection,
                  gpointer            ca)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), ca);
}

/* Writes @head (and then @body_bytes of filler) on a raw TLS connection and returns the
 * first line of the answer, or NULL when the server closed the connection. */
static char *
raw_request (const char *head,
             gsize       body_bytes,
             gsize       chunk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *ca_path = g_build_filename (workdir, "certs", "ca.pem", NULL);
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (ca_path, NULL);
  g_autofree char *filler = g_malloc0 (chunk);
  GOutputStream *out;
  const char *port = strrchr (base, ':') + 1;
  char *line;

  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_enable_proxy (client, FALSE);
  g_signal_connect (client, "event", G_CALLBACK (trust_test_ca_cb), ca);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) atoi (port), NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error))
    return NULL;
  for (gsize sent = 0; sent < body_bytes; sent += chunk)
    {
      g_autofree char *size = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", chunk);
      if (!g_output_stream_write_all (out, size, strlen (size), NULL, NULL, NULL) ||
          !g_output_stream_write_all (out, filler, chunk, NULL, NULL, NULL) ||
          !g_output_stream_write_all (out, "\r\n", 2, NULL, NULL, NULL))
        return NULL;   /* the server hung up: what we wanted */
    }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  return line;
}

/* An independent FHIR client reads and writes through the REST API. */
static void
test_independent_client (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *dir = g_build_filename (g_getenv ("HOUSECALL_SOURCE_ROOT"), "tests", "node", NULL);
  g_autofree char *module = g_build_filename (dir, "node_modules", "fhir-kit-client", NULL);
  g_autofree char *script = g_build_filename (dir, "fhir-client-check.js", NULL);
  g_autofree char *ca = g_build_filename (workdir, "certs", "ca.pem", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!g_file_test (module, G_FILE_TEST_IS_DIR))
    {
      if (g_strcmp0 (g_getenv ("HOUSECALL_SKIP_NODE"), "1") == 0)
        {
          g_test_skip ("HOUSECALL_SKIP_NODE=1");
          return;
        }
      g_test_fail_printf ("fhir-kit-client is not installed: run `npm ci --prefix tests/node`");
      return;
    }
  g_subprocess_launcher_setenv (launcher, "HOUSECALL_BASE", base, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOUSECALL_TOKEN", token, TRUE);
  g_subprocess_launcher_setenv (launcher, "NODE_EXTRA_CA_CERTS", ca, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, "node", script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s", out);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_test_fail_printf ("%s", out);
}

static void
test_huge_bodies (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *head = NULL;
  g_autofree char *line = NULL;

  /* a declared 200 MB body is refused before a byte of it is read */
  head = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: application/fhir+json\r\nContent-Length: 209715200\r\n\r\n", token);
  line = raw_request (head, 0, 1);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "HTTP/1.1 413"));
  g_clear_pointer (&line, g_free);
  g_free (head);

  /* a body compressed some way other than gzip is refused before it is read */
  for (guint i = 0; i < 3; i++)
    {
      static const char * const encodings[] = { "deflate", "br", "gzip, br" };

      head = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
                              "Content-Type: application/fhir+json\r\nContent-Encoding: %s\r\n"
                              "Content-Length: 10\r\n\r\n0123456789", token, encodings[i]);
      line = raw_request (head, 0, 1);
      g_assert_nonnull (line);
      g_assert_true (g_str_has_prefix (line, "HTTP/1.1 415"));
      g_clear_pointer (&line, g_free);
      g_free (head);
    }

  /* a gzip body that keeps coming: cut off past 16 MB on the wire, too */
  head = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n", token);
  line = raw_request (head, 24 * 1024 * 1024, 1024 * 1024);
  g_assert_null (line);
  g_free (head);

  /* a chunked body that keeps coming: cut off past 16 MB */
  head = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n\r\n", token);
  line = raw_request (head, 24 * 1024 * 1024, 1024 * 1024);
  g_assert_null (line);

  /* and the server is still fine */
  {
    Reply r = request ("GET", "/fhir/metadata", NULL, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    reply_clear (&r);
  }
}

/* gzip of @head, @n_spaces spaces and @tail, made as a stream (the plain text is never whole). */
static GBytes *
gzip_padded (GBytes     *head,
             gsize       n_spaces,
             const char *tail)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;
  gsize block = 1024 * 1024;
  g_autofree char *spaces = g_malloc (block);

  memset (spaces, ' ', block);
  g_output_stream_write_all (out, g_bytes_get_data (head, NULL), g_bytes_get_size (head), NULL,
                             NULL, &error);
  g_assert_no_error (error);
  for (gsize left = n_spaces; left > 0; left -= MIN (left, block))
    {
      g_output_stream_write_all (out, spaces, MIN (left, block), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_write_all (out, tail, strlen (tail), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static GBytes *
gzip_bytes (GBytes *plain)
{
  return gzip_padded (plain, 0, "");
}

/* gzip of a Patient with @id and @n_spaces spaces of padding. */
static GBytes *
gzip_patient (const char *id,
              gsize       n_spaces)
{
  g_autofree char *head = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\"", id);
  g_autoptr(GBytes) bytes = g_bytes_new (head, strlen (head));

  return gzip_padded (bytes, n_spaces, "}");
}

/* @method @path with @body as FHIR JSON sent with Content-Encoding: @encoding. */
static Reply
request_encoded (const char *method,
                 const char *path,
                 const char *token,
                 const char *encoding,
                 GBytes     *body)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Authorization", auth);
  soup_message_headers_replace (headers, "Content-Encoding", encoding);
  soup_message_set_request_body_from_bytes (msg, "application/fhir+json", body);
  return send_message (msg);
}

/* The server process's peak resident set size (VmHWM), in KiB. */
static guint64
server_peak_rss_kib (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (server));
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
}

static void
assert_status (Reply      *r,
               guint       status,
               const char *code)
{
  g_assert_cmpuint (r->status, ==, status);
  if (code != NULL)
    g_assert_cmpstr (outcome_code (r), ==, code);
  reply_clear (r);
}

/* gzip request bodies: decoded as they arrive, refused past 16 MB decoded, or when corrupt */
static void
test_gzip_bodies (void)
{
  g_autofree char *token = login ("alice");
  const char *bundle =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"gz-1\",\"name\":[{\"family\":\"Zipped\"}]},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/gz-1\"}},"
    "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"gz-obs\",\"status\":\"final\","
    "\"code\":{\"text\":\"Weight\"},\"subject\":{\"reference\":\"Patient/gz-1\"}},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"Observation/gz-obs\"}}]}";
  g_autoptr(GBytes) plain = g_bytes_new_static (bundle, strlen (bundle));
  g_autoptr(GBytes) zipped = gzip_bytes (plain);
  g_autoptr(GBytes) bomb = NULL;
  g_autoptr(GBytes) bomb2 = NULL;
  g_autoptr(GBytes) corrupt = NULL;
  g_autoptr(GBytes) cut = NULL;
  guint64 rss_before;
  Reply r;

  /* a gzipped transaction Bundle is stored */
  r = request_encoded ("POST", "/fhir", token, "gzip", zipped);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "transaction-response");
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/gz-1", token, NULL);
  assert_status (&r, 200, NULL);
  r = request ("GET", "/fhir/Observation/gz-obs", token, NULL);
  assert_status (&r, 200, NULL);

  /* a gzip of a gzip, said so in the header ("x-gzip" is gzip too) */
  {
    g_autoptr(GBytes) once = gzip_patient ("gz-2", 0);
    g_autoptr(GBytes) twice = gzip_bytes (once);

    r = request_encoded ("PUT", "/fhir/Patient/gz-2", token, "gzip, x-gzip", twice);
    assert_status (&r, 201, NULL);
  }

  /* a Patient padded with 4 MB of spaces decodes under the limit: stored */
  {
    g_autoptr(GBytes) padded = gzip_patient ("gz-padded", 4 * 1024 * 1024);

    r = request_encoded ("PUT", "/fhir/Patient/gz-padded", token, "gzip", padded);
    assert_status (&r, 201, NULL);
  }

  /* the same with 256 MB of spaces (about 250 KB gzipped) is a bomb: 413, nothing stored, and
   * the server never held it */
  bomb = gzip_patient ("gz-bomb", 256 * 1024 * 1024);
  g_test_message ("bomb: %" G_GSIZE_FORMAT " bytes gzipped", g_bytes_get_size (bomb));
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 1024 * 1024);
  rss_before = server_peak_rss_kib ();
  r = request_encoded ("PUT", "/fhir/Patient/gz-bomb", token, "gzip", bomb);
  assert_status (&r, 413, "too-costly");
  g_test_message ("server peak RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB", rss_before,
                  server_peak_rss_kib ());
  /* decoded whole it would be 256 MB; the cap leaves 16 MB and its buffer's growth (more under
   * AddressSanitizer, which keeps freed blocks in quarantine) */
  g_assert_cmpuint (server_peak_rss_kib (), <, rss_before + 128 * 1024);

  /* a gzip of that bomb (a few hundred bytes): 413 when both layers are declared; with one
   * declared the decoded body is gzip, not JSON */
  bomb2 = gzip_bytes (bomb);
  g_test_message ("bomb of a bomb: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bomb2));
  r = request_encoded ("PUT", "/fhir/Patient/gz-bomb", token, "gzip, gzip", bomb2);
  assert_status (&r, 413, "too-costly");
  r = request_encoded ("PUT", "/fhir/Patient/gz-bomb", token, "gzip", bomb2);
  assert_status (&r, 400, "structure");
  g_assert_cmpuint (server_peak_rss_kib (), <, rss_before + 128 * 1024);

  /* corrupt, cut short, trailing garbage, or not gzip at all: 400 */
  {
    gsize size;
    const guint8 *data = g_bytes_get_data (zipped, &size);
    g_autofree guint8 *bad = g_memdup2 (data, size);
    g_autofree guint8 *more = g_malloc (size + 4);

    for (gsize i = 12; i < size - 8; i++)
      bad[i] ^= 0x55;
    corrupt = g_bytes_new (bad, size);
    cut = g_bytes_new (data, size / 2);
    memcpy (more, data, size);
    memcpy (more + size, "junk", 4);
    r = request_encoded ("POST", "/fhir", token, "gzip", corrupt);
    assert_status (&r, 400, "structure");
    r = request_encoded ("POST", "/fhir", token, "gzip", cut);
    assert_status (&r, 400, "structure");
    {
      g_autoptr(GBytes) trailing = g_bytes_new (more, size + 4);
      r = request_encoded ("POST", "/fhir", token, "gzip", trailing);
      assert_status (&r, 400, "structure");
    }
    r = request_encoded ("POST", "/fhir", token, "gzip", plain);
    assert_status (&r, 400, "structure");
  }
  r = request ("GET", "/fhir/Patient/gz-bomb", token, NULL);
  assert_status (&r, 404, NULL);

  /* and the connection and server are fine */
  r = request ("GET", "/fhir/Patient/gz-padded", token, NULL);
  assert_status (&r, 200, NULL);
}

static void
test_roles (void)
{
  g_autofree char *desk = login ("frank");
  g_autofree char *admin = login ("ada");
  Reply r;

  r = request ("POST", "/fhir/Observation", desk,
               "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"Weight\"}}");
  g_assert_cmpuint (r.status, ==, 403);
  g_assert_cmpstr (outcome_code (&r), ==, "forbidden");
  reply_clear (&r);
  r = request ("GET", "/fhir/Composition/any", desk, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
  r = request ("POST", "/fhir/Patient", desk, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Desk\"}]}");
  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/client-made-1", admin, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
}

static void
test_refresh_and_revoke (void)
{
  Reply r = login_full ("alice", "correct horse battery staple");
  g_autofree char *access = g_strdup (json_object_get_string_member (r.body, "access_token"));
  g_autofree char *refresh = g_strdup (json_object_get_string_member (r.body, "refresh_token"));
  g_autofree char *form = soup_form_encode ("grant_type", "refresh_token", "refresh_token", refresh, NULL);
  g_autofree char *revoke = NULL;
  g_autofree char *access2 = NULL;

  reply_clear (&r);
  r = request_full ("POST", "/auth/token", NULL, "application/x-www-form-urlencoded", form, NULL, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  access2 = g_strdup (json_object_get_string_member (r.body, "access_token"));
  g_assert_cmpstr (access2, !=, access);
  reply_clear (&r);
  /* rotation: the old refresh token is spent */
  r = request_full ("POST", "/auth/token", NULL, "application/x-www-form-urlencoded", form, NULL, NULL);
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);

  revoke = soup_form_encode ("token", access2, NULL);
  r = request_full ("POST", "/auth/revoke", NULL, "application/x-www-form-urlencoded", revoke, NULL, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/client-made-1", access2, NULL);
  g_assert_cmpuint (r.status, ==, 401);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/client-made-1", access, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);
}

static void
test_login_rate_limit (void)
{
  Reply r;

  for (int i = 0; i < 5; i++)
    {
      r = login_full ("nora", "guess");
      g_assert_cmpuint (r.status, ==, 400);
      reply_clear (&r);
    }
  /* locked now, even with the right password */
  r = login_full ("nora", "correct horse battery staple");
  g_assert_cmpuint (r.status, ==, 429);
  reply_clear (&r);
}

static void
test_untrusted_client (void)
{
  g_autoptr(SoupSession) plain = soup_session_new ();
  g_autofree char *url = g_strconcat (base, "/fhir/metadata", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read (plain, msg, NULL, &error);

  /* a client that does not trust the practice CA refuses the connection */
  g_assert_null (bytes);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

/* The sync cursor and up-to-date flag of a $sync-changes page. */
static void
page_info (Reply     *r,
           char     **cursor,
           gboolean  *up_to_date)
{
  JsonArray *ext = json_object_get_array_member (json_object_get_object_member (r->body, "meta"),
                                                 "extension");

  for (guint i = 0; i < json_array_get_length (ext); i++)
    {
      JsonObject *e = json_array_get_object_element (ext, i);
      const char *url = json_object_get_string_member (e, "url");

      if (g_str_equal (url, "urn:housecall:sync:cursor"))
        *cursor = g_strdup (json_object_get_string_member (e, "valueString"));
      else if (g_str_equal (url, "urn:housecall:sync:up-to-date"))
        *up_to_date = json_object_get_boolean_member (e, "valueBoolean");
    }
}

static guint
n_entries (Reply *r)
{
  return json_object_has_member (r->body, "entry")
           ? json_array_get_length (json_object_get_array_member (r->body, "entry")) : 0;
}

static void
test_sync_changes (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *cursor = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean up_to_date = FALSE;
  guint pages = 0;
  Reply r;

  for (int i = 0; i < 7; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"sync-%d\"}", i);
      g_autofree char *url = g_strdup_printf ("/fhir/Patient/sync-%d", i);
      r = request ("PUT", url, token, body);
      g_assert_cmpuint (r.status, ==, 201);
      reply_clear (&r);
    }

  /* a first sync, in pages of seven: every live resource once, oldest first */
  path = g_strdup ("/fhir/$sync-changes?_count=7");
  while (!up_to_date)
    {
      r = request ("GET", path, token, NULL);
      g_assert_cmpuint (r.status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "history");
      g_assert_cmpuint (n_entries (&r), <=, 7);
      for (guint i = 0; i < n_entries (&r); i++)
        {
          JsonObject *e = json_array_get_object_element (json_object_get_array_member (r.body, "entry"), i);
          const char *url = json_object_get_string_member (json_object_get_object_member (e, "request"), "url");
          g_assert_false (g_hash_table_contains (seen, url));
          g_hash_table_add (seen, g_strdup (url));
        }
      g_clear_pointer (&cursor, g_free);
      page_info (&r, &cursor, &up_to_date);
      g_assert_nonnull (cursor);
      reply_clear (&r);
      g_free (path);
      path = g_strdup_printf ("/fhir/$sync-changes?_count=7&cursor=%s", cursor);
      g_assert_cmpuint (++pages, <, 200);
    }
  for (int i = 0; i < 7; i++)
    {
      g_autofree char *url = g_strdup_printf ("Patient/sync-%d", i);
      g_assert_true (g_hash_table_contains (seen, url));
    }

  /* up to date: nothing */
  r = request ("GET", path, token, NULL);
  g_assert_cmpuint (n_entries (&r), ==, 0);
  reply_clear (&r);

  /* an update and a delete: the latest version of each, the delete as a tombstone */
  r = request ("PUT", "/fhir/Patient/sync-1", token,
               "{\"resourceType\":\"Patient\",\"id\":\"sync-1\",\"gender\":\"female\"}");
  reply_clear (&r);
  r = request ("DELETE", "/fhir/Patient/sync-2", token, NULL);
  reply_clear (&r);
  r = request ("GET", path, token, NULL);
  g_assert_cmpuint (n_entries (&r), ==, 2);
  {
    JsonArray *entries = json_object_get_array_member (r.body, "entry");
    JsonObject *first = json_array_get_object_element (entries, 0);
    JsonObject *second = json_array_get_object_element (entries, 1);

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "resource"),
                                                    "gender"), ==, "female");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (second, "request"),
                                                    "method"), ==, "DELETE");
    g_assert_false (json_object_has_member (second, "resource"));
  }
  reply_clear (&r);

  /* a cursor from another database, and nonsense */
  r = request ("GET", "/fhir/$sync-changes?cursor=00000000-0000-7000-8000-000000000000.5", token, NULL);
  g_assert_cmpuint (r.status, ==, 410);
  reply_clear (&r);
  r = request ("GET", "/fhir/$sync-changes?cursor=garbage", token, NULL);
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
  r = request ("GET", "/fhir/$sync-changes?_count=0", token, NULL);
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
}

/* what `housecall-server import` loaded is served; the bad file left nothing behind */
static void
test_imported (void)
{
  g_autofree char *token = login ("alice");
  Reply r = request ("GET", "/fhir/$sync-changes?_count=5000", token, NULL);
  guint patients = 0;

  g_assert_cmpuint (r.status, ==, 200);
  for (guint i = 0; i < n_entries (&r); i++)
    {
      JsonObject *e = json_array_get_object_element (json_object_get_array_member (r.body, "entry"), i);
      const char *url = json_object_get_string_member (json_object_get_object_member (e, "request"), "url");
      g_assert_cmpstr (url, !=, "Patient/fine");
      patients += g_str_has_prefix (url, "Patient/");
    }
  g_assert_cmpuint (patients, >=, 5);
  reply_clear (&r);
}

/* Large answers travel gzipped to clients that accept it */
static void
test_gzip (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *url = g_strconcat (base, "/fhir/$sync-changes?_count=200", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) plain = g_memory_output_stream_new_resizable ();
  g_autoptr(JsonNode) node = NULL;

  /* a session that does not decode, to see what is on the wire */
  soup_session_remove_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept-Encoding", "gzip");
  body = soup_session_send_and_read (session, msg, NULL, &error);
  soup_session_add_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Content-Encoding"), ==, "gzip");
  raw = g_memory_input_stream_new_from_bytes (body);
  in = g_converter_input_stream_new (raw, G_CONVERTER (decompressor));
  g_output_stream_splice (plain, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%" G_GSIZE_FORMAT " bytes gzipped from %" G_GSIZE_FORMAT, g_bytes_get_size (body),
                  g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (plain)));
  g_assert_cmpuint (g_bytes_get_size (body), <,
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (plain)) / 2);
  node = hc_json_parse (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (plain)),
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (plain)), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
}

static char *push_statuses (Reply *r);

/* A transaction Bundle over REST: all or nothing, urn:uuid references resolved */
static void
test_transaction (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *desk = login ("frank");
  JsonArray *entries;
  Reply r;
  const char *location;
  g_autofree char *patient = NULL;

  r = request ("POST", "/fhir", token,
               "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
               "{\"fullUrl\":\"urn:uuid:7d3b4c1e-0000-4000-8000-00000000a001\",\"resource\":"
               "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Trans\"}]},"
               "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
               "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"tx-obs\",\"status\":\"final\","
               "\"code\":{\"text\":\"Weight\"},\"subject\":{\"reference\":"
               "\"urn:uuid:7d3b4c1e-0000-4000-8000-00000000a001\"}},"
               "\"request\":{\"method\":\"PUT\",\"url\":\"Observation/tx-obs\"}}]}");
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "transaction-response");
  entries = json_object_get_array_member (r.body, "entry");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  location = json_object_get_string_member (json_object_get_object_member (
               json_array_get_object_element (entries, 0), "response"), "location");
  g_assert_true (g_str_has_prefix (location, "Patient/"));
  patient = g_strndup (location, strstr (location, "/_history") - location);
  reply_clear (&r);

  r = request ("GET", "/fhir/Observation/tx-obs", token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r.body, "subject"),
                                                  "reference"), ==, patient);
  reply_clear (&r);

  /* one bad entry: nothing of it is stored */
  r = request ("POST", "/fhir", token,
               "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
               "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"tx-ok\"},"
               "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/tx-ok\"}},"
               "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"tx-bad\",\"gender\":\"x\"},"
               "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/tx-bad\"}}]}");
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/tx-ok", token, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  reply_clear (&r);

  /* a batch: each entry on its own */
  r = request ("POST", "/fhir", token,
               "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
               "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b-ok\"},"
               "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b-ok\"}},"
               "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b-bad\",\"gender\":\"x\"},"
               "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b-bad\"}},"
               "{\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}");
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "batch-response");
  {
    g_autofree char *statuses = push_statuses (&r);
    g_assert_cmpstr (statuses, ==, "201 400 201");
  }
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/b-ok", token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);

  /* roles hold inside a transaction */
  r = request ("POST", "/fhir", desk,
               "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
               "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"tx-desk\",\"status\":\"final\","
               "\"code\":{\"text\":\"X\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Observation/tx-desk\"}}]}");
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
}

static void
test_sync_role_filter (void)
{
  g_autofree char *doctor = login ("alice");
  g_autofree char *desk = login ("frank");
  Reply r = request ("POST", "/fhir/Observation", doctor,
                     "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"Weight\"}}");

  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);
  /* the front desk syncs patients but never receives an observation */
  r = request ("GET", "/fhir/$sync-changes?_count=5000", desk, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  for (guint i = 0; i < n_entries (&r); i++)
    {
      JsonObject *e = json_array_get_object_element (json_object_get_array_member (r.body, "entry"), i);
      const char *url = json_object_get_string_member (json_object_get_object_member (e, "request"), "url");
      g_assert_false (g_str_has_prefix (url, "Observation/"));
    }
  reply_clear (&r);
}

/* The status of each changeset in a $sync-push answer, joined with spaces. */
static char *
push_statuses (Reply *r)
{
  JsonArray *entries = json_object_get_array_member (r->body, "entry");
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *response = json_object_get_object_member (json_array_get_object_element (entries, i),
                                                            "response");
      g_string_append_printf (out, "%s%s", i ? " " : "", json_object_get_string_member (response, "status"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define CHANGESET(key, entries) \
  "{\"resource\":{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"identifier\":" \
  "{\"system\":\"urn:housecall:changeset\",\"value\":\"" key "\"},\"entry\":[" entries "]}}"
#define PUT_NEW(type, id, body) \
  "{\"resource\":{\"resourceType\":\"" type "\",\"id\":\"" id "\"" body "}," \
  "\"request\":{\"method\":\"PUT\",\"url\":\"" type "/" id "\",\"ifNoneMatch\":\"*\"}}"
#define PUT_AT(type, id, version, body) \
  "{\"resource\":{\"resourceType\":\"" type "\",\"id\":\"" id "\"" body "}," \
  "\"request\":{\"method\":\"PUT\",\"url\":\"" type "/" id "\",\"ifMatch\":\"W/\\\"" version "\\\"\"}}"
#define PUSH(changesets) "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" changesets "]}"

static void
test_sync_push (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *statuses = NULL;
  const char *first =
    PUSH (CHANGESET ("k-1", PUT_NEW ("Patient", "push-p", ",\"gender\":\"female\"") ","
                             PUT_NEW ("Observation", "push-o", ",\"status\":\"final\",\"code\":{\"text\":\"Pulse\"},"
                                      "\"subject\":{\"reference\":\"Patient/push-p\"}"))
          "," CHANGESET ("k-2", PUT_AT ("Patient", "push-p", "1", ",\"gender\":\"other\"")));
  Reply r = request ("POST", "/fhir/$sync-push", token, first);
  Reply again;

  g_assert_cmpuint (r.status, ==, 200);
  statuses = push_statuses (&r);
  g_assert_cmpstr (statuses, ==, "200 200");

  /* a replay after a lost answer: the same answers, nothing applied twice */
  again = request ("POST", "/fhir/$sync-push", token, first);
  g_assert_cmpuint (again.status, ==, 200);
  {
    g_autoptr(JsonNode) na = json_node_init_object (json_node_alloc (), r.body);
    g_autoptr(JsonNode) nb = json_node_init_object (json_node_alloc (), again.body);
    g_autofree char *a = json_to_string (na, FALSE);
    g_autofree char *b = json_to_string (nb, FALSE);
    g_assert_cmpstr (a, ==, b);
  }
  reply_clear (&r);
  reply_clear (&again);
  r = request ("GET", "/fhir/Patient/push-p", token, NULL);
  g_assert_cmpstr (r.etag, ==, "W/\"2\"");
  reply_clear (&r);
}

static void
test_sync_push_conflict_reject_hold (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *desk = login ("frank");
  g_autofree char *statuses = NULL;
  JsonObject *conflict;
  Reply r;

  /* stale base: 412 with the server's current version to merge against */
  r = request ("POST", "/fhir/$sync-push", token,
               PUSH (CHANGESET ("k-stale", PUT_AT ("Patient", "push-p", "1", ",\"gender\":\"male\""))));
  statuses = push_statuses (&r);
  g_assert_cmpstr (statuses, ==, "412");
  conflict = json_object_get_object_member (json_array_get_object_element (
                                              json_object_get_array_member (r.body, "entry"), 0),
                                            "resource");
  g_assert_cmpstr (json_object_get_string_member (conflict, "type"), ==, "history");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     json_array_get_object_element (json_object_get_array_member (conflict, "entry"), 0),
                     "resource"), "gender"), ==, "other");
  reply_clear (&r);
  g_clear_pointer (&statuses, g_free);

  /* an invalid changeset is rejected whole; one that depends on it is held; an unrelated one
   * goes through */
  r = request ("POST", "/fhir/$sync-push", token,
               PUSH (CHANGESET ("k-bad", PUT_NEW ("Patient", "push-q", "") ","
                                         PUT_NEW ("Observation", "push-bad", ",\"status\":\"done\",\"code\":{\"text\":\"X\"}"))
                     "," CHANGESET ("k-dep", PUT_NEW ("Observation", "push-dep", ",\"status\":\"final\",\"code\":{\"text\":\"X\"},"
                                                      "\"subject\":{\"reference\":\"Patient/push-q\"}"))
                     "," CHANGESET ("k-fine", PUT_NEW ("Patient", "push-fine", ""))));
  statuses = push_statuses (&r);
  g_assert_cmpstr (statuses, ==, "400 424 200");
  reply_clear (&r);
  /* atomic: the valid half of the rejected changeset is not there */
  r = request ("GET", "/fhir/Patient/push-q", token, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/push-fine", token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);
  g_clear_pointer (&statuses, g_free);

  /* roles hold for pushes too */
  r = request ("POST", "/fhir/$sync-push", desk,
               PUSH (CHANGESET ("k-desk", PUT_NEW ("Observation", "push-desk", ",\"status\":\"final\",\"code\":{\"text\":\"X\"}"))));
  statuses = push_statuses (&r);
  g_assert_cmpstr (statuses, ==, "403");
  reply_clear (&r);

  /* malformed pushes */
  r = request ("POST", "/fhir/$sync-push", token, "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}");
  g_assert_cmpuint (r.status, ==, 400);
  reply_clear (&r);
  r = request ("POST", "/fhir/$sync-push", token,
               "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":"
               "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}}]}");
  g_assert_cmpuint (r.status, ==, 400);
  g_assert_cmpstr (outcome_code (&r), ==, "required");
  reply_clear (&r);
}

typedef struct
{
  char   *path;
  char   *token;
  Reply   reply;
  gint64  elapsed;
  const char *at;      /* the server's base URL; NULL: the suite's server */
} LongPoll;

static gpointer
long_poll_thread (gpointer data)
{
  LongPoll *lp = data;
  gint64 start = g_get_monotonic_time ();

  lp->reply = request_on (lp->at ? lp->at : base, "GET", lp->path, lp->token, NULL, NULL, NULL, NULL);
  lp->elapsed = g_get_monotonic_time () - start;
  return NULL;
}

/* A long-poll from @cursor parked on @at (NULL: the suite's server) is answered with the one
 * record a write of Patient/@id through the suite's server makes, well before its 20 s wait. */
static void
assert_long_poll_wakes (const char *at,
                        const char *cursor,
                        char       *token,
                        const char *id)
{
  g_autofree char *path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&wait=20", cursor);
  g_autofree char *url = g_strdup_printf ("/fhir/Patient/%s", id);
  g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\"}", id);
  LongPoll lp = { path, token, { 0 }, 0, at };
  GThread *thread = g_thread_new ("long-poll", long_poll_thread, &lp);
  Reply r;

  g_usleep (500 * 1000);
  r = request ("PUT", url, token, body);
  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);
  g_thread_join (thread);
  g_assert_cmpuint (lp.reply.status, ==, 200);
  g_assert_cmpuint (n_entries (&lp.reply), ==, 1);
  g_assert_cmpint (lp.elapsed, >=, 400 * 1000);
  g_assert_cmpint (lp.elapsed, <, 10 * G_USEC_PER_SEC);
  reply_clear (&lp.reply);
}

static void
test_sync_long_poll (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *cursor = NULL;
  gboolean up_to_date = FALSE;
  LongPoll lp = { NULL, token, { 0 }, 0, NULL };
  Reply r = request ("GET", "/fhir/$sync-changes?_count=5000", token, NULL);

  page_info (&r, &cursor, &up_to_date);
  g_assert_true (up_to_date);
  reply_clear (&r);

  /* parked until a write, which it then carries; well before the 20 s wait */
  assert_long_poll_wakes (NULL, cursor, token, "poll-1");

  /* with nothing written it answers, empty, when the wait runs out */
  g_clear_pointer (&cursor, g_free);
  r = request ("GET", "/fhir/$sync-changes?_count=5000", token, NULL);
  page_info (&r, &cursor, &up_to_date);
  reply_clear (&r);
  lp.path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&wait=1", cursor);
  long_poll_thread (&lp);
  g_assert_cmpuint (lp.reply.status, ==, 200);
  g_assert_cmpuint (n_entries (&lp.reply), ==, 0);
  g_assert_cmpint (lp.elapsed, >=, 900 * 1000);
  reply_clear (&lp.reply);
  g_free (lp.path);
}

/* The first column of @sql's rows, straight from the suite's store (white-box checks). */
static GPtrArray *
db_column (const char *sql)
{
  g_autofree char *path = g_build_filename (workdir, "server.db", NULL);
  GPtrArray *values;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  if (pg_conninfo != NULL)
    return hc_test_pg_column (pg_conninfo, sql);
  values = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (values, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return values;
}

/* Under a stream of writes, a client that polls again at once is answered at the next
 * wake-up, 100 ms after the last, with every write since, instead of spinning. */
static void
test_sync_long_poll_coalesced (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *cursor = NULL;
  g_autofree char *cursor2 = NULL;
  gboolean up_to_date = FALSE;
  LongPoll lp = { NULL, token, { 0 }, 0 };
  GThread *thread;
  gint64 answered;
  Reply r = request ("GET", "/fhir/$sync-changes?_count=5000", token, NULL);

  page_info (&r, &cursor, &up_to_date);
  reply_clear (&r);
  lp.path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&wait=20", cursor);
  thread = g_thread_new ("long-poll", long_poll_thread, &lp);
  g_usleep (300 * 1000);
  r = request ("PUT", "/fhir/Patient/poll-c1", token, "{\"resourceType\":\"Patient\",\"id\":\"poll-c1\"}");
  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);
  g_thread_join (thread);
  answered = g_get_monotonic_time ();
  g_assert_cmpuint (n_entries (&lp.reply), ==, 1);
  page_info (&lp.reply, &cursor2, &up_to_date);
  reply_clear (&lp.reply);
  g_free (lp.path);

  /* two more writes, then the same client polls again: held until the next wake-up */
  for (guint i = 2; i <= 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("/fhir/Patient/poll-c%u", i);
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"poll-c%u\"}", i);

      r = request ("PUT", path, token, body);
      g_assert_cmpuint (r.status, ==, 201);
      reply_clear (&r);
    }
  lp.path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&wait=20", cursor2);
  long_poll_thread (&lp);
  g_test_message ("answered %" G_GINT64_FORMAT " ms after the last answer",
                  (g_get_monotonic_time () - answered) / 1000);
  g_assert_cmpuint (lp.reply.status, ==, 200);
  g_assert_cmpuint (n_entries (&lp.reply), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - answered, >=, 50 * 1000);
  g_assert_cmpint (lp.elapsed, <, 5 * G_USEC_PER_SEC);
  reply_clear (&lp.reply);
  g_free (lp.path);

  /* a plain sync (no wait) is answered at once */
  lp.path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s", cursor2);
  long_poll_thread (&lp);
  g_assert_cmpuint (n_entries (&lp.reply), ==, 2);
  reply_clear (&lp.reply);
  g_free (lp.path);
}

static gpointer
put_patients_thread (gpointer data)
{
  guint t = GPOINTER_TO_UINT (data);
  g_autofree char *token = login ("alice");

  for (guint k = 0; k < 5; k++)
    {
      g_autofree char *path = g_strdup_printf ("/fhir/Patient/gc-%u-%u", t, k);
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"gc-%u-%u\"}", t, k);
      Reply r = request ("PUT", path, token, body);

      g_assert_cmpuint (r.status, ==, 201);
      reply_clear (&r);
    }
  return NULL;
}

static gint64
db_count (const char *sql)
{
  g_autoptr(GPtrArray) values = db_column (sql);

  g_assert_cmpuint (values->len, ==, 1);
  return g_ascii_strtoll (values->pdata[0], NULL, 10);
}

/* Admins read the audit trail over REST; nobody else does. */
static void
test_audit_rest (void)
{
  g_autofree char *admin = login ("ada");
  g_autofree char *doctor = login ("alice");
  /* the login events above are stored at once */
  g_autoptr(GPtrArray) ids = db_column ("SELECT id FROM audit_event ORDER BY seq DESC LIMIT 1");
  g_autofree char *url = NULL;
  Reply r;

  g_assert_cmpuint (ids->len, ==, 1);
  url = g_strconcat ("/fhir/AuditEvent/", (char *) ids->pdata[0], NULL);
  r = request ("GET", url, admin, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r.body, "resourceType"), ==, "AuditEvent");
  reply_clear (&r);
  r = request ("GET", url, doctor, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
}

/* After shutdown every event is stored: who did what to which record, never PHI, valid FHIR. */
static void
test_audit_trail (void)
{
  g_autoptr(GPtrArray) events = NULL;

  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"read\"%' "
                             "AND json LIKE '%Patient/client-made-1%'"), >, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"create\"%'"), >, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"delete\"%'"), >, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"search-type\"%' "
                             "AND json LIKE '%\"code\":\"Patient\"%'"), >, 10);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"operation\"%' "
                             "AND json LIKE '%Patient/c-p%'"), >, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%Zq%' "
                             "OR json LIKE '%pagetest%'"), ==, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"transaction\"%' "
                             "AND json LIKE '%Observation/push-o%'"), >, 0);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%\"code\":\"110122\"%' "
                             "AND json LIKE '%\"outcome\":\"4\"%' AND json LIKE '%nora%'"), >=, 5);
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%forbidden%' "
                             "OR (json LIKE '%Composition%' AND json LIKE '%\"outcome\":\"4\"%')"), >, 0);
  /* names and birth dates never reach the trail */
  g_assert_cmpint (db_count ("SELECT COUNT(*) FROM audit_event WHERE json LIKE '%Osei%' "
                             "OR json LIKE '%birthDate%' OR json LIKE '%correct horse%'"), ==, 0);

  events = db_column ("SELECT json FROM audit_event");
  for (guint i = 0; i < events->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string (events->pdata[i], &error);

      g_assert_no_error (error);
      if (!hc_fhir_validate (json_node_get_object (node), &error))
        g_error ("%s: %s", error->message, (char *) events->pdata[i]);
    }
  g_test_message ("%u audit events", events->len);
  g_assert_cmpuint (events->len, >, 50);
}

/* ------------------------------------------------------------------------------------------ */
/* PostgreSQL only: several server processes on one database */

static void
stop_server (GSubprocess *proc)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

static char *
login_on (const char *at,
          const char *user)
{
  g_autofree char *form = soup_form_encode ("grant_type", "password", "username", user, "password",
                                            "correct horse battery staple", NULL);
  Reply r = request_on (at, "POST", "/auth/token", NULL, "application/x-www-form-urlencoded", form,
                        NULL, NULL);
  char *token;

  g_assert_cmpuint (r.status, ==, 200);
  token = g_strdup (json_object_get_string_member (r.body, "access_token"));
  reply_clear (&r);
  return token;
}

#define N_WRITERS 3
#define WRITES_EACH 60

typedef struct
{
  const char *at;
  const char *token;
  guint       index;
  gint       *writers_left;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;

  for (guint i = 0; i < WRITES_EACH; i++)
    {
      g_autofree char *path = g_strdup_printf ("/fhir/Patient/w%u-%u", w->index, i);
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"w%u-%u\"}",
                                               w->index, i);
      Reply r = request_on (w->at, "PUT", path, w->token, "application/fhir+json", body, NULL, NULL);

      g_assert_cmpuint (r.status, ==, 201);
      reply_clear (&r);
    }
  g_atomic_int_add (w->writers_left, -1);
  return NULL;
}

/* Pulls $sync-changes from @at until the writers are done and it is up to date; counts how
 * often it saw each resource. */
static GHashTable *
pull_while_writing (const char *at,
                    const char *token,
                    gint       *writers_left)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  gboolean up_to_date = FALSE;
  gboolean last_round = FALSE;

  for (;;)
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/fhir/$sync-changes?cursor=%s&_count=1000", cursor)
                                     : g_strdup ("/fhir/$sync-changes?_count=1000");
      Reply r = request_on (at, "GET", path, token, NULL, NULL, NULL, NULL);
      JsonArray *entries;

      g_assert_cmpuint (r.status, ==, 200);
      entries = json_object_has_member (r.body, "entry")
                  ? json_object_get_array_member (r.body, "entry") : NULL;
      for (guint i = 0; entries && i < json_array_get_length (entries); i++)
        {
          JsonObject *request = json_object_get_object_member (json_array_get_object_element (entries, i),
                                                               "request");
          const char *url = json_object_get_string_member (request, "url");

          g_hash_table_insert (seen, g_strdup (url),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (seen, url)) + 1));
        }
      g_clear_pointer (&cursor, g_free);
      page_info (&r, &cursor, &up_to_date);
      reply_clear (&r);
      if (last_round && up_to_date)
        break;
      /* one more full pass after the last writer finished */
      if (g_atomic_int_get (writers_left) == 0)
        last_round = TRUE;
      else
        g_usleep (2000);
    }
  return seen;
}

/* Writers on three server processes commit in an order unlike the order in which their
 * transactions began, while a reader on a fourth pulls in a loop: with the counter bumped
 * last (the real store) it sees every committed version exactly once; with numbers taken
 * from a sequence during the transaction (HOUSECALL_TEST_NAIVE_SEQ) it skips some. */
static void
test_pg_no_gap (gconstpointer data)
{
  gboolean naive = GPOINTER_TO_INT (data);
  g_autofree char *conninfo = hc_test_pg_new_db (pg, naive ? "nogap_naive" : "nogap");
  const char *writer_env[] = { "HOUSECALL_TEST_COMMIT_DELAY_MS=30",
                               naive ? "HOUSECALL_TEST_NAIVE_SEQ=1" : NULL, NULL };
  const char *reader_env[] = { naive ? "HOUSECALL_TEST_NAIVE_SEQ=1" : NULL, NULL };
  GSubprocess *writers[N_WRITERS];
  char *writer_base[N_WRITERS];
  Writer w[N_WRITERS];
  GThread *threads[N_WRITERS];
  g_autoptr(GSubprocess) reader = NULL;
  g_autofree char *reader_base = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GHashTable) seen = NULL;
  gint writers_left = N_WRITERS;
  guint missing = 0, twice = 0;

  run_server_cli_on (conninfo, SRV ("init-db"), NULL);
  run_server_cli_on (conninfo, SRV ("user", "add", "alice", "--role", "physician"),
                     "correct horse battery staple");
  reader = spawn_server_on (conninfo, reader_env, &reader_base);
  for (guint i = 0; i < N_WRITERS; i++)
    writers[i] = spawn_server_on (conninfo, writer_env, &writer_base[i]);
  /* a token issued by one process works on every other */
  token = login_on (reader_base, "alice");

  for (guint i = 0; i < N_WRITERS; i++)
    {
      w[i] = (Writer) { writer_base[i], token, i, &writers_left };
      threads[i] = g_thread_new ("writer", writer_thread, &w[i]);
    }
  seen = pull_while_writing (reader_base, token, &writers_left);
  for (guint i = 0; i < N_WRITERS; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < N_WRITERS; i++)
    for (guint j = 0; j < WRITES_EACH; j++)
      {
        g_autofree char *url = g_strdup_printf ("Patient/w%u-%u", i, j);
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, url));

        missing += n == 0;
        twice += n > 1;
      }
  g_test_message ("%s: %u of %u committed versions never pulled, %u pulled twice",
                  naive ? "naive sequence" : "counter bumped last", missing,
                  N_WRITERS * WRITES_EACH, twice);
  g_assert_cmpuint (twice, ==, 0);
  if (naive)
    g_assert_cmpuint (missing, >, 0);
  else
    g_assert_cmpuint (missing, ==, 0);

  for (guint i = 0; i < N_WRITERS; i++)
    {
      stop_server (writers[i]);
      g_object_unref (writers[i]);
      g_free (writer_base[i]);
    }
  stop_server (reader);
}

/* A second serve process on the same database: what one writes the other reads and pulls,
 * its long-polls wake when the first commits, tokens and stored push outcomes are shared. */
static void
test_pg_two_processes (void)
{
  g_autofree char *base_b = NULL;
  g_autoptr(GSubprocess) b = spawn_server_on (NULL, NULL, &base_b);
  g_autofree char *token = login ("alice");
  g_autofree char *cursor = NULL;
  gboolean up_to_date = FALSE;
  const char *push =
    PUSH (CHANGESET ("two-k1", PUT_NEW ("Patient", "two-pushed", ",\"gender\":\"female\"")));
  Reply r, again;

  /* written through A, read through B with A's token */
  r = request ("PUT", "/fhir/Patient/two-1", token, "{\"resourceType\":\"Patient\",\"id\":\"two-1\"}");
  g_assert_cmpuint (r.status, ==, 201);
  reply_clear (&r);
  r = request_on (base_b, "GET", "/fhir/Patient/two-1", token, NULL, NULL, NULL, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (r.etag, ==, "W/\"1\"");
  reply_clear (&r);

  /* B pulls up to date, then parks a long-poll that A's commit wakes */
  r = request_on (base_b, "GET", "/fhir/$sync-changes?_count=5000", token, NULL, NULL, NULL, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  page_info (&r, &cursor, &up_to_date);
  g_assert_true (up_to_date);
  reply_clear (&r);
  assert_long_poll_wakes (base_b, cursor, token, "two-2");

  /* a push applied through A and replayed to B: A's stored answer, nothing applied twice */
  r = request ("POST", "/fhir/$sync-push", token, push);
  g_assert_cmpuint (r.status, ==, 200);
  again = request_on (base_b, "POST", "/fhir/$sync-push", token, "application/fhir+json", push,
                      NULL, NULL);
  g_assert_cmpuint (again.status, ==, 200);
  {
    g_autoptr(JsonNode) na = json_node_init_object (json_node_alloc (), r.body);
    g_autoptr(JsonNode) nb = json_node_init_object (json_node_alloc (), again.body);
    g_autofree char *ta = json_to_string (na, FALSE);
    g_autofree char *tb = json_to_string (nb, FALSE);
    g_assert_cmpstr (ta, ==, tb);
  }
  reply_clear (&r);
  reply_clear (&again);
  r = request_on (base_b, "GET", "/fhir/Patient/two-pushed", token, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (r.etag, ==, "W/\"1\"");
  reply_clear (&r);

  /* the user name the rate-limit test locked through A is locked on B too */
  r = request_on (base_b, "POST", "/auth/token", NULL, "application/x-www-form-urlencoded",
                  "grant_type=password&username=nora&password=correct+horse+battery+staple",
                  NULL, NULL);
  g_assert_cmpuint (r.status, ==, 429);
  reply_clear (&r);

  /* a token revoked through B is refused by A */
  {
    g_autofree char *other = login ("frank");
    g_autofree char *form = soup_form_encode ("token", other, NULL);

    r = request_on (base_b, "POST", "/auth/revoke", other, "application/x-www-form-urlencoded",
                    form, NULL, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    reply_clear (&r);
    r = request ("GET", "/fhir/Patient/two-1", other, NULL);
    g_assert_cmpuint (r.status, ==, 401);
    reply_clear (&r);
  }
  stop_server (b);
}

/* ------------------------------------------------------------------------------------------ */
/* Search, history paging, $everything */

static Reply
request_prefer (const char *path,
                const char *token,
                const char *prefer)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

  g_assert_nonnull (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Prefer", prefer);
  return send_message (msg);
}

/* The url of the link @relation of a Bundle, made relative to the server, or NULL. */
static char *
bundle_link (Reply      *r,
             const char *relation)
{
  JsonArray *links = json_object_has_member (r->body, "link")
                       ? json_object_get_array_member (r->body, "link") : NULL;

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      const char *url = json_object_get_string_member (l, "url");

      if (g_str_equal (json_object_get_string_member (l, "relation"), relation))
        {
          g_assert_true (g_str_has_prefix (url, base));
          return g_strdup (url + strlen (base));
        }
    }
  return NULL;
}

/* The ids of the matches of a searchset page, in order, joined with spaces. */
static char *
match_ids (Reply *r)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (r->body, "type"), ==, "searchset");
  g_assert_false (json_object_has_member (r->body, "total"));
  for (guint i = 0; i < n_entries (r); i++)
    {
      JsonObject *e = json_array_get_object_element (json_object_get_array_member (r->body, "entry"), i);
      JsonObject *resource = json_object_get_object_member (e, "resource");

      if (!g_str_equal (json_object_get_string_member (json_object_get_object_member (e, "search"),
                                                       "mode"), "match"))
        continue;
      g_assert_true (g_str_has_suffix (json_object_get_string_member (e, "fullUrl"),
                                       json_object_get_string_member (resource, "id")));
      g_string_append_printf (out, "%s%s", out->len ? " " : "",
                              json_object_get_string_member (resource, "id"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The ids a search finds (one page), joined with spaces. */
static char *
search_ids (const char *token,
            const char *path)
{
  Reply r = request ("GET", path, token, NULL);
  char *ids;

  if (r.status != 200)
    g_error ("%s: %u", path, r.status);
  ids = match_ids (&r);
  reply_clear (&r);
  return ids;
}

#define assert_search(token, path, expected) \
  G_STMT_START { g_autofree char *_ids = search_ids (token, path); \
                 g_assert_cmpstr (_ids, ==, expected); } G_STMT_END

static void
put_json (const char *token,
          const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *o = json_node_get_object (node);
  g_autofree char *path = g_strdup_printf ("/fhir/%s/%s", json_object_get_string_member (o, "resourceType"),
                                           json_object_get_string_member (o, "id"));
  Reply r = request ("PUT", path, token, json);

  if (r.status != 200 && r.status != 201)
    g_error ("PUT %s: %u", path, r.status);
  reply_clear (&r);
}

static void
test_search_patient (void)
{
  g_autofree char *token = login ("alice");

  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"s-1\",\"name\":[{\"family\":\"Zqëllë\","
                   "\"given\":[\"Anna\",\"Maria\"]}],\"birthDate\":\"1970-03-05\",\"identifier\":"
                   "[{\"system\":\"urn:mrn\",\"value\":\"M-1\"},{\"system\":\"urn:ssn\",\"value\":\"111\"}]}");
  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"s-2\",\"name\":[{\"family\":\"Zqader\","
                   "\"given\":[\"Bo\"]}],\"birthDate\":\"1970-11\",\"identifier\":"
                   "[{\"system\":\"urn:mrn\",\"value\":\"M-2\"}]}");
  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"s-3\",\"name\":[{\"family\":\"ZQUIST\","
                   "\"given\":[\"Édith\"]},{\"family\":\"Maidenname\"}],\"birthDate\":\"1985-01-01\","
                   "\"identifier\":[{\"value\":\"111\"}]}");
  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"s-4\",\"name\":[{\"family\":\"Zqo\","
                   "\"given\":[\"Anders\"]}]}");

  /* string: case- and accent-insensitive prefix, on any part of any name */
  assert_search (token, "/fhir/Patient?family=zq&_sort=_id", "s-1 s-2 s-3 s-4");
  assert_search (token, "/fhir/Patient?family=ZQE", "s-1");
  assert_search (token, "/fhir/Patient?family=zqëll", "s-1");
  assert_search (token, "/fhir/Patient?family=zqellez", "");
  assert_search (token, "/fhir/Patient?family=maidenn", "s-3");
  assert_search (token, "/fhir/Patient?given=edi&family=zq", "s-3");
  assert_search (token, "/fhir/Patient?given=mar&family=zq", "s-1");
  assert_search (token, "/fhir/Patient?name=zqa", "s-2");
  assert_search (token, "/fhir/Patient?name=edith&family=zq", "s-3");
  assert_search (token, "/fhir/Patient?family:exact=Zq%C3%ABll%C3%AB", "s-1");
  assert_search (token, "/fhir/Patient?family:exact=zqelle", "");
  assert_search (token, "/fhir/Patient?family:contains=uis", "s-3");
  /* a comma is OR, repeating a parameter is AND */
  assert_search (token, "/fhir/Patient?family=zqa,zqu&_sort=_id", "s-2 s-3");
  assert_search (token, "/fhir/Patient?family=zq&given=an&_sort=_id", "s-1 s-4");
  assert_search (token, "/fhir/Patient?given=an&given=ma&family=zq", "s-1");

  /* dates: partial dates are ranges; prefixes */
  assert_search (token, "/fhir/Patient?family=zq&birthdate=1970&_sort=_id", "s-1 s-2");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=1970-03", "s-1");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=eq1970-03-05", "s-1");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=1970-11-02", "");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=ne1970&_sort=_id", "s-3");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=lt1970-11-01", "s-1");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=le1970-11&_sort=_id", "s-1 s-2");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=gt1970-11-15&_sort=_id", "s-2 s-3");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=ge1970-11&_sort=_id", "s-2 s-3");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=ge1970-03-05&birthdate=lt1971", "s-1 s-2");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=1985-01-01T10:00:00Z", "");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=lt1985-01-01T10:00:00Z&_sort=-_id", "s-3 s-2 s-1");

  /* tokens */
  assert_search (token, "/fhir/Patient?identifier=urn:mrn%7CM-1", "s-1");
  assert_search (token, "/fhir/Patient?identifier=M-2", "s-2");
  assert_search (token, "/fhir/Patient?identifier=urn:mrn%7C&_sort=_id", "s-1 s-2");
  assert_search (token, "/fhir/Patient?identifier=111&_sort=_id", "s-1 s-3");
  assert_search (token, "/fhir/Patient?identifier=%7C111", "s-3");
  assert_search (token, "/fhir/Patient?identifier=urn:ssn%7CM-1", "");
  assert_search (token, "/fhir/Patient?_id=s-4,s-2&_sort=_id", "s-2 s-4");

  /* POST _search with a form body finds the same */
  {
    Reply r = request_full ("POST", "/fhir/Patient/_search?_sort=_id", token,
                            "application/x-www-form-urlencoded", "family=zq&birthdate=1970", NULL, NULL);
    g_autofree char *ids = match_ids (&r);
    g_assert_cmpstr (ids, ==, "s-1 s-2");
    reply_clear (&r);
    r = request_full ("POST", "/fhir/Patient/_search", token, "application/fhir+json", "{}", NULL, NULL);
    g_assert_cmpuint (r.status, ==, 415);
    reply_clear (&r);
  }

  /* a deleted patient is not found */
  {
    Reply r = request ("DELETE", "/fhir/Patient/s-4", token, NULL);
    g_assert_cmpuint (r.status, ==, 204);
    reply_clear (&r);
    assert_search (token, "/fhir/Patient?family=zq&_sort=_id", "s-1 s-2 s-3");
  }
  /* an update is found by its new values only */
  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"s-2\",\"name\":[{\"family\":\"Zqbertson\"}]}");
  assert_search (token, "/fhir/Patient?family=zqa", "");
  assert_search (token, "/fhir/Patient?family=zqb", "s-2");
  assert_search (token, "/fhir/Patient?family=zq&birthdate=1970", "s-1");
}

static void
test_search_sort (void)
{
  g_autofree char *token = login ("alice");

  /* family, then given; folded: Zqbertson < Zqëllë < ZQUIST */
  assert_search (token, "/fhir/Patient?family=zq&_sort=family,given", "s-2 s-1 s-3");
  assert_search (token, "/fhir/Patient?family=zq&_sort=-family", "s-3 s-1 s-2");
  assert_search (token, "/fhir/Patient?family=zq&_sort=name", "s-2 s-1 s-3");
  /* no birth date sorts as the lowest */
  assert_search (token, "/fhir/Patient?family=zq&_sort=birthdate", "s-2 s-1 s-3");
  assert_search (token, "/fhir/Patient?family=zq&_sort=-birthdate", "s-3 s-1 s-2");
  /* write order: s-2 was written last */
  assert_search (token, "/fhir/Patient?family=zq&_sort=_lastUpdated", "s-1 s-3 s-2");
  assert_search (token, "/fhir/Patient?family=zq&_sort=-_lastUpdated", "s-2 s-3 s-1");
}

/* Pages through @path to the end with next links: every match once; then, when @backward,
 * back to the start with previous links, the same pages. Returns the ids in order. */
static char *
walk_pages (const char *token,
            const char *path,
            guint       page_size,
            gboolean    backward,
            guint      *n_pages)
{
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *next = g_strdup (path);
  g_autofree char *prev = NULL;
  g_autoptr(GString) all = g_string_new (NULL);

  while (next != NULL)
    {
      Reply r = request ("GET", next, token, NULL);
      char *ids = match_ids (&r);
      g_auto(GStrv) list = g_strsplit (ids, " ", -1);

      g_assert_cmpuint (g_strv_length (list), <=, page_size);
      for (guint i = 0; list[i] && *list[i]; i++)
        {
          g_assert_false (g_hash_table_contains (seen, list[i]));
          g_hash_table_add (seen, g_strdup (list[i]));
          g_string_append_printf (all, "%s%s", all->len ? " " : "", list[i]);
        }
      g_ptr_array_add (pages, ids);
      g_free (next);
      g_free (prev);
      next = bundle_link (&r, "next");
      prev = bundle_link (&r, "previous");
      if (next != NULL)
        g_assert_cmpuint (g_strv_length (list), ==, page_size);
      g_assert_true ((prev != NULL) == (backward && pages->len > 1));
      reply_clear (&r);
      g_assert_cmpuint (pages->len, <, 100);
    }
  /* and back */
  for (guint i = pages->len - 1; prev != NULL; i--)
    {
      Reply r = request ("GET", prev, token, NULL);
      g_autofree char *ids = match_ids (&r);

      g_assert_cmpuint (i, >, 0);
      g_assert_cmpstr (ids, ==, pages->pdata[i - 1]);
      g_free (prev);
      prev = bundle_link (&r, "previous");
      g_assert_true ((prev != NULL) == (i > 1));
      {
        g_autofree char *forward = bundle_link (&r, "next");
        g_assert_nonnull (forward);
      }
      reply_clear (&r);
    }
  g_hash_table_foreach (seen, (GHFunc) (void (*) (void)) g_free, NULL);
  *n_pages = pages->len;
  return g_string_free (g_steal_pointer (&all), FALSE);
}

static void
test_search_paging (void)
{
  g_autofree char *token = login ("alice");
  g_autoptr(GString) bundle = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
  g_autofree char *by_given = NULL;
  g_autofree char *by_given_desc = NULL;
  g_autofree char *by_rid = NULL;
  g_autofree char *by_date = NULL;
  guint n_pages;
  Reply r;

  /* 23 patients; given names repeat, so ties are broken by the row */
  for (int i = 0; i < 23; i++)
    g_string_append_printf (bundle, "%s{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"pg-%02d\","
                            "\"name\":[{\"family\":\"Pagetest\",\"given\":[\"G%d\"]}],"
                            "\"birthDate\":\"19%02d-01-01\"},\"request\":{\"method\":\"PUT\","
                            "\"url\":\"Patient/pg-%02d\"}}", i ? "," : "", i, (i * 7) % 5,
                            50 + (i * 11) % 23, i);
  g_string_append (bundle, "]}");
  r = request ("POST", "/fhir", token, bundle->str);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);

  by_rid = walk_pages (token, "/fhir/Patient?family=pagetest&_count=5", 5, TRUE, &n_pages);
  g_assert_cmpuint (n_pages, ==, 5);
  g_assert_cmpuint (strlen (by_rid), ==, 23 * 5 + 22);
  g_assert_true (g_str_has_prefix (by_rid, "pg-00 pg-01 pg-02"));

  by_given = walk_pages (token, "/fhir/Patient?family=pagetest&_sort=given&_count=4", 4, TRUE, &n_pages);
  g_assert_cmpuint (n_pages, ==, 6);
  g_assert_true (g_str_has_prefix (by_given, "pg-00 pg-05 pg-10 pg-15 pg-20 pg-03"));
  by_given_desc = walk_pages (token, "/fhir/Patient?family=pagetest&_sort=-given,-_id&_count=7", 7,
                              TRUE, &n_pages);
  g_assert_cmpuint (n_pages, ==, 4);
  g_assert_true (g_str_has_prefix (by_given_desc, "pg-22 pg-17 pg-12 pg-07 pg-02 pg-19"));
  by_date = walk_pages (token, "/fhir/Patient?family=pagetest&_sort=-birthdate&_count=3", 3, TRUE, &n_pages);
  g_assert_cmpuint (n_pages, ==, 8);
  /* birth years 1950-1972 spread over the ids; the latest first */
  g_assert_true (g_str_has_prefix (by_date, "pg-02 pg-04"));

  /* a page of exactly the rest: no next link */
  {
    g_autofree char *all = walk_pages (token, "/fhir/Patient?family=pagetest&_count=23", 23, TRUE, &n_pages);
    g_assert_cmpuint (n_pages, ==, 1);
    g_assert_cmpstr (all, ==, by_rid);
  }
  /* the default page size is 50, the largest 1000 */
  r = request ("GET", "/fhir/Patient?_count=1000", token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);
}

static void
test_search_clinical (void)
{
  g_autofree char *token = login ("alice");

  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"c-p\",\"name\":[{\"family\":\"Clinic\"}]}");
  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"c-q\",\"name\":[{\"family\":\"Other\"}]}");
  put_json (token, "{\"resourceType\":\"Encounter\",\"id\":\"c-e\",\"status\":\"finished\",\"class\":"
                   "{\"code\":\"AMB\"},\"subject\":{\"reference\":\"Patient/c-p\"},\"period\":"
                   "{\"start\":\"2026-03-01T09:00:00Z\",\"end\":\"2026-03-01T10:00:00Z\"}}");
  put_json (token, "{\"resourceType\":\"Observation\",\"id\":\"c-o1\",\"status\":\"final\",\"code\":"
                   "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":"
                   "{\"reference\":\"Patient/c-p\"},\"encounter\":{\"reference\":\"Encounter/c-e\"},"
                   "\"effectiveDateTime\":\"2026-03-01T09:30:00Z\"}");
  put_json (token, "{\"resourceType\":\"Observation\",\"id\":\"c-o2\",\"status\":\"preliminary\",\"code\":"
                   "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":"
                   "{\"reference\":\"Patient/c-p\"},\"effectiveDateTime\":\"2026-04-02\"}");
  put_json (token, "{\"resourceType\":\"Observation\",\"id\":\"c-o3\",\"status\":\"final\",\"code\":"
                   "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"29463-7\"}]},\"subject\":"
                   "{\"reference\":\"Patient/c-q\"},\"effectivePeriod\":{\"start\":\"2025-12-30\"}}");
  put_json (token, "{\"resourceType\":\"Condition\",\"id\":\"c-c\",\"subject\":{\"reference\":\"Patient/c-p\"},"
                   "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"44054006\"}]}}");

  assert_search (token, "/fhir/Observation?patient=Patient/c-p&_sort=_id", "c-o1 c-o2");
  assert_search (token, "/fhir/Observation?patient=c-p&_sort=_id", "c-o1 c-o2");
  assert_search (token, "/fhir/Observation?subject=Patient/c-q", "c-o3");
  assert_search (token, "/fhir/Observation?subject=c-q", "c-o3");
  assert_search (token, "/fhir/Observation?subject:Patient=c-q", "c-o3");
  assert_search (token, "/fhir/Observation?subject=https://elsewhere.example/fhir/Patient/c-q", "c-o3");
  assert_search (token, "/fhir/Observation?encounter=Encounter/c-e", "c-o1");
  assert_search (token, "/fhir/Observation?encounter=c-e", "c-o1");
  assert_search (token, "/fhir/Observation?patient=c-p&status=final", "c-o1");
  assert_search (token, "/fhir/Observation?patient=c-p,c-q&status=final,preliminary&_sort=_id",
                 "c-o1 c-o2 c-o3");
  assert_search (token, "/fhir/Observation?code=http://loinc.org%7C29463-7&patient=c-p,c-q", "c-o1");
  assert_search (token, "/fhir/Observation?code=29463-7&_sort=_id&subject=c-p,c-q", "c-o1 c-o3");
  assert_search (token, "/fhir/Observation?patient=c-p&date=2026-03&_sort=_id", "c-o1");
  /* c-o3's period has no end: it reaches past any date */
  assert_search (token, "/fhir/Observation?patient=c-p,c-q&date=ge2026-03-01&_sort=date", "c-o3 c-o1 c-o2");
  assert_search (token, "/fhir/Observation?patient=c-p&date=ge2026-03-02", "c-o2");
  assert_search (token, "/fhir/Observation?patient=c-p,c-q&date=lt2026&_sort=date", "c-o3");
  /* an open-ended period reaches every later date */
  assert_search (token, "/fhir/Observation?patient=c-q&date=gt2030", "c-o3");
  assert_search (token, "/fhir/Observation?patient=c-p,c-q&_sort=-date", "c-o2 c-o1 c-o3");
  assert_search (token, "/fhir/Encounter?patient=c-p&date=2026-03-01", "c-e");
  assert_search (token, "/fhir/Encounter?patient=c-p&date=2026-03-01T09:30:00Z", "");
  assert_search (token, "/fhir/Encounter?patient=c-p&date=le2026-03-01T09:30:00Z", "c-e");
  assert_search (token, "/fhir/Encounter?patient=c-p&status=finished", "c-e");
  assert_search (token, "/fhir/Condition?patient=c-p&code=http://snomed.info/sct%7C44054006", "c-c");
  assert_search (token, "/fhir/Condition?subject=c-p&code=http://loinc.org%7C", "");
}

static void
test_search_roles (void)
{
  g_autofree char *desk = login ("frank");
  g_autofree char *admin = login ("ada");
  g_autofree char *nurse = login ("nina");
  Reply r;

  r = request ("GET", "/fhir/Observation?patient=c-p", desk, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  g_assert_cmpstr (outcome_code (&r), ==, "forbidden");
  reply_clear (&r);
  r = request_full ("POST", "/fhir/Composition/_search", desk, "application/x-www-form-urlencoded",
                    "patient=c-p", NULL, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient?family=zq", admin, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
  assert_search (desk, "/fhir/Patient?family=clinic", "c-p");
  assert_search (nurse, "/fhir/Observation?patient=c-p&_sort=_id", "c-o1 c-o2");
}

static void
test_search_bad_values (void)
{
  g_autofree char *token = login ("alice");
  static const struct { const char *query; const char *param; } bad[] = {
    { "/fhir/Patient?birthdate=1970-13", "birthdate" },
    { "/fhir/Patient?birthdate=1970-02-30", "birthdate" },
    { "/fhir/Patient?birthdate=yesterday", "birthdate" },
    { "/fhir/Patient?birthdate=xx1970", "birthdate" },
    { "/fhir/Patient?birthdate=sa1970", "birthdate" },
    { "/fhir/Patient?birthdate=1970-03-05T25:00:00Z", "birthdate" },
    { "/fhir/Patient?_count=-1", "_count" },
    { "/fhir/Patient?_count=0", "_count" },
    { "/fhir/Patient?_count=1001", "_count" },
    { "/fhir/Patient?_count=ten", "_count" },
    { "/fhir/Patient?_sort=gender", "_sort" },
    { "/fhir/Observation?_sort=family", "_sort" },
    { "/fhir/Patient?_page=garbage", "_page" },
    { "/fhir/Patient?family:sounds=x", "family" },
    { "/fhir/Observation?patient=Group/g1", "patient" },
    { "/fhir/Observation?code=a%7Cb%7Cc", "code" },
    { "/fhir/Observation?code:text=x", "code" },
    { "/fhir/Patient/_history?_since=2026", "_since" },
    { "/fhir/Patient/_history?_count=0", "_count" },
  };
  Reply r;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *diagnostics;

      r = request ("GET", bad[i].query, token, NULL);
      if (r.status != 400)
        g_error ("%s: %u", bad[i].query, r.status);
      g_assert_cmpstr (outcome_code (&r), ==, "value");
      diagnostics = json_object_get_string_member (json_array_get_object_element (
                      json_object_get_array_member (r.body, "issue"), 0), "diagnostics");
      if (!g_str_has_prefix (diagnostics, bad[i].param))
        g_error ("%s: %s", bad[i].query, diagnostics);
      reply_clear (&r);
    }

  /* unknown parameters: ignored and said so, or refused when the client asks for strictness */
  r = request ("GET", "/fhir/Patient?family=zqe&shoe-size=44", token, NULL);
  {
    g_autofree char *ids = match_ids (&r);
    JsonArray *entries = json_object_get_array_member (r.body, "entry");
    JsonObject *last = json_array_get_object_element (entries, json_array_get_length (entries) - 1);
    g_autofree char *self_link = bundle_link (&r, "self");

    g_assert_cmpstr (ids, ==, "s-1");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "search"),
                                                    "mode"), ==, "outcome");
    /* the self link shows what was used */
    g_assert_cmpstr (self_link, ==, "/fhir/Patient?family=zqe");
  }
  reply_clear (&r);
  r = request_prefer ("/fhir/Patient?family=zqe&shoe-size=44", token, "handling=strict");
  g_assert_cmpuint (r.status, ==, 400);
  g_assert_cmpstr (outcome_code (&r), ==, "not-supported");
  reply_clear (&r);
  r = request_prefer ("/fhir/Patient?family=zqe", token, "return=minimal, handling=strict");
  g_assert_cmpuint (r.status, ==, 200);
  reply_clear (&r);
  /* an empty value is no criterion */
  r = request ("GET", "/fhir/Patient?family=&_count=2", token, NULL);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (n_entries (&r), ==, 2);
  reply_clear (&r);
  /* AuditEvent is read by id only */
  {
    g_autofree char *admin = login ("ada");
    r = request ("GET", "/fhir/AuditEvent?_count=1", admin, NULL);
    g_assert_cmpuint (r.status, ==, 405);
    reply_clear (&r);
  }
}

/* SQL metacharacters in values are text: they match what has them, nothing else */
static void
test_search_injection (void)
{
  g_autofree char *token = login ("alice");
  static const char * const attacks[] = {
    "'", "''", "%27%20OR%201%3D1%20--", "x%27)%3B%20DROP%20TABLE%20resource%3B--",
    "%25", "_", "%5C", "%22", "Robert%27)%3B%20DELETE%20FROM%20search_index%3B--",
    "%27%20UNION%20SELECT%20json%20FROM%20history%20--", "*", "%00",
  };
  g_autofree char *before = search_ids (token, "/fhir/Patient?family=zq&_sort=_id");

  put_json (token, "{\"resourceType\":\"Patient\",\"id\":\"sql-1\",\"name\":[{\"family\":"
                   "\"O'Brien\\\"; DROP TABLE resource;--\"}],\"identifier\":[{\"system\":"
                   "\"urn:x'OR'1'='1\",\"value\":\"%_\\\\\"}]}");
  for (guint i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      const char *params[] = { "family", "given", "name", "identifier", "_id", "family:exact",
                               "family:contains", "patient" };

      for (guint j = 0; j < G_N_ELEMENTS (params); j++)
        {
          g_autofree char *path = g_strdup_printf ("/fhir/%s?%s=%s", j == 7 ? "Observation" : "Patient",
                                                   params[j], attacks[i]);
          Reply r = request ("GET", path, token, NULL);

          /* a 400 for a value that cannot be that parameter, or no match but the record that
           * has these characters */
          g_assert_true (r.status == 200 || r.status == 400);
          if (r.status == 200)
            {
              g_autofree char *ids = match_ids (&r);
              if (*ids != '\0')
                g_assert_cmpstr (ids, ==, "sql-1");
            }
          reply_clear (&r);
        }
    }
  /* the record with metacharacters is found by them */
  assert_search (token, "/fhir/Patient?family=o%27brien%22%3B%20drop", "sql-1");
  assert_search (token, "/fhir/Patient?family:exact=O%27Brien%22%3B%20DROP%20TABLE%20resource%3B--",
                 "sql-1");
  assert_search (token, "/fhir/Patient?family:contains=%3B%20drop%20table", "sql-1");
  assert_search (token, "/fhir/Patient?identifier=urn:x%27OR%271%27%3D%271%7C%25_%5C%5C", "sql-1");
  assert_search (token, "/fhir/Patient?identifier=%25_%5C%5C", "sql-1");
  /* and everything else is as it was */
  {
    g_autofree char *after = search_ids (token, "/fhir/Patient?family=zq&_sort=_id");
    g_assert_cmpstr (after, ==, before);
  }
}

/* The CapabilityStatement lists exactly what works: each listed parameter is accepted under
 * strict handling, and a parameter it does not list is refused. */
static void
test_search_capabilities (void)
{
  g_autofree char *token = login ("alice");
  Reply cs = request ("GET", "/fhir/metadata", NULL, NULL);
  JsonArray *resources = json_object_get_array_member (json_array_get_object_element (
                           json_object_get_array_member (cs.body, "rest"), 0), "resource");
  static const char * const probes[] = { "_id", "identifier", "name", "family", "given", "birthdate",
                                         "patient", "subject", "encounter", "date", "status", "code" };
  static const struct { const char *type; const char *value; } samples[] = {
    { "string", "x" }, { "token", "a%7Cb" }, { "date", "ge2020" }, { "reference", "Patient/x" },
  };
  guint searchable = 0;

  for (guint i = 0; i < json_array_get_length (resources); i++)
    {
      JsonObject *res = json_array_get_object_element (resources, i);
      const char *type = json_object_get_string_member (res, "type");
      JsonArray *sp = json_object_has_member (res, "searchParam")
                        ? json_object_get_array_member (res, "searchParam") : NULL;
      g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

      if (sp == NULL || g_str_equal (type, "AuditEvent"))
        continue;
      searchable++;
      for (guint j = 0; j < json_array_get_length (sp); j++)
        {
          JsonObject *p = json_array_get_object_element (sp, j);
          const char *name = json_object_get_string_member (p, "name");
          const char *ptype = json_object_get_string_member (p, "type");
          const char *value = NULL;
          g_autofree char *path = NULL;
          Reply r;

          for (guint k = 0; k < G_N_ELEMENTS (samples); k++)
            if (g_str_equal (samples[k].type, ptype))
              value = samples[k].value;
          g_assert_nonnull (value);
          if (g_str_equal (name, "_id") || (g_str_equal (ptype, "reference") &&
                                            !g_str_equal (name, "subject")))
            value = "x";
          g_hash_table_add (listed, (gpointer) name);
          path = g_strdup_printf ("/fhir/%s?%s=%s", type, name, value);
          r = request_prefer (path, token, "handling=strict");
          if (r.status != 200)
            g_error ("%s: %u", path, r.status);
          reply_clear (&r);
        }
      for (guint k = 0; k < G_N_ELEMENTS (probes); k++)
        if (!g_hash_table_contains (listed, probes[k]))
          {
            g_autofree char *path = g_strdup_printf ("/fhir/%s?%s=x", type, probes[k]);
            Reply r = request_prefer (path, token, "handling=strict");
            if (r.status != 400)
              g_error ("%s is not listed but answers %u", path, r.status);
            reply_clear (&r);
          }
    }
  g_assert_cmpuint (searchable, >=, 15);
  reply_clear (&cs);
}

static void
test_history_paging (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *since = NULL;
  g_autoptr(GString) versions = g_string_new (NULL);
  g_autofree char *next = NULL;
  guint pages = 0;
  Reply r;

  for (int v = 1; v <= 7; v++)
    {
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"h-1\","
                                               "\"birthDate\":\"19%02d-01-01\"}", 60 + v);
      put_json (token, body);
      if (v == 4)
        {
          r = request ("GET", "/fhir/Patient/h-1", token, NULL);
          since = g_strdup (json_object_get_string_member (json_object_get_object_member (r.body, "meta"),
                                                           "lastUpdated"));
          reply_clear (&r);
        }
    }
  /* instance history in pages of two, newest first, each version once */
  next = g_strdup ("/fhir/Patient/h-1/_history?_count=2");
  while (next != NULL)
    {
      r = request ("GET", next, token, NULL);
      g_assert_cmpuint (r.status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (r.body, "type"), ==, "history");
      for (guint i = 0; i < n_entries (&r); i++)
        g_string_append_printf (versions, "%s%s", versions->len ? " " : "",
                                json_object_get_string_member (json_object_get_object_member (
                                  json_array_get_object_element (json_object_get_array_member (r.body, "entry"), i),
                                  "response"), "etag"));
      g_free (next);
      next = bundle_link (&r, "next");
      reply_clear (&r);
      pages++;
    }
  g_assert_cmpuint (pages, ==, 4);
  g_assert_cmpstr (versions->str, ==, "W/\"7\" W/\"6\" W/\"5\" W/\"4\" W/\"3\" W/\"2\" W/\"1\"");

  /* _since: the versions at or after an instant */
  {
    g_autofree char *escaped = g_uri_escape_string (since, NULL, FALSE);
    g_autofree char *path = g_strdup_printf ("/fhir/Patient/h-1/_history?_since=%s", escaped);
    g_autofree char *type_path = g_strdup_printf ("/fhir/Patient/_history?_since=%s&_count=3", escaped);
    guint n = 0;

    r = request ("GET", path, token, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (n_entries (&r), ==, 4);
    reply_clear (&r);
    /* type history: the same four, in pages of three */
    g_free (next);
    next = g_strdup (type_path);
    while (next != NULL)
      {
        r = request ("GET", next, token, NULL);
        g_assert_cmpuint (r.status, ==, 200);
        n += n_entries (&r);
        g_free (next);
        next = bundle_link (&r, "next");
        reply_clear (&r);
      }
    g_assert_cmpuint (n, ==, 4);
  }

  /* whole-system history: the front desk sees no observations in it */
  {
    g_autofree char *desk = login ("frank");
    guint patients = 0;

    r = request ("GET", "/fhir/_history?_count=1000", desk, NULL);
    g_assert_cmpuint (r.status, ==, 200);
    for (guint i = 0; i < n_entries (&r); i++)
      {
        JsonObject *e = json_array_get_object_element (json_object_get_array_member (r.body, "entry"), i);
        const char *url = json_object_get_string_member (json_object_get_object_member (e, "request"), "url");
        g_assert_false (g_str_has_prefix (url, "Observation/"));
        patients += g_str_has_prefix (url, "Patient/");
      }
    g_assert_cmpuint (patients, >, 30);
    reply_clear (&r);
    r = request ("GET", "/fhir/_history?_count=2", token, NULL);
    g_assert_cmpuint (n_entries (&r), ==, 2);
    next = bundle_link (&r, "next");
    g_assert_nonnull (next);
    reply_clear (&r);
  }
}

static void
test_everything (void)
{
  g_autofree char *token = login ("alice");
  g_autofree char *desk = login ("frank");
  g_autofree char *admin = login ("ada");
  g_autofree char *ids = NULL;
  g_autofree char *desk_ids = NULL;
  g_autofree char *since = NULL;
  guint n_pages;
  Reply r;

  put_json (token, "{\"resourceType\":\"Appointment\",\"id\":\"c-a\",\"status\":\"booked\",\"participant\":"
                   "[{\"actor\":{\"reference\":\"Patient/c-p\"},\"status\":\"accepted\"}],"
                   "\"start\":\"2026-05-01T10:00:00Z\",\"end\":\"2026-05-01T10:30:00Z\"}");
  ids = walk_pages (token, "/fhir/Patient/c-p/$everything?_count=2", 2, FALSE, &n_pages);
  g_assert_cmpstr (ids, ==, "c-p c-e c-o1 c-o2 c-c c-a");
  g_assert_cmpuint (n_pages, ==, 3);
  /* the front desk: the patient and the appointment, no clinical records */
  desk_ids = walk_pages (desk, "/fhir/Patient/c-p/$everything", 50, FALSE, &n_pages);
  g_assert_cmpstr (desk_ids, ==, "c-p c-a");
  r = request ("GET", "/fhir/Patient/c-p/$everything", admin, NULL);
  g_assert_cmpuint (r.status, ==, 403);
  reply_clear (&r);
  r = request ("GET", "/fhir/Patient/nobody/$everything", token, NULL);
  g_assert_cmpuint (r.status, ==, 404);
  reply_clear (&r);

  /* _since: what changed at or after an instant */
  r = request ("GET", "/fhir/Appointment/c-a", token, NULL);
  since = g_uri_escape_string (json_object_get_string_member (json_object_get_object_member (r.body, "meta"),
                                                              "lastUpdated"), NULL, FALSE);
  reply_clear (&r);
  {
    g_autofree char *path = g_strdup_printf ("/fhir/Patient/c-p/$everything?_since=%s", since);
    assert_search (token, path, "c-a");
  }
}

static void
test_clean_shutdown (void)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
}

/* Concurrent writers share the wait for the disk (group commit); every write they were told
 * about is in the database after the server is killed. */
static void
test_crash_keeps_acknowledged (void)
{
  GThread *threads[8];

  g_clear_object (&server);
  g_clear_object (&session);
  g_clear_pointer (&base, g_free);
  start_server ();
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("writer", put_patients_thread, GUINT_TO_POINTER (t));
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  g_assert_cmpint (db_count ("SELECT count(*) FROM resource WHERE id LIKE 'gc-%'"), ==,
                   G_N_ELEMENTS (threads) * 5);
}

int
main (int   argc,
      char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);

  server_cli = g_strdup (g_getenv ("HOUSECALL_SERVER"));
  g_assert_nonnull (server_cli);
  workdir = g_dir_make_tmp ("hc-test-server-XXXXXX", NULL);
  if (g_strcmp0 (g_getenv ("HOUSECALL_TEST_STORE"), "postgres") == 0)
    {
      pg = hc_test_pg_start (FALSE);
      pg_conninfo = hc_test_pg_new_db (pg, "housecall");
    }
  run_server_cli (SRV ("dev-cert", "--out", "certs"), NULL);
  run_server_cli (SRV ("init-db"), NULL);
  run_server_cli (SRV ("user", "add", "alice", "--role", "physician"),
                  "correct horse battery staple");
  run_server_cli (SRV ("user", "add", "frank", "--role", "front-desk"),
                  "correct horse battery staple");
  run_server_cli (SRV ("user", "add", "ada", "--role", "admin"),
                  "correct horse battery staple");
  run_server_cli (SRV ("user", "add", "nora", "--role", "nurse"),
                  "correct horse battery staple");
  run_server_cli (SRV ("user", "add", "nina", "--role", "nurse"),
                  "correct horse battery staple");
  import_demo_panel ();
  start_server ();

  g_test_add_func ("/hc/server/https/metadata", test_metadata);
  g_test_add_func ("/hc/server/https/needs-token", test_needs_token);
  g_test_add_func ("/hc/server/https/login", test_login);
  g_test_add_func ("/hc/server/https/crud", test_crud);
  g_test_add_func ("/hc/server/https/bad-requests", test_bad_requests);
  g_test_add_func ("/hc/server/https/roles", test_roles);
  g_test_add_func ("/hc/server/https/huge-bodies", test_huge_bodies);
  g_test_add_func ("/hc/server/https/gzip-bodies", test_gzip_bodies);
  g_test_add_func ("/hc/server/https/independent-client", test_independent_client);
  g_test_add_func ("/hc/server/https/refresh-and-revoke", test_refresh_and_revoke);
  g_test_add_func ("/hc/server/https/login-rate-limit", test_login_rate_limit);
  g_test_add_func ("/hc/server/sync/imported", test_imported);
  g_test_add_func ("/hc/server/sync/changes", test_sync_changes);
  g_test_add_func ("/hc/server/sync/gzip", test_gzip);
  g_test_add_func ("/hc/server/https/transaction", test_transaction);
  g_test_add_func ("/hc/server/sync/role-filter", test_sync_role_filter);
  g_test_add_func ("/hc/server/sync/long-poll", test_sync_long_poll);
  g_test_add_func ("/hc/server/sync/long-poll-coalesced", test_sync_long_poll_coalesced);
  g_test_add_func ("/hc/server/sync/push", test_sync_push);
  g_test_add_func ("/hc/server/sync/push-conflict-reject-hold", test_sync_push_conflict_reject_hold);
  g_test_add_func ("/hc/server/audit/rest", test_audit_rest);
  g_test_add_func ("/hc/server/search/patient", test_search_patient);
  g_test_add_func ("/hc/server/search/sort", test_search_sort);
  g_test_add_func ("/hc/server/search/paging", test_search_paging);
  g_test_add_func ("/hc/server/search/clinical", test_search_clinical);
  g_test_add_func ("/hc/server/search/roles", test_search_roles);
  g_test_add_func ("/hc/server/search/bad-values", test_search_bad_values);
  g_test_add_func ("/hc/server/search/injection", test_search_injection);
  g_test_add_func ("/hc/server/search/capabilities", test_search_capabilities);
  g_test_add_func ("/hc/server/search/history-paging", test_history_paging);
  g_test_add_func ("/hc/server/search/everything", test_everything);
  if (pg != NULL)
    {
      g_test_add_func ("/hc/server/pg/two-processes", test_pg_two_processes);
      g_test_add_data_func ("/hc/server/pg/no-gap", GINT_TO_POINTER (FALSE), test_pg_no_gap);
      g_test_add_data_func ("/hc/server/pg/naive-sequence-loses-changes", GINT_TO_POINTER (TRUE),
                            test_pg_no_gap);
    }
  /* last: it stops the server */
  g_test_add_func ("/hc/server/end/clean-shutdown", test_clean_shutdown);
  g_test_add_func ("/hc/server/end/audit-trail", test_audit_trail);
  g_test_add_func ("/hc/server/end/crash-keeps-acknowledged", test_crash_keeps_acknowledged);
  g_test_add_func ("/hc/server/https/untrusted-client", test_untrusted_client);
  rc = g_test_run ();

  if (g_subprocess_get_identifier (server) != NULL)
    g_subprocess_force_exit (server);
  g_clear_object (&server);
  g_clear_object (&session);
  {
    const char *rm[] = { "rm", "-rf", workdir, NULL };
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (workdir);
  g_free (base);
  g_clear_pointer (&pg, hc_test_pg_stop);
  g_free (pg_conninfo);
  g_free (server_cli);
  return rc;
}
