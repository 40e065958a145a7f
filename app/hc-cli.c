/* hc-cli.c: housecall-cli, the headless client
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "housecall-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <gnutls/gnutls.h>

#include "hc-demo.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-outcome.h"
#include "hc-patient.h"
#include "hc-store.h"
#include "hc-sync-engine.h"

#define EXIT_USAGE 2

static char *opt_store;
static gboolean opt_json;
static char *opt_patient;
static int opt_patients = -1;
static gint64 opt_seed = 1;
static char *opt_out;
static char *opt_date;
static int opt_limit = 50;
static char *opt_passphrase_file;
static char *opt_new_passphrase_file;

typedef char HcPassphrase;
static char *opt_user;
static char *opt_ca_file;
static char *opt_password_file;
static char *opt_take;
static char *opt_merged;
static gboolean opt_all;

static const GOptionEntry entries[] = {
  { "store", 0, 0, G_OPTION_ARG_FILENAME, &opt_store, "Store directory (default: $HOUSECALL_STORE or ~/.local/share/housecall/store)", "DIR" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Machine-readable JSON output", NULL },
  { "patient", 0, 0, G_OPTION_ARG_STRING, &opt_patient, "export: only this patient's compartment", "ID" },
  { "patients", 0, 0, G_OPTION_ARG_INT, &opt_patients, "demo-data: number of patients", "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "demo-data: random seed (default 1)", "S" },
  { "date", 0, 0, G_OPTION_ARG_STRING, &opt_date, "demo-data: the panel's today (default: today)", "YYYY-MM-DD" },
  { "out", 0, 0, G_OPTION_ARG_FILENAME, &opt_out, "demo-data: write NDJSON to FILE (- for stdout) instead of the store", "FILE" },
  { "limit", 0, 0, G_OPTION_ARG_INT, &opt_limit, "search: at most N results (default 50)", "N" },
  { "passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_passphrase_file, "Read the store's passphrase from the first line of FILE (default: $HOUSECALL_PASSPHRASE, else ask)", "FILE" },
  { "new-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_new_passphrase_file, "change-passphrase: the new one (default: $HOUSECALL_NEW_PASSPHRASE, else ask twice)", "FILE" },
  { "user", 0, 0, G_OPTION_ARG_STRING, &opt_user, "login: the user name on the server", "NAME" },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "login: trust this CA (PEM) for the server instead of the system's", "PEM" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "login: read the password from FILE (else $HOUSECALL_PASSWORD)", "FILE" },
  { "take", 0, 0, G_OPTION_ARG_STRING, &opt_take, "resolve: keep the local or the remote version", "local|remote" },
  { "merged", 0, 0, G_OPTION_ARG_FILENAME, &opt_merged, "resolve: the merged version (JSON file, - for stdin)", "FILE" },
  { "all", 0, 0, G_OPTION_ARG_NONE, &opt_all, "conflicts: resolved ones too", NULL },
  { NULL }
};

static const char summary[] =
  "Commands:\n"
  "  init                  create a new store\n"
  "  import FILE…          import resources, Bundles or NDJSON (- is stdin)\n"
  "  export [--patient ID] write a Bundle to stdout\n"
  "  get TYPE/ID           print a resource\n"
  "  put FILE|-            create or update a resource\n"
  "  delete TYPE/ID        delete (clinical records: mark entered-in-error)\n"
  "  search QUERY          find patients by name, MRN, birth date or phone\n"
  "  login URL --user NAME [--ca-file PEM]\n"
  "                        log the store in to a server (password from\n"
  "                        $HOUSECALL_PASSWORD or --password-file)\n"
  "  sync                  send local changes, fetch the server's\n"
  "  status                store and sync status\n"
  "  conflicts [--all]     list sync conflicts waiting for a decision\n"
  "  resolve ID --take local|remote | --merged FILE\n"
  "                        settle a conflict"
  "  demo-data --patients N [--seed S] [--out FILE]\n"
  "                        generate a demo panel into the store or as NDJSON\n"
  "  verify                check integrity, page tags, indexes and the audit chain\n"
  "  change-passphrase     rewrap the store's key under a new passphrase\n"
  "\n"
  "The store is encrypted. Its passphrase comes from $HOUSECALL_PASSPHRASE or\n"
  "--passphrase-file, else it is asked for on the terminal; never from an argument.";

/* One line on stderr; with --json also the error as an OperationOutcome on stdout. */
static int
fail_with (GError     *error,
           const char *suffix)
{
  g_printerr ("housecall-cli: %s%s\n", error->message, suffix ? suffix : "");
  if (opt_json)
    {
      g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
      g_autofree char *text = hc_json_object_to_string (outcome, FALSE);
      g_print ("%s\n", text);
    }
  g_error_free (error);
  return EXIT_FAILURE;
}

