/* hc-server-main.c: housecall-server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "housecall-server"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>

#include "hc-auth.h"
#include "hc-fhir.h"
#include "hc-import.h"
#include "hc-dev-cert.h"
#include "hc-server.h"
#include "hc-server-db.h"

static char *opt_db;
static char *opt_postgres;
static char *opt_out;
static char *opt_role;
static char *opt_password_file;
static char *opt_listen;
static char *opt_cert;
static char *opt_key;
static gboolean opt_force;

static const GOptionEntry entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt_db, "SQLite database (default: housecall-server.db)", "PATH" },
  { "postgres", 0, 0, G_OPTION_ARG_STRING, &opt_postgres, "PostgreSQL database instead of SQLite (libpq connection string)", "CONNINFO" },
  { "out", 0, 0, G_OPTION_ARG_FILENAME, &opt_out, "dev-cert: directory for ca.pem, server.pem, server-key.pem", "DIR" },
  { "force", 0, 0, G_OPTION_ARG_NONE, &opt_force, "dev-cert: replace existing files", NULL },
  { "role", 0, 0, G_OPTION_ARG_STRING, &opt_role, "user add: physician, nurse, front-desk or admin", "ROLE" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "user add: read the password from FILE (else $HOUSECALL_PASSWORD)", "FILE" },
  { "listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen, "serve: address and port (default 127.0.0.1:8443; port 0 picks one)", "HOST:PORT" },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cert, "serve: PEM certificate (chain)", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_key, "serve: PEM private key", "FILE" },
  { NULL }
};

static const char summary[] =
  "Each command but dev-cert takes --db PATH (SQLite, the default) or --postgres CONNINFO.\n\n"
  "Commands:\n"
  "  dev-cert --out DIR                 a local CA and a localhost certificate\n"
  "  init-db                            create the database\n"
  "  user add NAME --role ROLE          add a user (password from --password-file or $HOUSECALL_PASSWORD)\n"
  "  import FILE…                       load resources, Bundles or NDJSON (each file one transaction)\n"
  "  serve --tls-cert F --tls-key F     serve FHIR R4 over HTTPS";

static int
fail (GError *error)
{
  g_printerr ("housecall-server: %s\n", error->message);
  g_error_free (error);
  return 1;
}

static int
usage (const char *message)
{
  g_printerr ("housecall-server: %s\nTry 'housecall-server --help'.\n", message);
  return 2;
}

static const char *
db_path (void)
{
  return opt_db ? opt_db : "housecall-server.db";
}

/* The store of --postgres or --db. */
static HcServerDb *
open_db (gboolean   create,
         GError   **error)
{
  if (opt_postgres != NULL)
    return hc_server_db_open_postgres (opt_postgres, create, error);
  return hc_server_db_open (db_path (), create, error);
}

static int
cmd_dev_cert (void)
{
  GError *error = NULL;

  if (opt_out == NULL)
    return usage ("dev-cert: --out DIR is required");
  if (!hc_dev_cert_create (opt_out, opt_force, &error))
    return fail (error);
  g_print ("Wrote %s/ca.pem, server.pem and server-key.pem\n", opt_out);
  return 0;
}

static int
cmd_init_db (void)
{
  g_autoptr(HcServerDb) db = NULL;
  GError *error = NULL;

  if (opt_postgres != NULL)
    {
      /* idempotent: an existing Housecall schema is kept, anything else refused */
      if ((db = open_db (TRUE, &error)) == NULL)
        return fail (error);
      g_print ("PostgreSQL database ready\n");
      return 0;
    }
  if (g_file_test (db_path (), G_FILE_TEST_EXISTS))
    {
      g_printerr ("housecall-server: %s already exists\n", db_path ());
      return 1;
    }
  db = hc_server_db_open (db_path (), TRUE, &error);
  if (db == NULL)
    return fail (error);
  g_print ("Created %s\n", db_path ());
  return 0;
}

static char *
read_password (GError **error)
{
  g_autofree char *text = NULL;
  const char *env = g_getenv ("HOUSECALL_PASSWORD");

  if (opt_password_file != NULL)
    {
      if (!g_file_get_contents (opt_password_file, &text, NULL, error))
        return NULL;
      g_strchomp (text);
      return g_steal_pointer (&text);
    }
  if (env != NULL)
    return g_strdup (env);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "give the password with --password-file FILE or $HOUSECALL_PASSWORD");
  return NULL;
}

