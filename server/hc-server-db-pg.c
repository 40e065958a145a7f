/* hc-server-db-pg.c: the server's store on PostgreSQL (libpq)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same tables as the SQLite store. The sync cursor is gap-free in commit order although
 * several server processes write at once: a write transaction buffers its versions and, as
 * its last statement, bumps the one-row counter sync_head and inserts every version with a
 * sequence number taken from it. The counter's row lock is held until COMMIT, so the next
 * writer's numbers are only handed out after this transaction is visible: a reader that saw
 * sequence number N has already seen every committed number below N. A naive design (numbers
 * from nextval() taken during the transaction) loses changes: tests prove both with
 * HOUSECALL_TEST_NAIVE_SEQ and HOUSECALL_TEST_COMMIT_DELAY_MS, test-only switches.
 *
 * Writers NOTIFY housecall_changes on commit; hc_server_pg_watch() LISTENs on a second
 * connection watched from the GLib main loop, so a long-poll parked on one process wakes
 * when another commits.
 */

#define G_LOG_DOMAIN "hc-server-db"

#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>
#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-search-params.h"
#include "hc-server-db-pg.h"

#define APPLICATION "housecall-server"
#define SCHEMA_VERSION "2"
#define CHANNEL "housecall_changes"

typedef struct
{
  char    *type;
  char    *id;
  gint64   version;
  char    *last_updated;
  char    *json;         /* NULL: a tombstone */
  HcSearchIndex *index;  /* NULL: a tombstone */
} Pending;

struct _HcServerPg
{
  PGconn      *conn;
  char        *conninfo;
  GHashTable  *prepared;    /* static SQL -> statement name */
  char        *epoch;
  gboolean     in_bulk;
  GPtrArray   *pending;     /* Pending, in write order, of the open transaction */
  GHashTable  *latest;      /* "type/id" -> its newest Pending */
  GHashTable  *known;       /* "type/id" -> its current version, negative: deleted (prefetched) */
  gboolean     naive_seq;   /* test only */
  guint        commit_delay_ms;   /* test only */

  PGconn      *listen_conn;
  guint        listen_id;
  GSourceFunc  changed;
  gpointer     changed_data;
};

/* Row numbers, sort keys and the compartment of each resource, and the other entries of its
 * search index; text that is compared or sorted is COLLATE "C", bytewise as in SQLite. */
#define SCHEMA_SEARCH \
  "ALTER TABLE resource ADD COLUMN rid bigserial UNIQUE," \
  "  ADD COLUMN sort_family text COLLATE \"C\" NOT NULL DEFAULT ''," \
  "  ADD COLUMN sort_given text COLLATE \"C\" NOT NULL DEFAULT ''," \
  "  ADD COLUMN sort_date text COLLATE \"C\" NOT NULL DEFAULT ''," \
  "  ADD COLUMN compartment text;" \
  "CREATE INDEX resource_type ON resource (type, rid);" \
  "CREATE INDEX resource_name ON resource (type, sort_family, sort_given, rid);" \
  "CREATE INDEX resource_date ON resource (type, sort_date, rid);" \
  "CREATE INDEX resource_written ON resource (type, seq);" \
  "CREATE INDEX resource_compartment ON resource (compartment, rid) WHERE compartment IS NOT NULL;" \
  "CREATE TABLE search_index (" \
  "  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL," \
  "  system text COLLATE \"C\" NOT NULL, value text COLLATE \"C\" NOT NULL, lo bigint, hi bigint);" \
  "CREATE INDEX search_value ON search_index (type, param, value, system);" \
  "CREATE INDEX search_date ON search_index (type, param, lo) WHERE lo IS NOT NULL;" \
  "CREATE INDEX search_date_end ON search_index (type, param, hi) WHERE hi IS NOT NULL;" \
  "CREATE INDEX search_rid ON search_index (rid);" \
  "CREATE INDEX history_type ON history (type, seq);"

static const char schema[] =
  "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);"
  /* the sync cursor's counter: one row, bumped last in each write transaction */
  "CREATE TABLE sync_head (one boolean PRIMARY KEY DEFAULT true CHECK (one), head bigint NOT NULL);"
  "INSERT INTO sync_head (head) VALUES (0);"
  "CREATE TABLE resource ("
  "  type text NOT NULL, id text NOT NULL, version bigint NOT NULL, deleted boolean NOT NULL,"
  "  seq bigint NOT NULL, last_updated text NOT NULL, json text, PRIMARY KEY (type, id));"
  "CREATE UNIQUE INDEX resource_seq ON resource (seq);"
  "CREATE TABLE history ("
  "  type text NOT NULL, id text NOT NULL, version bigint NOT NULL, deleted boolean NOT NULL,"
  "  seq bigint NOT NULL UNIQUE, last_updated text NOT NULL, json text,"
  "  PRIMARY KEY (type, id, version));"
  "CREATE TABLE users ("
  "  name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL,"
  "  active boolean NOT NULL DEFAULT true, created_at text NOT NULL);"
  "CREATE TABLE token ("
  "  hash text PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('access', 'refresh')),"
  "  user_name text NOT NULL REFERENCES users (name), expires bigint NOT NULL,"
  "  revoked boolean NOT NULL DEFAULT false);"
  "CREATE TABLE idempotency (key text NOT NULL, user_name text NOT NULL, response text NOT NULL,"
  "  created_at text NOT NULL, PRIMARY KEY (key, user_name));"
  "CREATE TABLE audit_event (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE,"
  "  recorded text NOT NULL, json text NOT NULL);"
  /* failed logins, so that every server process on the database counts them */
  "CREATE TABLE login_failure (key text NOT NULL, at bigint NOT NULL);"
  "CREATE INDEX login_failure_key ON login_failure (key, at);"
  "CREATE INDEX login_failure_at ON login_failure (at);"
  /* only HOUSECALL_TEST_NAIVE_SEQ uses it: the design the tests prove wrong */
  "CREATE SEQUENCE naive_seq;"
  /* schema 2: the search index (hc-search-params.h), as in the SQLite store */
  SCHEMA_SEARCH;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_free (p->type);
  g_free (p->id);
  g_free (p->last_updated);
  g_free (p->json);
  hc_search_index_free (p->index);
  g_free (p);
}