static int
fail (GError *error)
{
  return fail_with (error, NULL);
}

static int
usage (const char *message)
{
  g_printerr ("housecall-cli: %s\nTry 'housecall-cli --help'.\n", message);
  return EXIT_USAGE;
}

static void
print_json_node (JsonNode *node,
                 gboolean  pretty)
{
  g_autofree char *text = hc_json_to_string (node, pretty);
  g_print ("%s\n", text);
}

static void
print_json_object (JsonObject *object,
                   gboolean    pretty)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  print_json_node (node, pretty);
}

static char *
store_dir (void)
{
  return opt_store ? g_strdup (opt_store) : hc_store_default_dir ();
}

/* ------------------------------------------------------------------------------------------ */
/* Passphrases: from the environment, a file, or the terminal; never an argument */

static void
wipe_passphrase (char *text)
{
  if (text != NULL)
    gnutls_memset (text, 0, strlen (text));
  g_free (text);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcPassphrase, wipe_passphrase)

static char *
read_passphrase_file (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  char *nl;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  /* the first line, without its line ending */
  if ((nl = strpbrk (contents, "\r\n")) != NULL)
    *nl = '\0';
  {
    char *line = g_strdup (contents);
    gnutls_memset (contents, 0, len);
    return line;
  }
}

/* One line from the terminal with echo off. */
static char *
prompt_terminal (const char *prompt)
{
  struct termios saved, quiet;
  char buf[1024];
  char *line = NULL;
  FILE *tty = fopen ("/dev/tty", "r+");

  if (tty == NULL)
    return NULL;
  fputs (prompt, tty);
  fflush (tty);
  if (tcgetattr (fileno (tty), &saved) == 0)
    {
      quiet = saved;
      quiet.c_lflag &= ~(ECHO | ECHONL);
      tcsetattr (fileno (tty), TCSAFLUSH, &quiet);
    }
  if (fgets (buf, sizeof buf, tty) != NULL)
    {
      buf[strcspn (buf, "\r\n")] = '\0';
      line = g_strdup (buf);
    }
  gnutls_memset (buf, 0, sizeof buf);
  tcsetattr (fileno (tty), TCSAFLUSH, &saved);
  fputc ('\n', tty);
  fclose (tty);
  return line;
}

/*
 * The passphrase from @env_name, else @file, else (on a terminal) a prompt: twice when
 * @confirm, for a new passphrase.
 */
static char *
get_passphrase (const char  *env_name,
                const char  *file,
                const char  *prompt,
                gboolean     confirm,
                GError     **error)
{
  const char *env = g_getenv (env_name);
  char *first, *second;

  if (file != NULL)
    return read_passphrase_file (file, error);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (!isatty (STDIN_FILENO))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "no passphrase: set %s or use --%spassphrase-file", env_name,
                   g_str_has_prefix (env_name, "HOUSECALL_NEW") ? "new-" : "");
      return NULL;
    }
  first = prompt_terminal (prompt);
  if (first == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "no passphrase entered");
      return NULL;
    }
  if (!confirm)
    return first;
  second = prompt_terminal ("Repeat the passphrase: ");
  if (second == NULL || strcmp (first, second) != 0)
    {
      wipe_passphrase (first);
      wipe_passphrase (second);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "the passphrases do not match");
      return NULL;
    }
  wipe_passphrase (second);
  return first;
}

static char *
store_passphrase (GError **error)
{
  return get_passphrase ("HOUSECALL_PASSPHRASE", opt_passphrase_file, "Passphrase: ", FALSE,
                         error);
}

static HcStore *
open_store (GError **error)
{
  g_autofree char *dir = store_dir ();
  g_autoptr(HcPassphrase) passphrase = store_passphrase (error);

  if (passphrase == NULL)
    return NULL;
  return hc_store_open_sync (dir, HC_STORE_OPEN_NONE, passphrase, NULL, error);
}