static int
cmd_user (int    argc,
          char **argv)
{
  g_autoptr(HcServerDb) db = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  GError *error = NULL;
  HcRole role;

  if (argc != 2 || strcmp (argv[0], "add") != 0)
    return usage ("user: expected 'user add NAME --role ROLE'");
  if (opt_role == NULL || !hc_role_from_string (opt_role, &role))
    return usage ("user add: --role must be physician, nurse, front-desk or admin");
  if ((password = read_password (&error)) == NULL)
    return fail (error);
  if ((hash = hc_auth_hash_password (password, &error)) == NULL)
    return fail (error);
  if ((db = open_db (FALSE, &error)) == NULL)
    return fail (error);
  if (!hc_server_db_add_user (db, argv[1], hc_role_to_string (role), hash, &error))
    return fail (error);
  g_print ("Added %s (%s)\n", argv[1], hc_role_to_string (role));
  return 0;
}

typedef struct
{
  HcServerDb *db;
  guint       written;
  guint       deleted;
} ServerSink;

static gboolean
server_write (gpointer     data,
              JsonObject  *resource,
              const char  *prepared,
              GError     **error)
{
  ServerSink *ss = data;
  g_autoptr(HcServerResource) r = NULL;

  if (json_object_get_member (resource, "id") == NULL)
    {
      g_autofree char *id = hc_fhir_new_id ();
      json_object_set_string_member (resource, "id", id);
    }
  r = hc_server_db_write (ss->db, resource, 0, FALSE, error);
  if (r == NULL)
    return FALSE;
  ss->written++;
  return TRUE;
}

static gboolean
server_remove (gpointer     data,
               const char  *type,
               const char  *id,
               GError     **error)
{
  ServerSink *ss = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(HcServerResource) r = hc_server_db_delete (ss->db, type, id, 0, &local_error);

  if (r == NULL && !g_error_matches (local_error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  ss->deleted += r != NULL;
  return TRUE;
}

static const HcImportSink server_sink = { server_write, server_remove };

/* Each file is one transaction: it all goes in, or none of it. */
static int
cmd_import (int    argc,
            char **argv)
{
  g_autoptr(HcServerDb) db = NULL;
  GError *error = NULL;

  if (argc < 1)
    return usage ("import: which FILE?");
  if ((db = open_db (FALSE, &error)) == NULL)
    return fail (error);
  for (int i = 0; i < argc; i++)
    {
      ServerSink ss = { db, 0, 0 };

      if (!hc_server_db_begin (db, &error))
        return fail (error);
      if (!hc_import_path (argv[i], &server_sink, &ss, NULL, &error) ||
          !hc_server_db_commit (db, &error))
        {
          hc_server_db_rollback (db);
          g_printerr ("housecall-server: %s (nothing of %s was imported)\n", error->message, argv[i]);
          g_error_free (error);
          return 1;
        }
      g_print ("%s: %u written, %u deleted\n", argv[i], ss.written, ss.deleted);
    }
  return 0;
}

static gboolean
quit_cb (gpointer data)
{
  g_message ("shutting down");
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
cmd_serve (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(HcServer) server = NULL;
  g_auto(GStrv) hostport = NULL;
  HcServerDb *db;
  GError *error = NULL;
  const char *listen = opt_listen ? opt_listen : "127.0.0.1:8443";
  const char *colon = strrchr (listen, ':');
  g_autofree char *host = NULL;
  guint64 port = 0;

  if (opt_cert == NULL || opt_key == NULL)
    return usage ("serve: --tls-cert and --tls-key are required (HTTPS only); "
                  "'housecall-server dev-cert' makes a pair for testing");
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    return usage ("serve: --listen must be HOST:PORT");
  host = g_strndup (listen, colon - listen);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }

  cert = g_tls_certificate_new_from_files (opt_cert, opt_key, &error);
  if (cert == NULL)
    return fail (error);
  if ((db = open_db (FALSE, &error)) == NULL)
    return fail (error);
  server = hc_server_new (db, cert);
  if (!hc_server_listen (server, host, (guint) port, &error))
    return fail (error);

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  /* the first line is for scripts and tests: where to connect */
  g_print ("listening on https://%s:%u\n", host, hc_server_get_port (server));
  fflush (stdout);
  g_main_loop_run (loop);
  /* every acknowledged write was committed before its response went out */
  hc_server_disconnect (server);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("COMMAND [ARGS…]");
  g_option_context_set_summary (context, "The Housecall server: FHIR R4 over HTTPS.");
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    return usage (error->message);
  if (args[1] == NULL)
    return usage ("which command?");

  if (strcmp (args[1], "dev-cert") == 0)
    return cmd_dev_cert ();
  if (strcmp (args[1], "init-db") == 0)
    return cmd_init_db ();
  if (strcmp (args[1], "user") == 0)
    return cmd_user (g_strv_length (args) - 2, args + 2);
  if (strcmp (args[1], "serve") == 0)
    return cmd_serve ();
  if (strcmp (args[1], "import") == 0)
    return cmd_import (g_strv_length (args) - 2, args + 2);
  {
    g_autofree char *msg = g_strdup_printf ("unknown command '%s'", args[1]);
    return usage (msg);
  }
}