static gboolean
pg_error (HcServerPg  *self,
          PGresult    *res,
          const char  *what,
          GError     **error)
{
  const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *message = res ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  int code = HC_SERVER_ERROR_FAILED;

  if (message == NULL)
    message = PQerrorMessage (self->conn);
  /* unique_violation: another transaction stored the same key first */
  if (g_strcmp0 (state, "23505") == 0)
    code = HC_SERVER_ERROR_EXISTS;
  g_set_error (error, HC_SERVER_ERROR, code, "%s: %s", what, message);
  return FALSE;
}

/* Runs @sql (with @n text parameters) as a prepared statement; NULL and @error on failure. */
static PGresult *
query (HcServerPg         *self,
       const char         *sql,
       int                 n,
       const char * const *params,
       GError            **error)
{
  const char *name = g_hash_table_lookup (self->prepared, sql);
  PGresult *res;
  ExecStatusType status;

  if (PQstatus (self->conn) == CONNECTION_BAD && !self->in_bulk)
    {
      /* the server went away and came back: a new session has no prepared statements */
      PQreset (self->conn);
      g_hash_table_remove_all (self->prepared);
      name = NULL;
    }
  if (name == NULL)
    {
      char *new_name = g_strdup_printf ("hc%u", g_hash_table_size (self->prepared));

      res = PQprepare (self->conn, new_name, sql, 0, NULL);
      if (PQresultStatus (res) != PGRES_COMMAND_OK)
        {
          pg_error (self, res, "prepare", error);
          PQclear (res);
          g_free (new_name);
          return NULL;
        }
      PQclear (res);
      g_hash_table_insert (self->prepared, (gpointer) sql, new_name);
      name = new_name;
    }
  res = PQexecPrepared (self->conn, name, n, (const char * const *) params, NULL, NULL, 0);
  status = PQresultStatus (res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      pg_error (self, res, "database", error);
      PQclear (res);
      return NULL;
    }
  return res;
}

static gboolean
exec (HcServerPg  *self,
      const char  *sql,
      GError     **error)
{
  PGresult *res = PQexec (self->conn, sql);
  gboolean ok = PQresultStatus (res) == PGRES_COMMAND_OK || PQresultStatus (res) == PGRES_TUPLES_OK;

  if (!ok)
    pg_error (self, res, "database", error);
  PQclear (res);
  return ok;
}

/* A statement whose only effect is its success. */
static gboolean
run (HcServerPg         *self,
     const char         *sql,
     int                 n,
     const char * const *params,
     GError            **error)
{
  PGresult *res = query (self, sql, n, params, error);

  PQclear (res);
  return res != NULL;
}

/* The first column of the first row, or NULL. */
static char *
query_text (HcServerPg         *self,
            const char         *sql,
            int                 n,
            const char * const *params,
            GError            **error)
{
  PGresult *res = query (self, sql, n, params, error);
  char *value = NULL;

  if (res && PQntuples (res) > 0 && !PQgetisnull (res, 0, 0))
    value = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  return value;
}

void
hc_server_pg_free (HcServerPg *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->listen_id, g_source_remove);
  g_clear_pointer (&self->listen_conn, PQfinish);
  g_clear_pointer (&self->conn, PQfinish);
  g_clear_pointer (&self->prepared, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->latest, g_hash_table_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_free (self->conninfo);
  g_free (self->epoch);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcServerPg, hc_server_pg_free)

static PGconn *
connect_db (const char  *conninfo,
            GError     **error)
{
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *message = g_strdup (PQerrorMessage (conn));

      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND,
                   "cannot connect to PostgreSQL: %s", g_strchomp (message));
      PQfinish (conn);
      return NULL;
    }
  /* timestamps are text in the schema; keep the session's settings predictable. No JIT: the
   * statements are short, and the row estimates of a write's unnest() arrays would make
   * PostgreSQL compile each one (100 ms and more, every time) */
  PQclear (PQexec (conn, "SET client_min_messages = warning; SET jit = off"));
  /* the JSON of new versions compressed with LZ4, several times cheaper than the default
   * pglz; a PostgreSQL built without LZ4 refuses, and keeps pglz */
  PQclear (PQexec (conn, "SET default_toast_compression = lz4"));
  return conn;
}