static gboolean
split_ref (const char  *arg,
           char       **type,
           char       **id)
{
  const char *slash = arg ? strchr (arg, '/') : NULL;

  if (slash == NULL || slash == arg || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;
  *type = g_strndup (arg, slash - arg);
  *id = g_strdup (slash + 1);
  return TRUE;
}

static int
cmd_init (int argc, char **argv)
{
  g_autofree char *dir = store_dir ();
  g_autofree char *db = g_build_filename (dir, "housecall.db", NULL);
  g_autoptr(HcStore) store = NULL;
  g_autoptr(HcPassphrase) passphrase = NULL;
  GError *error = NULL;

  if (g_file_test (db, G_FILE_TEST_EXISTS))
    {
      g_printerr ("housecall-cli: a store already exists in %s\n", dir);
      return EXIT_FAILURE;
    }
  passphrase = get_passphrase ("HOUSECALL_PASSPHRASE", opt_passphrase_file,
                               "Passphrase for the new store: ", TRUE, &error);
  if (passphrase == NULL)
    return fail (error);
  store = hc_store_open_sync (dir, HC_STORE_OPEN_CREATE, passphrase, NULL, &error);
  if (store == NULL)
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "store", dir);
      print_json_object (o, FALSE);
    }
  else
    g_print ("Created a new store in %s\n", dir);
  return EXIT_SUCCESS;
}

static JsonObject *
stats_json (const char          *file,
            const HcImportStats *stats)
{
  JsonObject *o = json_object_new ();

  if (file)
    json_object_set_string_member (o, "file", file);
  json_object_set_int_member (o, "created", stats->created);
  json_object_set_int_member (o, "updated", stats->updated);
  json_object_set_int_member (o, "deleted", stats->deleted);
  json_object_set_int_member (o, "unchanged", stats->unchanged);
  return o;
}

static void
print_stats (const char          *file,
             const HcImportStats *stats)
{
  g_print ("%s: %u created, %u updated, %u deleted, %u unchanged\n", file, stats->created,
           stats->updated, stats->deleted, stats->unchanged);
}

static int
cmd_import (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonArray) results = json_array_new ();
  GError *error = NULL;

  if (argc < 1)
    return usage ("import: which FILE?");
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  for (int i = 0; i < argc; i++)
    {
      HcImportStats stats = { 0 };

      if (!hc_store_import_file_sync (store, argv[i], &stats, NULL, &error))
        {
          g_autofree char *suffix = g_strdup_printf (" (nothing of %s was imported)", argv[i]);
          return fail_with (error, suffix);
        }
      if (opt_json)
        json_array_add_object_element (results, stats_json (argv[i], &stats));
      else
        print_stats (argv[i], &stats);
    }
  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, results);
      print_json_node (node, FALSE);
    }
  return EXIT_SUCCESS;
}

static int
cmd_export (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GOutputStream) raw = g_unix_output_stream_new (1, FALSE);
  g_autoptr(GOutputStream) out = g_buffered_output_stream_new_sized (raw, 1 << 16);
  GError *error = NULL;

  if (argc > 0)
    return usage ("export takes no arguments; use --patient ID for one patient");
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if (!hc_store_export_sync (store, opt_patient, out, NULL, &error) ||
      !g_output_stream_close (out, NULL, &error))
    return fail (error);
  return EXIT_SUCCESS;
}

static int
cmd_get (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonObject) res = NULL;
  g_autofree char *type = NULL, *id = NULL;
  GError *error = NULL;

  if (argc != 1 || !split_ref (argv[0], &type, &id))
    return usage ("get: expected TYPE/ID, e.g. Patient/123");
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if ((res = hc_store_get_sync (store, type, id, NULL, &error)) == NULL)
    return fail (error);
  print_json_object (res, !opt_json);
  return EXIT_SUCCESS;
}