/* Creates the schema when the database is empty; refuses a database holding anything else. */
static gboolean
create_schema (HcServerPg  *self,
               GError     **error)
{
  g_autofree char *epoch = hc_fhir_new_id ();
  g_autofree char *ours = NULL;
  g_autofree char *tables = NULL;
  const char *params[] = { epoch };

  if (!exec (self, "BEGIN", error))
    return FALSE;
  /* two init-db at once: one creates, the other finds it done */
  if (!exec (self, "SELECT pg_advisory_xact_lock (4843535356)", error))
    goto fail;
  ours = query_text (self, "SELECT to_regclass ('meta')::text", 0, NULL, error);
  if (ours != NULL)
    return exec (self, "COMMIT", error);
  tables = query_text (self, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = current_schema () AND c.relkind IN ('r', 'v', 'm', 'S', 'p')",
                       0, NULL, error);
  if (tables == NULL)
    goto fail;
  if (strcmp (tables, "0") != 0)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB,
                   "the database holds other tables; give housecall-server an empty database");
      goto fail;
    }
  if (!exec (self, schema, error) ||
      !run (self, "INSERT INTO meta (key, value) VALUES ('application', '" APPLICATION "'), "
                  "('schema_version', '" SCHEMA_VERSION "'), ('epoch', $1)", 1, params, error) ||
      !exec (self, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  PQclear (PQexec (self->conn, "ROLLBACK"));
  return FALSE;
}

static gboolean migrate (HcServerPg  *self,
                         GError     **error);

HcServerPg *
hc_server_pg_open (const char  *conninfo,
                   gboolean     create,
                   GError     **error)
{
  g_autoptr(HcServerPg) self = g_new0 (HcServerPg, 1);
  g_autofree char *schema_table = NULL;
  g_autofree char *app = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GError) local_error = NULL;

  self->prepared = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->pending = g_ptr_array_new_with_free_func (pending_free);
  self->latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->conninfo = g_strdup (conninfo);
  self->naive_seq = g_strcmp0 (g_getenv ("HOUSECALL_TEST_NAIVE_SEQ"), "1") == 0;
  self->commit_delay_ms = (guint) g_ascii_strtoull (g_getenv ("HOUSECALL_TEST_COMMIT_DELAY_MS") ?: "0",
                                                    NULL, 10);
  if ((self->conn = connect_db (conninfo, error)) == NULL)
    return NULL;
  if (create && !create_schema (self, error))
    return NULL;

  schema_table = query_text (self, "SELECT to_regclass ('meta')::text", 0, NULL, NULL);
  if (schema_table == NULL)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND,
                   "the PostgreSQL database has no Housecall schema; create it with "
                   "'housecall-server init-db --postgres CONNINFO'");
      return NULL;
    }
  app = query_text (self, "SELECT value FROM meta WHERE key = 'application'", 0, NULL, NULL);
  version = query_text (self, "SELECT value FROM meta WHERE key = 'schema_version'", 0, NULL, NULL);
  self->epoch = query_text (self, "SELECT value FROM meta WHERE key = 'epoch'", 0, NULL, &local_error);
  if (g_strcmp0 (app, APPLICATION) != 0 || self->epoch == NULL)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB,
                   "the PostgreSQL database is not a Housecall server database");
      return NULL;
    }
  if (g_ascii_strtoll (version, NULL, 10) > g_ascii_strtoll (SCHEMA_VERSION, NULL, 10))
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB,
                   "the PostgreSQL database was written by a newer housecall-server");
      return NULL;
    }
  if (g_ascii_strtoll (version, NULL, 10) < 2 && !migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
hc_server_pg_epoch (HcServerPg *self)
{
  return self->epoch;
}

gint64
hc_server_pg_head (HcServerPg *self)
{
  g_autofree char *head = NULL;

  if (self->naive_seq)
    head = query_text (self, "SELECT COALESCE (max (seq), 0) FROM history", 0, NULL, NULL);
  else
    head = query_text (self, "SELECT head FROM sync_head", 0, NULL, NULL);
  return head ? g_ascii_strtoll (head, NULL, 10) : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Change notifications */

static gboolean
listen_cb (int          fd,
           GIOCondition condition,
           gpointer     data)
{
  HcServerPg *self = data;
  gboolean any = FALSE;
  PGnotify *n;

  if (!PQconsumeInput (self->listen_conn))
    {
      g_warning ("lost the PostgreSQL notification connection; long-polls wake by timeout only");
      self->listen_id = 0;
      return G_SOURCE_REMOVE;
    }
  while ((n = PQnotifies (self->listen_conn)) != NULL)
    {
      any = TRUE;
      PQfreemem (n);
    }
  if (any && self->changed)
    self->changed (self->changed_data);
  return G_SOURCE_CONTINUE;
}

void
hc_server_pg_watch (HcServerPg  *self,
                    GSourceFunc  changed,
                    gpointer     user_data)
{
  g_autoptr(GError) error = NULL;
  PGresult *res;

  self->changed = changed;
  self->changed_data = user_data;
  if (self->listen_conn != NULL)
    return;
  if ((self->listen_conn = connect_db (self->conninfo, &error)) == NULL)
    {
      g_warning ("%s; long-polls wake by timeout only", error->message);
      return;
    }
  res = PQexec (self->listen_conn, "LISTEN " CHANNEL);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_warning ("LISTEN failed; long-polls wake by timeout only");
  PQclear (res);
  PQsetnonblocking (self->listen_conn, 1);
  self->listen_id = g_unix_fd_add (PQsocket (self->listen_conn), G_IO_IN, listen_cb, self);
}

/* ------------------------------------------------------------------------------------------ */
/* Users and tokens */

gboolean
hc_server_pg_add_user (HcServerPg  *self,
                       const char  *name,
                       const char  *role,
                       const char  *password_hash,
                       GError     **error)
{
  g_autofree char *at = hc_server_db_now_instant ();
  const char *params[] = { name, role, password_hash, at };
  g_autoptr(GError) local_error = NULL;

  if (run (self, "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)",
           4, params, &local_error))
    return TRUE;
  if (g_error_matches (local_error, HC_SERVER_ERROR, HC_SERVER_ERROR_EXISTS))
    g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_EXISTS, "user '%s' already exists", name);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
hc_server_pg_get_user (HcServerPg  *self,
                       const char  *name,
                       char       **role,
                       char       **password_hash,
                       GError     **error)
{
  const char *params[] = { name };
  PGresult *res = query (self, "SELECT role, password_hash FROM users WHERE name = $1 AND active",
                         1, params, error);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "no such user");
      return FALSE;
    }
  *role = g_strdup (PQgetvalue (res, 0, 0));
  *password_hash = g_strdup (PQgetvalue (res, 0, 1));
  PQclear (res);
  return TRUE;
}

gboolean
hc_server_pg_add_token (HcServerPg  *self,
                        const char  *token_hash,
                        const char  *kind,
                        const char  *user,
                        gint64       expires_usec,
                        GError     **error)
{
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, expires_usec);
  const char *params[] = { token_hash, kind, user, expires };

  return run (self, "INSERT INTO token (hash, kind, user_name, expires) VALUES ($1, $2, $3, $4)",
              4, params, error);
}

gboolean
hc_server_pg_check_token (HcServerPg  *self,
                          const char  *token_hash,
                          const char  *kind,
                          gint64       now_usec,
                          char       **user,
                          char       **role,
                          GError     **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, now_usec);
  const char *params[] = { token_hash, kind, now };
  PGresult *res = query (self, "SELECT t.user_name, u.role FROM token t JOIN users u ON u.name = t.user_name "
                               "WHERE t.hash = $1 AND t.kind = $2 AND NOT t.revoked AND t.expires > $3 "
                               "AND u.active", 3, params, error);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      PQclear (res);
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_UNAUTHORIZED,
                           "the token is unknown, expired or revoked");
      return FALSE;
    }
  *user = g_strdup (PQgetvalue (res, 0, 0));
  *role = g_strdup (PQgetvalue (res, 0, 1));
  PQclear (res);
  return TRUE;
}

gboolean
hc_server_pg_revoke_token (HcServerPg  *self,
                           const char  *token_hash,
                           GError     **error)
{
  const char *params[] = { token_hash };

  return run (self, "UPDATE token SET revoked = true WHERE hash = $1", 1, params, error);
}

gboolean
hc_server_pg_login_blocked (HcServerPg *self,
                            const char *key,
                            gint64      now_usec,
                            guint       max_failures,
                            gint64      window_usec,
                            gint64     *retry_after_usec)
{
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, now_usec - window_usec);
  g_autofree char *max = g_strdup_printf ("%u", max_failures);
  const char *params[] = { key, since, max };
  PGresult *res = query (self, "SELECT at FROM login_failure WHERE key = $1 AND at > $2 "
                               "ORDER BY at DESC LIMIT $3", 3, params, NULL);
  gboolean blocked = FALSE;

  /* the database unreachable: the process's own limiter still holds */
  if (res == NULL)
    return FALSE;
  if (max_failures > 0 && (guint) PQntuples (res) >= max_failures)
    {
      blocked = TRUE;
      *retry_after_usec = g_ascii_strtoll (PQgetvalue (res, max_failures - 1, 0), NULL, 10) +
                          window_usec - now_usec;
    }
  PQclear (res);
  return blocked;
}

void
hc_server_pg_login_failed (HcServerPg *self,
                           const char *key,
                           gint64      now_usec,
                           gint64      window_usec)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, now_usec);
  g_autofree char *expired = g_strdup_printf ("%" G_GINT64_FORMAT, now_usec - window_usec);
  const char *params[] = { key, now, expired };

  if (self->in_bulk)
    return;
  /* failures older than the window count no more: forgotten here, for every key */
  run (self, "WITH gone AS (DELETE FROM login_failure WHERE at <= $3)"
             " INSERT INTO login_failure (key, at) VALUES ($1, $2)", 3, params, NULL);
}

void
hc_server_pg_login_succeeded (HcServerPg *self,
                              const char *key)
{
  const char *params[] = { key };

  if (!self->in_bulk)
    run (self, "DELETE FROM login_failure WHERE key = $1", 1, params, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Resources */

#define RESOURCE_COLUMNS "type, id, version, deleted, last_updated, json, seq"

/* Row @i of a RESOURCE_COLUMNS query, borrowed from @res. */
static HcServerResource
row_view (PGresult *res,
          int       i)
{
  HcServerResource r = {
    PQgetvalue (res, i, 0), PQgetvalue (res, i, 1),
    g_ascii_strtoll (PQgetvalue (res, i, 2), NULL, 10), PQgetvalue (res, i, 3)[0] == 't',
    PQgetvalue (res, i, 4), PQgetisnull (res, i, 5) ? NULL : PQgetvalue (res, i, 5),
    g_ascii_strtoll (PQgetvalue (res, i, 6), NULL, 10)
  };
  return r;
}

static HcServerResource *
resource_copy (const HcServerResource *view)
{
  HcServerResource *r = g_new0 (HcServerResource, 1);

  *r = *view;
  r->type = g_strdup (view->type);
  r->id = g_strdup (view->id);
  r->last_updated = g_strdup (view->last_updated);
  r->json = g_strdup (view->json);
  return r;
}

static HcServerResource *
resource_from_pending (const Pending *p)
{
  HcServerResource view = { p->type, p->id, p->version, p->json == NULL, p->last_updated, p->json, 0 };

  return resource_copy (&view);
}

static char *
latest_key (const char *type,
            const char *id)
{
  return g_strconcat (type, "/", id, NULL);
}

/* A version written earlier in the open transaction, not yet in the tables. */
static Pending *
find_pending (HcServerPg *self,
              const char *type,
              const char *id,
              gint64      version)
{
  g_autofree char *key = latest_key (type, id);
  Pending *p = g_hash_table_lookup (self->latest, key);

  if (p == NULL || version <= 0 || p->version == version)
    return p;
  for (guint i = 0; i < self->pending->len; i++)
    {
      p = self->pending->pdata[i];
      if (p->version == version && strcmp (p->type, type) == 0 && strcmp (p->id, id) == 0)
        return p;
    }
  return NULL;
}

HcServerResource *
hc_server_pg_read (HcServerPg  *self,
                   const char  *type,
                   const char  *id,
                   gint64       version,
                   GError     **error)
{
  g_autofree char *version_text = g_strdup_printf ("%" G_GINT64_FORMAT, version);
  const char *params[] = { type, id, version_text };
  Pending *p = find_pending (self, type, id, version);
  HcServerResource *r;
  PGresult *res;

  if (p != NULL)
    r = resource_from_pending (p);
  else
    {
      if (version > 0)
        res = query (self, "SELECT " RESOURCE_COLUMNS " FROM history "
                           "WHERE type = $1 AND id = $2 AND version = $3", 3, params, error);
      else
        res = query (self, "SELECT " RESOURCE_COLUMNS " FROM resource WHERE type = $1 AND id = $2",
                     2, params, error);
      if (res == NULL)
        return NULL;
      if (PQntuples (res) == 0)
        {
          PQclear (res);
          g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "%s/%s%s not found", type, id,
                       version > 0 ? " at that version" : "");
          return NULL;
        }
      {
        HcServerResource view = row_view (res, 0);
        r = resource_copy (&view);
      }
      PQclear (res);
    }
  if (r->deleted && version == 0)   /* -1: the latest, tombstone or not */
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_GONE, "%s/%s was deleted", type, id);
      hc_server_resource_free (r);
      return NULL;
    }
  return r;
}