static int
cmd_put (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) stored = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  GError *error = NULL;
  JsonNode *root;

  if (argc != 1)
    return usage ("put: expected FILE or - for stdin");
  if (strcmp (argv[0], "-") == 0)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
        return fail (error);
      length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
      text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
      text = g_realloc (text, length + 1);
      text[length] = '\0';
    }
  else if (!g_file_get_contents (argv[0], &text, &length, &error))
    return fail (error);

  if (!json_parser_load_from_data (parser, text, length, &error))
    {
      g_prefix_error (&error, "%s: malformed JSON: ", argv[0]);
      return fail (error);
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_printerr ("housecall-cli: %s: expected one FHIR resource (a JSON object)\n", argv[0]);
      return EXIT_FAILURE;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                             "resourceType", ""), "Bundle") == 0)
    {
      g_printerr ("housecall-cli: %s: put takes one resource; use 'import' for a Bundle\n", argv[0]);
      return EXIT_FAILURE;
    }
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if ((stored = hc_store_put_sync (store, json_node_get_object (root), NULL, &error)) == NULL)
    return fail (error);
  if (opt_json)
    print_json_object (stored, FALSE);
  else
    g_print ("%s/%s saved\n", json_object_get_string_member (stored, "resourceType"),
             json_object_get_string_member (stored, "id"));
  return EXIT_SUCCESS;
}

static int
cmd_delete (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autofree char *type = NULL, *id = NULL;
  GError *error = NULL;

  if (argc != 1 || !split_ref (argv[0], &type, &id))
    return usage ("delete: expected TYPE/ID");
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if (!hc_store_delete_sync (store, type, id, NULL, &error))
    return fail (error);
  if (!opt_json)
    g_print ("%s/%s deleted\n", type, id);
  else
    {
      g_autoptr(JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "deleted", argv[0]);
      print_json_object (o, FALSE);
    }
  return EXIT_SUCCESS;
}

static int
cmd_search (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GListModel) results = NULL;
  g_autofree char *query = NULL;
  GError *error = NULL;
  guint n;

  query = g_strjoinv (" ", argv);
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  results = hc_store_search_patients_sync (store, query, opt_limit > 0 ? opt_limit : 50, NULL,
                                           &error);
  if (results == NULL)
    return fail (error);
  n = g_list_model_get_n_items (results);
  if (opt_json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(HcPatient) p = g_list_model_get_item (results, i);
          JsonObject *o = json_object_new ();

          json_object_set_string_member (o, "id", hc_patient_get_id (p));
          json_object_set_string_member (o, "name", hc_patient_get_display_name (p));
          json_object_set_string_member (o, "family", hc_patient_get_family (p));
          json_object_set_string_member (o, "given", hc_patient_get_given (p));
          json_object_set_string_member (o, "birthDate", hc_patient_get_birth_date (p));
          json_object_set_string_member (o, "gender", hc_patient_get_gender (p));
          json_object_set_string_member (o, "mrn", hc_patient_get_mrn (p));
          json_object_set_string_member (o, "phone", hc_patient_get_phone (p));
          json_array_add_object_element (array, o);
        }
      json_node_set_array (node, array);
      print_json_node (node, FALSE);
      return EXIT_SUCCESS;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HcPatient) p = g_list_model_get_item (results, i);
      const char *bd = hc_patient_get_birth_date (p);
      const char *mrn = hc_patient_get_mrn (p);

      g_print ("%-36s  %-32s  %-10s  %s\n", hc_patient_get_id (p), hc_patient_get_display_name (p),
               bd ? bd : "", mrn ? mrn : "");
    }
  if (n == 0)
    g_printerr ("No patients match.\n");
  return EXIT_SUCCESS;
}

static int
cmd_status (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autofree char *dir = store_dir ();
  HcStoreStatus status = { 0 };
  GError *error = NULL;

  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if (!hc_store_get_status_sync (store, &status, NULL, &error))
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "store", dir);
      json_object_set_int_member (o, "schema", status.schema_version);
      json_object_set_int_member (o, "resources", status.resources);
      json_object_set_int_member (o, "patients", status.patients);
      json_object_set_int_member (o, "pending", status.pending);
      json_object_set_int_member (o, "conflicts", status.conflicts);
      if (status.last_sync)
        json_object_set_string_member (o, "last_sync", status.last_sync);
      else
        json_object_set_null_member (o, "last_sync");
      print_json_object (o, FALSE);
    }
  else
    {
      g_print ("Store:        %s (schema %d)\n", dir, status.schema_version);
      g_print ("Patients:     %" G_GINT64_FORMAT "\n", status.patients);
      g_print ("Resources:    %" G_GINT64_FORMAT "\n", status.resources);
      g_print ("Waiting:      %" G_GINT64_FORMAT " changesets not yet on the server\n", status.pending);
      g_print ("Conflicts:    %" G_GINT64_FORMAT "\n", status.conflicts);
      g_print ("Last sync:    %s\n", status.last_sync ? status.last_sync : "never");
    }
  hc_store_status_clear (&status);
  return EXIT_SUCCESS;
}