/* The current version and deleted flag (0 when there is none), its row locked until the
 * transaction ends so that two writers of one resource take turns. */
static gboolean
current_version (HcServerPg  *self,
                 const char  *type,
                 const char  *id,
                 gint64      *version,
                 gboolean    *deleted,
                 GError     **error)
{
  const char *params[] = { type, id };
  Pending *p = find_pending (self, type, id, 0);
  PGresult *res;

  *version = 0;
  *deleted = FALSE;
  if (p != NULL)
    {
      *version = p->version;
      *deleted = p->json == NULL;
      return TRUE;
    }
  if (g_hash_table_size (self->known) > 0)
    {
      g_autofree char *key = latest_key (type, id);
      gint64 *known = g_hash_table_lookup (self->known, key);

      if (known != NULL)
        {
          *version = ABS (*known);
          *deleted = *known < 0;
          return TRUE;
        }
    }
  res = query (self, "SELECT version, deleted FROM resource WHERE type = $1 AND id = $2 FOR UPDATE",
               2, params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      *version = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
      *deleted = PQgetvalue (res, 0, 1)[0] == 't';
    }
  PQclear (res);
  return TRUE;
}

/* Appends @value to a PostgreSQL array literal. */
static void
array_append (GString    *array,
              const char *value)
{
  if (array->len > 1)
    g_string_append_c (array, ',');
  if (value == NULL)
    {
      g_string_append (array, "NULL");
      return;
    }
  g_string_append_c (array, '"');
  for (;;)
    {
      gsize plain = strcspn (value, "\"\\");

      g_string_append_len (array, value, plain);
      value += plain;
      if (*value == '\0')
        break;
      g_string_append_c (array, '\\');
      g_string_append_c (array, *value++);
    }
  g_string_append_c (array, '"');
}

/* The last statement of a write transaction: takes the counter (its row lock is held until
 * COMMIT, so commits happen in sequence order), numbers every buffered version from it, stores
 * them, with each resource's sort keys and compartment in its row, and replaces the search
 * index entries of each resource written: one round trip. $2-$11: the versions, in write
 * order; $12-$18: the index entries of each resource's newest version. */
#define FLUSH_VERSIONS \
  " unnest ($2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[]," \
  "         $8::text[], $9::text[], $10::text[], $11::text[])" \
  " WITH ORDINALITY AS t (type, id, version, deleted, last_updated, json, f, g, d, comp, ord)"
#define FLUSH_STORE \
  " h AS (INSERT INTO history (type, id, version, deleted, seq, last_updated, json)" \
  "       SELECT type, id, version, deleted, seq, last_updated, json FROM v)," \
  " r AS (INSERT INTO resource (type, id, version, deleted, seq, last_updated, json," \
  "                             sort_family, sort_given, sort_date, compartment)" \
  "       SELECT DISTINCT ON (type, id) type, id, version, deleted, seq, last_updated, json," \
  "              COALESCE (f, ''), COALESCE (g, ''), COALESCE (d, ''), comp FROM v" \
  "       ORDER BY type, id, seq DESC" \
  "       ON CONFLICT (type, id) DO UPDATE SET version = EXCLUDED.version," \
  "       deleted = EXCLUDED.deleted, seq = EXCLUDED.seq, last_updated = EXCLUDED.last_updated," \
  "       json = EXCLUDED.json, sort_family = EXCLUDED.sort_family," \
  "       sort_given = EXCLUDED.sort_given, sort_date = EXCLUDED.sort_date," \
  "       compartment = EXCLUDED.compartment" \
  "       RETURNING rid, type, id, version)," \
  /* a first version has no entries yet */ \
  " x AS (DELETE FROM search_index WHERE rid = ANY (ARRAY (SELECT rid FROM r WHERE version > 1)))" \
  INDEX_INSERT ("r")
/* the entries ($12-$18: type, id, param, system, value, lo, hi) of the rows of CTE @rows */
#define INDEX_INSERT(rows) \
  " INSERT INTO search_index (rid, type, param, system, value, lo, hi)" \
  " SELECT " rows ".rid, t.type, t.param, t.system, t.value, t.lo, t.hi" \
  " FROM unnest ($12::text[], $13::text[], $14::text[], $15::text[], $16::text[]," \
  "              $17::bigint[], $18::bigint[]) AS t (type, id, param, system, value, lo, hi)" \
  " JOIN " rows " ON " rows ".type = t.type AND " rows ".id = t.id"

static const char flush_sql[] =
  "WITH c AS (UPDATE sync_head SET head = head + $1::bigint RETURNING head - $1::bigint AS base),"
  " v AS (SELECT t.type, t.id, t.version, t.deleted, c.base + t.ord AS seq, t.last_updated, t.json,"
  "       t.f, t.g, t.d, t.comp FROM c," FLUSH_VERSIONS "),"
  FLUSH_STORE;

/* HOUSECALL_TEST_NAIVE_SEQ: numbers from a sequence, no counter lock. Wrong on purpose. */
static const char flush_naive_sql[] =
  "WITH v AS (SELECT t.type, t.id, t.version, t.deleted, nextval ('naive_seq') AS seq,"
  "       t.last_updated, t.json, t.f, t.g, t.d, t.comp FROM" FLUSH_VERSIONS
  "       WHERE $1::bigint > 0 ORDER BY t.ord),"
  FLUSH_STORE;

/* Schema 1 -> 2: the sort keys ($2-$11 as above, only the type, id and keys used) and index
 * entries of what is stored. */
static const char index_rows_sql[] =
  "WITH k AS (UPDATE resource r SET sort_family = t.f, sort_given = t.g, sort_date = t.d,"
  "           compartment = t.comp FROM" FLUSH_VERSIONS
  "           WHERE r.type = t.type AND r.id = t.id AND $1::bigint > 0 RETURNING r.rid, r.type, r.id)"
  INDEX_INSERT ("k");

#define N_VERSION_ARRAYS 10
#define N_ENTRY_ARRAYS 7

/* The parameters of flush_sql (also index_rows_sql) for the open transaction's versions. */
static gboolean
flush_statement (HcServerPg  *self,
                 const char  *sql,
                 GError     **error)
{
  GString *arrays[N_VERSION_ARRAYS + N_ENTRY_ARRAYS];
  GString **entries = arrays + N_VERSION_ARRAYS;
  const char *params[1 + N_VERSION_ARRAYS + N_ENTRY_ARRAYS];
  g_autofree char *n = g_strdup_printf ("%u", self->pending->len);
  GHashTableIter iter;
  gpointer value;
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    arrays[i] = g_string_new ("{");
  for (guint i = 0; i < self->pending->len; i++)
    {
      Pending *p = self->pending->pdata[i];
      char version[24];

      g_snprintf (version, sizeof version, "%" G_GINT64_FORMAT, p->version);
      array_append (arrays[0], p->type);
      array_append (arrays[1], p->id);
      array_append (arrays[2], version);
      array_append (arrays[3], p->json == NULL ? "t" : "f");
      array_append (arrays[4], p->last_updated);
      array_append (arrays[5], p->json);
      array_append (arrays[6], p->index ? p->index->family : NULL);
      array_append (arrays[7], p->index ? p->index->given : NULL);
      array_append (arrays[8], p->index ? p->index->date : NULL);
      array_append (arrays[9], p->index ? p->index->compartment : NULL);
    }
  /* the entries of each resource's newest version only */
  g_hash_table_iter_init (&iter, self->latest);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Pending *p = value;

      for (guint i = 0; p->index != NULL && i < p->index->entries->len; i++)
        {
          const HcSearchEntry *e = &g_array_index (p->index->entries, HcSearchEntry, i);
          gboolean date = strcmp (e->name, "date") == 0 || strcmp (e->name, "birthdate") == 0;
          char lo[24], hi[24];

          g_snprintf (lo, sizeof lo, "%" G_GINT64_FORMAT, e->lo);
          g_snprintf (hi, sizeof hi, "%" G_GINT64_FORMAT, e->hi);
          array_append (entries[0], p->type);
          array_append (entries[1], p->id);
          array_append (entries[2], e->name);
          array_append (entries[3], e->system);
          array_append (entries[4], e->value);
          array_append (entries[5], date ? lo : NULL);
          array_append (entries[6], date ? hi : NULL);
        }
    }
  params[0] = n;
  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    {
      g_string_append_c (arrays[i], '}');
      params[i + 1] = arrays[i]->str;
    }
  ok = run (self, sql, G_N_ELEMENTS (params), params, error);
  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_string_free (arrays[i], TRUE);
  return ok;
}

static gboolean
flush_pending (HcServerPg  *self,
               GError     **error)
{
  if (self->pending->len == 0)
    return TRUE;
  if (!flush_statement (self, self->naive_seq ? flush_naive_sql : flush_sql, error))
    return FALSE;
  /* test only: widen the window between taking the numbers and committing */
  if (self->commit_delay_ms > 0)
    g_usleep (1000 * g_random_int_range (0, (gint32) self->commit_delay_ms + 1));
  return TRUE;
}