typedef struct
{
  guint       patients;
  guint64     seed;
  const char *today;
} DemoOptions;

static gboolean
demo_producer (gboolean    (*sink) (JsonObject *, gpointer, GError **),
               gpointer      sink_data,
               gpointer      user_data,
               GCancellable *cancellable,
               GError      **error)
{
  DemoOptions *o = user_data;
  return hc_demo_generate (o->patients, o->seed, o->today, sink, sink_data, cancellable, error);
}

static gboolean
ndjson_sink (JsonObject  *resource,
             gpointer     user_data,
             GError     **error)
{
  GOutputStream *out = user_data;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, resource);
  text = hc_json_to_string (node, FALSE);
  return g_output_stream_write_all (out, text, strlen (text), NULL, NULL, error) &&
         g_output_stream_write_all (out, "\n", 1, NULL, NULL, error);
}

static int
cmd_demo_data (int argc, char **argv)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = opt_date ? g_strdup (opt_date) : g_date_time_format (now, "%Y-%m-%d");
  DemoOptions o;
  GError *error = NULL;
  GDate check;

  if (opt_patients < 1)
    return usage ("demo-data: --patients N (at least 1) is required");
  g_date_clear (&check, 1);
  if (strlen (today) != 10 || (g_date_set_parse (&check, today), !g_date_valid (&check)))
    return usage ("demo-data: --date must be YYYY-MM-DD");
  o.patients = opt_patients;
  o.seed = (guint64) opt_seed;
  o.today = today;

  if (opt_out != NULL)
    {
      g_autoptr(GOutputStream) raw = NULL;
      g_autoptr(GOutputStream) out = NULL;

      if (strcmp (opt_out, "-") == 0)
        raw = g_unix_output_stream_new (1, FALSE);
      else if (g_file_test (opt_out, G_FILE_TEST_EXISTS) &&
               !g_file_test (opt_out, G_FILE_TEST_IS_REGULAR))
        {
          /* a pipe or a device such as /dev/null: write to it as it is */
          int fd = g_open (opt_out, O_WRONLY | O_CLOEXEC, 0);

          if (fd < 0)
            {
              g_printerr ("housecall-cli: %s: %s\n", opt_out, g_strerror (errno));
              return EXIT_FAILURE;
            }
          raw = g_unix_output_stream_new (fd, TRUE);
        }
      else
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (opt_out);
          raw = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL,
                                                 &error));
          if (raw == NULL)
            return fail (error);
        }
      out = g_buffered_output_stream_new_sized (raw, 1 << 20);
      if (!hc_demo_generate (o.patients, o.seed, o.today, ndjson_sink, out, NULL, &error) ||
          !g_output_stream_close (out, NULL, &error) || !g_output_stream_close (raw, NULL, &error))
        return fail (error);
      return EXIT_SUCCESS;
    }
  else
    {
      g_autoptr(HcStore) store = NULL;
      HcImportStats stats = { 0 };

      if ((store = open_store (&error)) == NULL)
        return fail (error);
      if (!hc_store_import_producer_sync (store, demo_producer, &o, &stats, NULL, &error))
        return fail (error);
      if (opt_json)
        {
          g_autoptr(JsonObject) s = stats_json (NULL, &stats);
          print_json_object (s, FALSE);
        }
      else
        print_stats ("demo data", &stats);
      return EXIT_SUCCESS;
    }
}

static int
cmd_verify (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  GError *error = NULL;

  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if (!hc_store_verify_sync (store, NULL, &error))
    return fail (error);
  if (opt_json)
    g_print ("{\"ok\":true}\n");
  else
    g_print ("%s: ok (integrity and page tags, search index, audit chain)\n", hc_store_get_dir (store));
  return EXIT_SUCCESS;
}