gboolean
hc_server_pg_lock_versions (HcServerPg  *self,
                            GPtrArray   *keys,
                            GError     **error)
{
  g_autoptr(GString) types = g_string_new ("{");
  g_autoptr(GString) ids = g_string_new ("{");
  const char *params[2];
  PGresult *res;

  g_return_val_if_fail (self->in_bulk, FALSE);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      const char *slash = strchr (key, '/');
      g_autofree char *type = NULL;

      if (slash == NULL)
        continue;
      type = g_strndup (key, slash - key);
      array_append (types, type);
      array_append (ids, slash + 1);
      /* absent until found */
      g_hash_table_replace (self->known, g_strdup (key), g_memdup2 (&(gint64) { 0 }, sizeof (gint64)));
    }
  g_string_append_c (types, '}');
  g_string_append_c (ids, '}');
  params[0] = types->str;
  params[1] = ids->str;
  res = query (self, "SELECT r.type, r.id, r.version, r.deleted FROM resource r"
                     " JOIN unnest ($1::text[], $2::text[]) AS k (type, id) USING (type, id)"
                     " FOR UPDATE OF r", 2, params, error);
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    {
      gint64 version = g_ascii_strtoll (PQgetvalue (res, i, 2), NULL, 10);

      if (PQgetvalue (res, i, 3)[0] == 't')
        version = -version;
      g_hash_table_replace (self->known, latest_key (PQgetvalue (res, i, 0), PQgetvalue (res, i, 1)),
                            g_memdup2 (&version, sizeof version));
    }
  PQclear (res);
  return TRUE;
}

static void
clear_pending (HcServerPg *self)
{
  g_hash_table_remove_all (self->known);
  g_hash_table_remove_all (self->latest);
  g_ptr_array_set_size (self->pending, 0);
}

/* Schema 1 -> 2: the search index of what is stored. */
static gboolean
migrate (HcServerPg  *self,
         GError     **error)
{
  g_autofree char *version = NULL;
  PGresult *res = NULL;

  if (!exec (self, "BEGIN", error) || !exec (self, "SELECT pg_advisory_xact_lock (4843535356)", error))
    goto fail;
  /* another process may have done it meanwhile */
  version = query_text (self, "SELECT value FROM meta WHERE key = 'schema_version'", 0, NULL, error);
  if (g_strcmp0 (version, "1") != 0)
    return exec (self, "COMMIT", error);
  if (!exec (self, SCHEMA_SEARCH, error))
    goto fail;
  res = PQexec (self->conn, "SELECT type, id, json FROM resource WHERE NOT deleted");
  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      pg_error (self, res, "migrate", error);
      goto fail;
    }
  for (int i = 0; i < PQntuples (res); i++)
    {
      const char *json = PQgetvalue (res, i, 2);
      g_autoptr(JsonNode) node = hc_json_parse (json, strlen (json), NULL);
      Pending *p;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      p = g_new0 (Pending, 1);
      p->type = g_strdup (PQgetvalue (res, i, 0));
      p->id = g_strdup (PQgetvalue (res, i, 1));
      p->index = hc_search_index_resource (json_node_get_object (node));
      g_ptr_array_add (self->pending, p);
      g_hash_table_replace (self->latest, latest_key (p->type, p->id), p);
    }
  g_clear_pointer (&res, PQclear);
  if ((self->pending->len > 0 && !flush_statement (self, index_rows_sql, error)) ||
      !exec (self, "UPDATE meta SET value = '" SCHEMA_VERSION "' WHERE key = 'schema_version'", error) ||
      !exec (self, "COMMIT", error))
    goto fail;
  clear_pending (self);
  g_message ("database migrated to schema " SCHEMA_VERSION);
  return TRUE;

fail:
  g_clear_pointer (&res, PQclear);
  clear_pending (self);
  PQclear (PQexec (self->conn, "ROLLBACK"));
  return FALSE;
}

static gboolean
commit (HcServerPg  *self,
        GError     **error)
{
  gboolean wrote = self->pending->len > 0;
  gboolean ok = flush_pending (self, error) &&
                exec (self, wrote ? "NOTIFY " CHANNEL "; COMMIT" : "COMMIT", error);

  clear_pending (self);
  if (!ok)
    PQclear (PQexec (self->conn, "ROLLBACK"));
  return ok;
}

static void
rollback (HcServerPg *self)
{
  clear_pending (self);
  PQclear (PQexec (self->conn, "ROLLBACK"));
}

HcServerResource *
hc_server_pg_store (HcServerPg  *self,
                    const char  *type,
                    const char  *id,
                    JsonObject  *resource,
                    gint64       if_match,
                    gboolean     if_none_match,
                    GError     **error)
{
  gboolean deleted;
  gint64 version;
  Pending *p;

  if (!self->in_bulk && !exec (self, "BEGIN", error))
    return NULL;
  if (!current_version (self, type, id, &version, &deleted, error))
    goto fail;
  if (resource == NULL && version == 0)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "%s/%s not found", type, id);
      goto fail;
    }
  if (if_none_match && version > 0 && !deleted)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_EXISTS, "%s/%s already exists", type, id);
      goto fail;
    }
  if (if_match > 0 && if_match != version)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_VERSION,
                   "%s/%s is at version %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT, type, id,
                   version, if_match);
      goto fail;
    }
  if (resource == NULL && deleted)
    {
      /* deleting what is deleted: nothing to do (FHIR: success) */
      if (!self->in_bulk)
        rollback (self);
      return hc_server_pg_read (self, type, id, version, error);
    }

  p = g_new0 (Pending, 1);
  p->type = g_strdup (type);
  p->id = g_strdup (id);
  p->version = version + 1;
  p->last_updated = hc_server_db_now_instant ();
  if (resource != NULL)
    {
      hc_server_db_stamp (resource, p->version, p->last_updated);
      p->json = hc_json_object_to_string (resource, FALSE);
      p->index = hc_search_index_resource (resource);
    }
  g_ptr_array_add (self->pending, p);
  g_hash_table_replace (self->latest, latest_key (type, id), p);

  {
    HcServerResource *r = resource_from_pending (p);

    if (!self->in_bulk && !commit (self, error))
      {
        hc_server_resource_free (r);
        return NULL;
      }
    return r;
  }