static int
cmd_change_passphrase (int argc, char **argv)
{
  g_autofree char *dir = store_dir ();
  g_autoptr(HcPassphrase) old = NULL;
  g_autoptr(HcPassphrase) new = NULL;
  GError *error = NULL;

  if ((old = get_passphrase ("HOUSECALL_PASSPHRASE", opt_passphrase_file,
                             "Current passphrase: ", FALSE, &error)) == NULL)
    return fail (error);
  if ((new = get_passphrase ("HOUSECALL_NEW_PASSPHRASE", opt_new_passphrase_file,
                             "New passphrase: ", TRUE, &error)) == NULL)
    return fail (error);
  if (!hc_store_change_passphrase_sync (dir, old, new, &error))
    return fail (error);
  if (opt_json)
    g_print ("{\"ok\":true}\n");
  else
    g_print ("%s: passphrase changed\n", dir);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* Sync */

static char *
read_password (GError **error)
{
  if (opt_password_file != NULL)
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (opt_password_file, &text, NULL, error))
        return NULL;
      g_strchomp (text);
      return g_steal_pointer (&text);
    }
  if (g_getenv ("HOUSECALL_PASSWORD") != NULL)
    return g_strdup (g_getenv ("HOUSECALL_PASSWORD"));
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "login: the password comes from $HOUSECALL_PASSWORD or --password-file");
  return NULL;
}

static int
cmd_login (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autofree char *password = NULL;
  g_autofree char *dir = store_dir ();
  GError *error = NULL;

  if (argc != 1 || opt_user == NULL)
    return usage ("login URL --user NAME [--ca-file PEM]");
  if ((password = read_password (&error)) == NULL)
    return fail (error);
  {
    g_autofree char *db = g_build_filename (dir, "housecall.db", NULL);
    gboolean exists = g_file_test (db, G_FILE_TEST_EXISTS);
    g_autoptr(HcPassphrase) passphrase =
      get_passphrase ("HOUSECALL_PASSPHRASE", opt_passphrase_file,
                      exists ? "Passphrase: " : "Passphrase for the new store: ", !exists, &error);

    if (passphrase == NULL)
      return fail (error);
    /* a first login creates the store */
    store = hc_store_open_sync (dir, exists ? HC_STORE_OPEN_NONE : HC_STORE_OPEN_CREATE,
                                passphrase, NULL, &error);
  }
  if (store == NULL)
    return fail (error);
  if (!hc_sync_login_sync (store, argv[0], opt_user, password, opt_ca_file, NULL, &error))
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "server", argv[0]);
      json_object_set_string_member (o, "user", opt_user);
      print_json_object (o, FALSE);
    }
  else
    g_print ("Logged in to %s as %s\n", argv[0], opt_user);
  return EXIT_SUCCESS;
}

static int
cmd_sync (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(HcSyncEngine) engine = NULL;
  HcSyncStats stats = { 0 };
  HcStoreStatus status = { 0 };
  GError *error = NULL;
  gint64 start;

  if (argc != 0)
    return usage ("sync takes no arguments");
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  engine = hc_sync_engine_new (store);
  if (g_getenv ("HOUSECALL_SYNC_PAGE_SIZE") != NULL)
    g_object_set (engine, "page-size", (guint) atoi (g_getenv ("HOUSECALL_SYNC_PAGE_SIZE")), NULL);
  start = g_get_monotonic_time ();
  if (!hc_sync_engine_sync_sync (engine, &stats, NULL, &error))
    return fail (error);
  if (!hc_store_get_sync_status_sync (store, &status, NULL, &error))
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      json_object_set_int_member (o, "pushed", stats.pushed);
      json_object_set_int_member (o, "rejected", stats.rejected);
      json_object_set_int_member (o, "pulled", stats.pulled);
      json_object_set_int_member (o, "applied", stats.applied);
      json_object_set_int_member (o, "merged", stats.merged);
      json_object_set_int_member (o, "conflicts", status.conflicts);
      json_object_set_int_member (o, "new_conflicts", stats.conflicts);
      json_object_set_int_member (o, "pending", status.pending);
      json_object_set_int_member (o, "requests", stats.requests);
      json_object_set_int_member (o, "bytes", (gint64) stats.bytes);
      json_object_set_int_member (o, "pages", stats.pages);
      json_object_set_boolean_member (o, "resynced", stats.resynced);
      json_object_set_int_member (o, "audit_sent", stats.audit_sent);
      /* the sync itself, without starting the process and unlocking the store */
      json_object_set_double_member (o, "ms", (g_get_monotonic_time () - start) / 1000.0);
      print_json_object (o, FALSE);
    }
  else
    g_print ("Synced: sent %u changesets%s, received %u records (%u merged), %" G_GINT64_FORMAT
             " conflicts, %" G_GINT64_FORMAT " waiting%s\n", stats.pushed,
             stats.rejected ? " (some refused by the server)" : "", stats.pulled, stats.merged,
             status.conflicts, status.pending,
             stats.resynced ? "; the server's database was replaced, so everything was fetched again" : "");
  hc_store_status_clear (&status);
  return EXIT_SUCCESS;
}