fail:
  if (!self->in_bulk)
    rollback (self);
  return NULL;
}

gboolean
hc_server_pg_begin (HcServerPg  *self,
                    GError     **error)
{
  g_return_val_if_fail (!self->in_bulk, FALSE);

  if (!exec (self, "BEGIN", error))
    return FALSE;
  self->in_bulk = TRUE;
  return TRUE;
}

gboolean
hc_server_pg_commit (HcServerPg  *self,
                     GError     **error)
{
  g_return_val_if_fail (self->in_bulk, FALSE);

  self->in_bulk = FALSE;
  return commit (self, error);
}

void
hc_server_pg_rollback (HcServerPg *self)
{
  if (!self->in_bulk)
    return;
  self->in_bulk = FALSE;
  rollback (self);
}

char *
hc_server_pg_get_outcome (HcServerPg *self,
                          const char *key,
                          const char *user)
{
  const char *params[] = { key, user };

  return query_text (self, "SELECT response FROM idempotency WHERE key = $1 AND user_name = $2",
                     2, params, NULL);
}

gboolean
hc_server_pg_put_outcome (HcServerPg  *self,
                          const char  *key,
                          const char  *user,
                          const char  *response,
                          GError     **error)
{
  g_autofree char *at = hc_server_db_now_instant ();
  const char *params[] = { key, user, response, at };

  /* a second process applying the same changeset at once fails here and rolls back */
  return run (self, "INSERT INTO idempotency (key, user_name, response, created_at) "
                    "VALUES ($1, $2, $3, $4)", 4, params, error);
}

gboolean
hc_server_pg_add_audit (HcServerPg  *self,
                        const char  *id,
                        const char  *recorded,
                        const char  *json,
                        GError     **error)
{
  const char *params[] = { id, recorded, json };

  return run (self, "INSERT INTO audit_event (id, recorded, json) VALUES ($1, $2, $3)",
              3, params, error);
}

gboolean
hc_server_pg_add_audit_once (HcServerPg  *self,
                             const char  *id,
                             const char  *recorded,
                             const char  *json,
                             gboolean    *added,
                             GError     **error)
{
  const char *params[] = { id, recorded, json };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *row = query_text (self, "INSERT INTO audit_event (id, recorded, json) "
                                           "VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING "
                                           "RETURNING 1", 3, params, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *added = row != NULL;
  return TRUE;
}

char *
hc_server_pg_claim_audit_source (HcServerPg  *self,
                                 const char  *source,
                                 const char  *user,
                                 GError     **error)
{
  g_autofree char *key = g_strconcat ("audit-source:", source, NULL);
  const char *params[] = { key, user };

  if (!run (self, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            2, params, error))
    return NULL;
  return query_text (self, "SELECT value FROM meta WHERE key = $1", 1, params, error);
}

char *
hc_server_pg_read_audit (HcServerPg  *self,
                         const char  *id,
                         GError     **error)
{
  const char *params[] = { id };
  g_autoptr(GError) local_error = NULL;
  char *json = query_text (self, "SELECT json FROM audit_event WHERE id = $1", 1, params, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (json == NULL)
    g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "AuditEvent/%s not found", id);
  return json;
}

/* Calls @each for every row of a RESOURCE_COLUMNS result until it returns FALSE. */
static gboolean
each_row (PGresult           *res,
          HcServerChangeFunc  each,
          gpointer            user_data)
{
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    {
      HcServerResource r = row_view (res, i);
      if (!each (&r, user_data))
        break;
    }
  PQclear (res);
  return TRUE;
}

gboolean
hc_server_pg_changes (HcServerPg          *self,
                      gint64               after,
                      gboolean             snapshot,
                      guint                limit,
                      HcServerChangeFunc   each,
                      gpointer             user_data,
                      GError             **error)
{
  g_autofree char *after_text = g_strdup_printf ("%" G_GINT64_FORMAT, after);
  g_autofree char *limit_text = g_strdup_printf ("%u", limit);
  const char *params[] = { after_text, limit_text };
  PGresult *res;

  if (snapshot)
    res = query (self, "SELECT " RESOURCE_COLUMNS " FROM resource "
                       "WHERE seq > $1 AND NOT deleted ORDER BY seq LIMIT $2", 2, params, error);
  else
    res = query (self, "SELECT " RESOURCE_COLUMNS " FROM resource "
                       "WHERE seq > $1 ORDER BY seq LIMIT $2", 2, params, error);
  return each_row (res, each, user_data);
}

gboolean
hc_server_pg_query (HcServerPg          *self,
                    HcServerQuery       *q,
                    HcServerSearchFunc   each,
                    gpointer             user_data,
                    GError             **error)
{
  PGresult *res = PQexecParams (self->conn, q->sql->str, (int) q->values->len, NULL,
                                (const char * const *) q->values->pdata, NULL, NULL, 0);

  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      pg_error (self, res, "search", error);
      PQclear (res);
      return FALSE;
    }
  for (int i = 0; i < PQntuples (res); i++)
    {
      HcServerResource r = row_view (res, i);
      HcServerSearchRow row = { &r, g_ascii_strtoll (PQgetvalue (res, i, 7), NULL, 10), { NULL } };

      for (guint k = 0; k < q->n_keys; k++)
        row.keys[k] = PQgetvalue (res, i, 8 + (int) k);
      if (!each (&row, user_data))
        break;
    }
  PQclear (res);
  return TRUE;
}