static int
cmd_conflicts (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  GError *error = NULL;

  if ((store = open_store (&error)) == NULL)
    return fail (error);
  conflicts = hc_store_list_conflicts_sync (store, opt_all, NULL, &error);
  if (conflicts == NULL)
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, conflicts);
      print_json_node (node, FALSE);
      return EXIT_SUCCESS;
    }
  if (json_array_get_length (conflicts) == 0)
    g_print ("No conflicts.\n");
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *c = json_array_get_object_element (conflicts, i);
      JsonArray *elements = json_object_get_array_member (c, "elements");
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint j = 0; j < json_array_get_length (elements); j++)
        g_string_append_printf (list, "%s%s", j ? ", " : "", json_array_get_string_element (elements, j));
      g_print ("%s  %s  %s%s%s\n", json_object_get_string_member (c, "id"),
               json_object_get_string_member (c, "resource"), list->len ? list->str : "(whole record)",
               json_object_has_member (c, "resolution") ? "  resolved: " : "",
               json_object_has_member (c, "resolution") ? json_object_get_string_member (c, "resolution") : "");
    }
  return EXIT_SUCCESS;
}

static int
cmd_resolve (int argc, char **argv)
{
  g_autoptr(HcStore) store = NULL;
  g_autoptr(JsonObject) merged = NULL;
  HcStoreResolution how;
  GError *error = NULL;

  if (argc != 1 || (opt_take == NULL) == (opt_merged == NULL))
    return usage ("resolve ID --take local|remote, or resolve ID --merged FILE");
  if (opt_take != NULL && strcmp (opt_take, "local") == 0)
    how = HC_STORE_RESOLVE_TAKE_LOCAL;
  else if (opt_take != NULL && strcmp (opt_take, "remote") == 0)
    how = HC_STORE_RESOLVE_TAKE_REMOTE;
  else if (opt_take != NULL)
    return usage ("resolve: --take local or --take remote");
  else
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) node = NULL;
      gsize len = 0;

      how = HC_STORE_RESOLVE_MERGED;
      if (strcmp (opt_merged, "-") == 0)
        {
          g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
          g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();

          if (g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
            return fail (error);
          len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
          text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
        }
      else if (!g_file_get_contents (opt_merged, &text, &len, &error))
        return fail (error);
      node = hc_json_parse (text ? text : "", len, &error);
      if (node == NULL)
        return fail_with (error, NULL);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_printerr ("housecall-cli: %s: not a FHIR resource\n", opt_merged);
          return EXIT_FAILURE;
        }
      merged = json_object_ref (json_node_get_object (node));
    }
  if ((store = open_store (&error)) == NULL)
    return fail (error);
  if (!hc_sync_resolve_conflict_sync (store, argv[0], how, merged, NULL, &error))
    return fail (error);
  if (!opt_json)
    g_print ("Resolved %s; the decision goes to the server with the next sync\n", argv[0]);
  else
    g_print ("{\"resolved\":\"%s\"}\n", argv[0]);
  return EXIT_SUCCESS;
}

static const struct {
  const char *name;
  int (*func) (int argc, char **argv);
} commands[] = {
  { "init", cmd_init },
  { "import", cmd_import },
  { "export", cmd_export },
  { "get", cmd_get },
  { "put", cmd_put },
  { "delete", cmd_delete },
  { "search", cmd_search },
  { "login", cmd_login },
  { "sync", cmd_sync },
  { "status", cmd_status },
  { "conflicts", cmd_conflicts },
  { "resolve", cmd_resolve },
  { "demo-data", cmd_demo_data },
  { "verify", cmd_verify },
  { "change-passphrase", cmd_change_passphrase },
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new ("COMMAND [ARGS…]");
  g_option_context_set_summary (context, "The Housecall headless client.");
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    return usage (error->message);
  if (args[1] == NULL)
    return usage ("which command?");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (args[1], commands[i].name) == 0)
      return commands[i].func (g_strv_length (args) - 2, args + 2);

  {
    g_autofree char *msg = g_strdup_printf ("unknown command '%s'", args[1]);
    return usage (msg);
  }
}
