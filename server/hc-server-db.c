/* hc-server-db.c: the server's store (SQLite)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-server-db"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-search-params.h"
#include "hc-server-db.h"
#include "hc-server-db-pg.h"

#define APPLICATION_ID 0x48435356   /* "HCSV" */
#define SCHEMA_VERSION 2

G_DEFINE_QUARK (hc-server-error, hc_server_error)

struct _HcServerDb
{
  HcServerPg *pg;       /* the PostgreSQL store; NULL: SQLite */
  sqlite3    *db;
  GHashTable *stmts;   /* static SQL -> sqlite3_stmt */
  char       *epoch;
  gboolean    in_bulk;  /* hc_server_db_begin(): writes join one transaction */
  gboolean    unsynced; /* deferred sync: a commit may not be on disk yet */

  /* deferred sync: WAL checkpoints run on a thread of their own */
  char       *path;
  GThread    *checkpointer;
  GMutex      checkpoint_lock;
  GCond       checkpoint_cond;
  gboolean    checkpoint_wanted;
  gboolean    checkpoint_stop;
};

/* WAL pages after which a checkpoint is started (SQLite's default for its own) */
#define CHECKPOINT_PAGES 1000

static const char schema[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE history ("
  "  type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL UNIQUE, last_updated TEXT NOT NULL, json TEXT,"
  "  PRIMARY KEY (type, id, version));"
  "CREATE TABLE user ("
  "  name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,"
  "  active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);"
  "CREATE TABLE token ("
  "  hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
  "  user TEXT NOT NULL REFERENCES user (name), expires INTEGER NOT NULL,"
  "  revoked INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE idempotency (key TEXT NOT NULL, user TEXT NOT NULL, response TEXT NOT NULL,"
  "  created_at TEXT NOT NULL, PRIMARY KEY (key, user));"
  /* the server's own record of who did what: AuditEvents, never synced, never PHI */
  "CREATE TABLE audit_event (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
  "  recorded TEXT NOT NULL, json TEXT NOT NULL);";

/* Schema 2: the current version of each resource with its search index (hc-search-params.h):
 * sort keys and patient compartment in the row, the other entries in search_index. */
static const char schema_resource[] =
  "CREATE TABLE resource ("
  "  rid INTEGER PRIMARY KEY,"
  "  type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL, last_updated TEXT NOT NULL, json TEXT,"
  "  sort_family TEXT NOT NULL DEFAULT '', sort_given TEXT NOT NULL DEFAULT '',"
  "  sort_date TEXT NOT NULL DEFAULT '', compartment TEXT,"
  "  UNIQUE (type, id));"
  "CREATE UNIQUE INDEX resource_seq ON resource (seq);"
  "CREATE INDEX resource_type ON resource (type);"
  "CREATE INDEX resource_name ON resource (type, sort_family, sort_given);"
  "CREATE INDEX resource_date ON resource (type, sort_date);"
  "CREATE INDEX resource_written ON resource (type, seq);"
  "CREATE INDEX resource_compartment ON resource (compartment) WHERE compartment IS NOT NULL;"
  /* clustered by row: a new resource's entries go at the end, and its old ones are one
   * range to delete */
  "CREATE TABLE search_index ("
  "  rid INTEGER NOT NULL, n INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,"
  "  system TEXT NOT NULL, value TEXT NOT NULL, lo INTEGER, hi INTEGER,"
  "  PRIMARY KEY (rid, n)) WITHOUT ROWID;"
  "CREATE INDEX search_value ON search_index (type, param, value, system);"
  "CREATE INDEX search_date ON search_index (type, param, lo) WHERE lo IS NOT NULL;"
  "CREATE INDEX search_date_end ON search_index (type, param, hi) WHERE hi IS NOT NULL;"
  "CREATE INDEX history_type ON history (type, seq);";

void
hc_server_resource_free (HcServerResource *r)
{
  if (r == NULL)
    return;
  g_free (r->type);
  g_free (r->id);
  g_free (r->last_updated);
  g_free (r->json);
  g_free (r);
}

static gboolean
sql_error (HcServerDb  *self,
           const char  *what,
           GError     **error)
{
  g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED, "%s: %s", what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (HcServerDb  *self,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sql_error (self, "database", error);
  return TRUE;
}

static sqlite3_stmt *
stmt (HcServerDb  *self,
      const char  *sql,
      GError     **error)
{
  sqlite3_stmt *s = g_hash_table_lookup (self->stmts, sql);

  if (s != NULL)
    {
      sqlite3_reset (s);
      sqlite3_clear_bindings (s);
      return s;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
    {
      sql_error (self, "prepare", error);
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer) sql, s);
  return s;
}

static gboolean
step_done (HcServerDb   *self,
           sqlite3_stmt *s,
           GError      **error)
{
  int rc = sqlite3_step (s);

  sqlite3_reset (s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return sql_error (self, "database", error);
  return TRUE;
}

static int
pragma_int (HcServerDb *self,
            const char *sql)
{
  sqlite3_stmt *s = NULL;
  int value = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step (s) == SQLITE_ROW)
    value = sqlite3_column_int (s, 0);
  sqlite3_finalize (s);
  return value;
}

static void
finalize_stmt (gpointer data)
{
  sqlite3_finalize (data);
}

static void checkpointer_stop (HcServerDb *self);

void
hc_server_db_free (HcServerDb *self)
{
  if (self == NULL)
    return;
  checkpointer_stop (self);
  g_free (self->path);
  g_clear_pointer (&self->pg, hc_server_pg_free);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->db)
    sqlite3_close_v2 (self->db);
  g_free (self->epoch);
  g_free (self);
}

/* Inside a transaction: the search index of row @rid (@index NULL: a tombstone, which has
 * none). @fresh: the row has no entries yet. @keys: also set the row's sort keys and
 * compartment (store_version() writes them with the row). */
static gboolean
store_index (HcServerDb     *self,
             gint64          rid,
             const char     *type,
             HcSearchIndex  *index,
             gboolean        fresh,
             gboolean        keys,
             GError        **error)
{
  sqlite3_stmt *s;

  if (!fresh)
    {
      if ((s = stmt (self, "DELETE FROM search_index WHERE rid = ?", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (s, 1, rid);
      if (!step_done (self, s, error))
        return FALSE;
    }
  if (index == NULL)
    return TRUE;
  if (keys)
    {
      s = stmt (self, "UPDATE resource SET sort_family = ?, sort_given = ?, sort_date = ?, "
                      "compartment = ? WHERE rid = ?", error);
      if (s == NULL)
        return FALSE;
      sqlite3_bind_text (s, 1, index->family, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 2, index->given, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 3, index->date, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 4, index->compartment, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 5, rid);
      if (!step_done (self, s, error))
        return FALSE;
    }
  for (guint i = 0; i < index->entries->len; i++)
    {
      const HcSearchEntry *e = &g_array_index (index->entries, HcSearchEntry, i);
      gboolean date = strcmp (e->name, "date") == 0 || strcmp (e->name, "birthdate") == 0;

      s = stmt (self, "INSERT INTO search_index (rid, n, type, param, system, value, lo, hi) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
      if (s == NULL)
        return FALSE;
      sqlite3_bind_int64 (s, 1, rid);
      sqlite3_bind_int (s, 2, (int) i);
      sqlite3_bind_text (s, 3, type, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 4, e->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 5, e->system, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 6, e->value, -1, SQLITE_STATIC);
      if (date)
        {
          sqlite3_bind_int64 (s, 7, e->lo);
          sqlite3_bind_int64 (s, 8, e->hi);
        }
      if (!step_done (self, s, error))
        return FALSE;
    }
  return TRUE;
}

/* Schema 1 -> 2: row numbers, sort keys and the search index for what is stored. */
static gboolean
migrate (HcServerDb  *self,
         GError     **error)
{
  g_autofree char *set = g_strdup_printf ("PRAGMA user_version = %d;", SCHEMA_VERSION);
  sqlite3_stmt *rows = NULL;
  int rc;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!exec (self, "DROP INDEX resource_seq; ALTER TABLE resource RENAME TO resource_v1;", error) ||
      !exec (self, schema_resource, error) ||
      !exec (self, "INSERT INTO resource (type, id, version, deleted, seq, last_updated, json) "
                   "SELECT type, id, version, deleted, seq, last_updated, json FROM resource_v1 "
                   "ORDER BY seq; DROP TABLE resource_v1;", error) ||
      sqlite3_prepare_v2 (self->db, "SELECT rid, type, json FROM resource WHERE NOT deleted", -1,
                          &rows, NULL) != SQLITE_OK)
    goto fail;
  while ((rc = sqlite3_step (rows)) == SQLITE_ROW)
    {
      const char *json = (const char *) sqlite3_column_text (rows, 2);
      g_autoptr(JsonNode) node = json ? hc_json_parse (json, strlen (json), NULL) : NULL;

      g_autoptr(HcSearchIndex) index = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      index = hc_search_index_resource (json_node_get_object (node));
      if (!store_index (self, sqlite3_column_int64 (rows, 0),
                        (const char *) sqlite3_column_text (rows, 1), index, TRUE, TRUE, error))
        goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      sql_error (self, "migrate", error);
      goto fail;
    }
  sqlite3_finalize (rows);
  rows = NULL;
  if (!exec (self, set, error) || !exec (self, "COMMIT", error))
    goto fail;
  g_message ("database migrated to schema %d", SCHEMA_VERSION);
  return TRUE;

fail:
  sqlite3_finalize (rows);
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

HcServerDb *
hc_server_db_open (const char  *path,
                   gboolean     create,
                   GError     **error)
{
  g_autoptr(HcServerDb) self = g_new0 (HcServerDb, 1);
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  sqlite3_stmt *s;

  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  self->path = g_strdup (path);
  if (!exists && !create)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND,
                   "no database at %s; create one with 'housecall-server init-db'", path);
      return NULL;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      sql_error (self, path, error);
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);

  if (exists)
    {
      if (pragma_int (self, "PRAGMA application_id") != APPLICATION_ID)
        {
          g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB,
                       "%s is not a Housecall server database", path);
          return NULL;
        }
      if (pragma_int (self, "PRAGMA user_version") > SCHEMA_VERSION)
        {
          g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB,
                       "%s was written by a newer housecall-server", path);
          return NULL;
        }
    }
  /* 64 MB of page cache: the search indexes take writes all over their B-trees */
  if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;"
                   "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;", error))
    return NULL;

  if (pragma_int (self, "PRAGMA user_version") < 1)
    {
      g_autofree char *epoch = hc_fhir_new_id ();
      g_autofree char *set = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d;",
                                              APPLICATION_ID, SCHEMA_VERSION);

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return NULL;
      if (!exec (self, schema, error) || !exec (self, schema_resource, error) ||
          !exec (self, set, error) ||
          (s = stmt (self, "INSERT INTO meta (key, value) VALUES ('epoch', ?)", error)) == NULL ||
          (sqlite3_bind_text (s, 1, epoch, -1, SQLITE_STATIC), !step_done (self, s, error)) ||
          !exec (self, "COMMIT", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return NULL;
        }
    }
  else if (pragma_int (self, "PRAGMA user_version") < SCHEMA_VERSION && !migrate (self, error))
    return NULL;

  s = stmt (self, "SELECT value FROM meta WHERE key = 'epoch'", error);
  if (s == NULL)
    return NULL;
  if (sqlite3_step (s) == SQLITE_ROW)
    self->epoch = g_strdup ((const char *) sqlite3_column_text (s, 0));
  sqlite3_reset (s);
  if (self->epoch == NULL)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_A_DB, "%s has no epoch", path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

HcServerDb *
hc_server_db_open_postgres (const char  *conninfo,
                            gboolean     create,
                            GError     **error)
{
  g_autoptr(HcServerDb) self = g_new0 (HcServerDb, 1);

  if ((self->pg = hc_server_pg_open (conninfo, create, error)) == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
hc_server_db_watch (HcServerDb  *self,
                    GSourceFunc  changed,
                    gpointer     user_data)
{
  /* one SQLite database has one server process, which wakes its own waiters */
  if (self->pg)
    hc_server_pg_watch (self->pg, changed, user_data);
}

const char *
hc_server_db_epoch (HcServerDb *self)
{
  if (self->pg)
    return hc_server_pg_epoch (self->pg);
  return self->epoch;
}

gint64
hc_server_db_head (HcServerDb *self)
{
  if (self->pg)
    return hc_server_pg_head (self->pg);
  sqlite3_stmt *s = stmt (self, "SELECT COALESCE(MAX(seq), 0) FROM history", NULL);
  gint64 head = 0;

  if (s && sqlite3_step (s) == SQLITE_ROW)
    head = sqlite3_column_int64 (s, 0);
  if (s)
    sqlite3_reset (s);
  return head;
}

/* ------------------------------------------------------------------------------------------ */
/* Users and tokens */

gboolean
hc_server_db_add_user (HcServerDb  *self,
                       const char  *name,
                       const char  *role,
                       const char  *password_hash,
                       GError     **error)
{
  if (self->pg)
    return hc_server_pg_add_user (self->pg, name, role, password_hash, error);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format_iso8601 (now);
  sqlite3_stmt *s = stmt (self, "INSERT INTO user (name, role, password_hash, created_at) "
                                "VALUES (?, ?, ?, ?)", error);
  int rc;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, role, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, password_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, at, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_EXISTS, "user '%s' already exists", name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return sql_error (self, "user", error);
  return TRUE;
}

gboolean
hc_server_db_get_user (HcServerDb  *self,
                       const char  *name,
                       char       **role,
                       char       **password_hash,
                       GError     **error)
{
  if (self->pg)
    return hc_server_pg_get_user (self->pg, name, role, password_hash, error);
  sqlite3_stmt *s = stmt (self, "SELECT role, password_hash FROM user WHERE name = ? AND active",
                          error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      sqlite3_reset (s);
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "no such user");
      return FALSE;
    }
  *role = g_strdup ((const char *) sqlite3_column_text (s, 0));
  *password_hash = g_strdup ((const char *) sqlite3_column_text (s, 1));
  sqlite3_reset (s);
  return TRUE;
}

gboolean
hc_server_db_add_token (HcServerDb  *self,
                        const char  *token_hash,
                        const char  *kind,
                        const char  *user,
                        gint64       expires_usec,
                        GError     **error)
{
  if (self->pg)
    return hc_server_pg_add_token (self->pg, token_hash, kind, user, expires_usec, error);
  sqlite3_stmt *s = stmt (self, "INSERT INTO token (hash, kind, user, expires) VALUES (?, ?, ?, ?)",
                          error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 4, expires_usec);
  return step_done (self, s, error);
}

gboolean
hc_server_db_check_token (HcServerDb  *self,
                          const char  *token_hash,
                          const char  *kind,
                          gint64       now_usec,
                          char       **user,
                          char       **role,
                          GError     **error)
{
  if (self->pg)
    return hc_server_pg_check_token (self->pg, token_hash, kind, now_usec, user, role, error);
  sqlite3_stmt *s = stmt (self, "SELECT t.user, u.role FROM token t JOIN user u ON u.name = t.user "
                                "WHERE t.hash = ? AND t.kind = ? AND NOT t.revoked AND t.expires > ? "
                                "AND u.active", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 3, now_usec);
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      sqlite3_reset (s);
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_UNAUTHORIZED,
                           "the token is unknown, expired or revoked");
      return FALSE;
    }
  *user = g_strdup ((const char *) sqlite3_column_text (s, 0));
  *role = g_strdup ((const char *) sqlite3_column_text (s, 1));
  sqlite3_reset (s);
  return TRUE;
}

gboolean
hc_server_db_revoke_token (HcServerDb  *self,
                           const char  *token_hash,
                           GError     **error)
{
  if (self->pg)
    return hc_server_pg_revoke_token (self->pg, token_hash, error);
  sqlite3_stmt *s = stmt (self, "UPDATE token SET revoked = 1 WHERE hash = ?", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, token_hash, -1, SQLITE_STATIC);
  return step_done (self, s, error);
}

gboolean
hc_server_db_login_blocked (HcServerDb *self,
                            const char *key,
                            gint64      now_usec,
                            guint       max_failures,
                            gint64      window_usec,
                            gint64     *retry_after_usec)
{
  if (self->pg)
    return hc_server_pg_login_blocked (self->pg, key, now_usec, max_failures, window_usec,
                                       retry_after_usec);
  return FALSE;
}

void
hc_server_db_login_failed (HcServerDb *self,
                           const char *key,
                           gint64      now_usec,
                           gint64      window_usec)
{
  if (self->pg)
    hc_server_pg_login_failed (self->pg, key, now_usec, window_usec);
}

void
hc_server_db_login_succeeded (HcServerDb *self,
                              const char *key)
{
  if (self->pg)
    hc_server_pg_login_succeeded (self->pg, key);
}

/* ------------------------------------------------------------------------------------------ */
/* Resources */

/* The current row of a "type, id, version, deleted, last_updated, json, seq" query, borrowed:
 * valid until the statement steps on. */
static HcServerResource
row_view (sqlite3_stmt *s)
{
  HcServerResource r = {
    (char *) sqlite3_column_text (s, 0), (char *) sqlite3_column_text (s, 1),
    sqlite3_column_int64 (s, 2), sqlite3_column_int (s, 3) != 0,
    (char *) sqlite3_column_text (s, 4), (char *) sqlite3_column_text (s, 5),
    sqlite3_column_int64 (s, 6)
  };
  return r;
}

static HcServerResource *
resource_from_row (sqlite3_stmt *s)
{
  HcServerResource view = row_view (s);
  HcServerResource *r = g_new0 (HcServerResource, 1);

  *r = view;
  r->type = g_strdup (view.type);
  r->id = g_strdup (view.id);
  r->last_updated = g_strdup (view.last_updated);
  r->json = g_strdup (view.json);
  return r;
}

HcServerResource *
hc_server_db_read (HcServerDb  *self,
                   const char  *type,
                   const char  *id,
                   gint64       version,
                   GError     **error)
{
  if (self->pg)
    return hc_server_pg_read (self->pg, type, id, version, error);
  sqlite3_stmt *s;
  HcServerResource *r;

  if (version > 0)
    s = stmt (self, "SELECT type, id, version, deleted, last_updated, json, seq FROM history "
                    "WHERE type = ?1 AND id = ?2 AND version = ?3", error);
  else
    s = stmt (self, "SELECT type, id, version, deleted, last_updated, json, seq FROM resource "
                    "WHERE type = ?1 AND id = ?2", error);
  if (s == NULL)
    return NULL;
  sqlite3_bind_text (s, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, id, -1, SQLITE_STATIC);
  if (version > 0)
    sqlite3_bind_int64 (s, 3, version);
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      sqlite3_reset (s);
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "%s/%s%s not found", type, id,
                   version > 0 ? " at that version" : "");
      return NULL;
    }
  r = resource_from_row (s);
  sqlite3_reset (s);
  if (r->deleted && version == 0)   /* -1: the latest, tombstone or not */
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_GONE, "%s/%s was deleted", type, id);
      hc_server_resource_free (r);
      return NULL;
    }
  return r;
}

char *
hc_server_db_now_instant (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* Sets meta.versionId and meta.lastUpdated. */
void
hc_server_db_stamp (JsonObject *resource,
                    gint64      version,
                    const char *at)
{
  g_autofree char *version_text = g_strdup_printf ("%" G_GINT64_FORMAT, version);
  JsonObject *meta = hc_json_get_object (resource, "meta");

  if (meta == NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (resource, "meta", meta);
    }
  json_object_set_string_member (meta, "versionId", version_text);
  json_object_set_string_member (meta, "lastUpdated", at);
}

/* Inside a transaction: stores version @version of @type/@id (@json NULL: a tombstone). */
static HcServerResource *
store_version (HcServerDb  *self,
               const char  *type,
               const char  *id,
               gint64       version,
               JsonObject  *resource,
               GError     **error)
{
  g_autofree char *at = hc_server_db_now_instant ();
  g_autofree char *json = NULL;
  gint64 seq = hc_server_db_head (self) + 1;
  g_autoptr(HcSearchIndex) index = NULL;
  HcServerResource *r;
  sqlite3_stmt *s;

  if (resource != NULL)
    {
      hc_server_db_stamp (resource, version, at);
      json = hc_json_object_to_string (resource, FALSE);
    }

  if (resource != NULL)
    index = hc_search_index_resource (resource);
  s = stmt (self, "INSERT INTO resource (type, id, version, deleted, seq, last_updated, json, "
                  "sort_family, sort_given, sort_date, compartment) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (type, id) "
                  "DO UPDATE SET version = ?3, deleted = ?4, seq = ?5, last_updated = ?6, "
                  "json = ?7, sort_family = ?8, sort_given = ?9, sort_date = ?10, "
                  "compartment = ?11 RETURNING rid", error);
  if (s == NULL)
    return NULL;
  for (int pass = 0; pass < 2; pass++)
    {
      sqlite3_bind_text (s, 1, type, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 3, version);
      sqlite3_bind_int (s, 4, resource == NULL);
      sqlite3_bind_int64 (s, 5, seq);
      sqlite3_bind_text (s, 6, at, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 7, json, -1, SQLITE_STATIC);
      if (pass == 0)
        {
          sqlite3_bind_text (s, 8, index ? index->family : "", -1, SQLITE_STATIC);
          sqlite3_bind_text (s, 9, index ? index->given : "", -1, SQLITE_STATIC);
          sqlite3_bind_text (s, 10, index ? index->date : "", -1, SQLITE_STATIC);
          sqlite3_bind_text (s, 11, index ? index->compartment : NULL, -1, SQLITE_STATIC);
        }
      if (pass == 0)
        {
          gint64 rid = sqlite3_step (s) == SQLITE_ROW ? sqlite3_column_int64 (s, 0) : 0;

          sqlite3_reset (s);
          if (rid == 0)
            {
              sql_error (self, "store", error);
              return NULL;
            }
          if (!store_index (self, rid, type, index, version == 1, FALSE, error))
            return NULL;
        }
      else if (!step_done (self, s, error))
        return NULL;
      if (pass == 0 &&
          (s = stmt (self, "INSERT INTO history (type, id, version, deleted, seq, last_updated, json) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error)) == NULL)
        return NULL;
    }

  r = g_new0 (HcServerResource, 1);
  r->type = g_strdup (type);
  r->id = g_strdup (id);
  r->seq = seq;
  r->version = version;
  r->deleted = resource == NULL;
  r->last_updated = g_steal_pointer (&at);
  r->json = g_steal_pointer (&json);
  return r;
}

/* The current version and deleted flag, or 0. */
static gint64
current_version (HcServerDb *self,
                 const char *type,
                 const char *id,
                 gboolean   *deleted)
{
  sqlite3_stmt *s = stmt (self, "SELECT version, deleted FROM resource WHERE type = ? AND id = ?",
                          NULL);
  gint64 version = 0;

  *deleted = FALSE;
  if (s == NULL)
    return 0;
  sqlite3_bind_text (s, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (s) == SQLITE_ROW)
    {
      version = sqlite3_column_int64 (s, 0);
      *deleted = sqlite3_column_int (s, 1) != 0;
    }
  sqlite3_reset (s);
  return version;
}

HcServerResource *
hc_server_db_write (HcServerDb  *self,
                    JsonObject  *resource,
                    gint64       if_match,
                    gboolean     if_none_match,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *type, *id;
  HcServerResource *r;
  gboolean deleted;
  gint64 version;

  if (!hc_fhir_validate (resource, &local_error))
    {
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID, local_error->message);
      return NULL;
    }
  type = hc_json_get_string (resource, "resourceType");
  id = hc_json_get_string (resource, "id");
  g_return_val_if_fail (id != NULL, NULL);
  if (self->pg)
    return hc_server_pg_store (self->pg, type, id, resource, if_match, if_none_match, error);

  if (!self->in_bulk && !exec (self, "BEGIN IMMEDIATE", error))
    return NULL;
  version = current_version (self, type, id, &deleted);
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
  r = store_version (self, type, id, version + 1, resource, error);
  if (r == NULL || (!self->in_bulk && !exec (self, "COMMIT", error)))
    {
      hc_server_resource_free (r);
      goto fail;
    }
  return r;

fail:
  if (!self->in_bulk)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return NULL;
}

HcServerResource *
hc_server_db_delete (HcServerDb  *self,
                     const char  *type,
                     const char  *id,
                     gint64       if_match,
                     GError     **error)
{
  HcServerResource *r;
  gboolean deleted;
  gint64 version;

  if (self->pg)
    return hc_server_pg_store (self->pg, type, id, NULL, if_match, FALSE, error);
  if (!self->in_bulk && !exec (self, "BEGIN IMMEDIATE", error))
    return NULL;
  version = current_version (self, type, id, &deleted);
  if (version == 0)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "%s/%s not found", type, id);
      goto fail;
    }
  if (if_match > 0 && if_match != version)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_VERSION,
                   "%s/%s is at version %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT, type, id,
                   version, if_match);
      goto fail;
    }
  if (deleted)
    {
      /* deleting what is deleted: nothing to do (FHIR: success) */
      if (!self->in_bulk)
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return hc_server_db_read (self, type, id, version, error);
    }
  r = store_version (self, type, id, version + 1, NULL, error);
  if (r == NULL || (!self->in_bulk && !exec (self, "COMMIT", error)))
    {
      hc_server_resource_free (r);
      goto fail;
    }
  return r;

fail:
  if (!self->in_bulk)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return NULL;
}

gboolean
hc_server_db_changes (HcServerDb          *self,
                      gint64               after,
                      gboolean             snapshot,
                      guint                limit,
                      HcServerChangeFunc   each,
                      gpointer             user_data,
                      GError             **error)
{
  if (self->pg)
    return hc_server_pg_changes (self->pg, after, snapshot, limit, each, user_data, error);
  sqlite3_stmt *s;
  guint n = 0;
  int rc;

  if (snapshot)
    s = stmt (self, "SELECT type, id, version, deleted, last_updated, json, seq FROM resource "
                    "WHERE seq > ?1 AND NOT deleted ORDER BY seq LIMIT ?2", error);
  else
    s = stmt (self, "SELECT type, id, version, deleted, last_updated, json, seq FROM resource "
                    "WHERE seq > ?1 ORDER BY seq LIMIT ?2", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, after);
  sqlite3_bind_int64 (s, 2, limit);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW && n++ < limit)
    {
      HcServerResource r = row_view (s);
      if (!each (&r, user_data))
        break;
    }
  sqlite3_reset (s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return sql_error (self, "changes", error);
  return TRUE;
}

gboolean
hc_server_db_begin (HcServerDb  *self,
                    GError     **error)
{
  if (self->pg)
    return hc_server_pg_begin (self->pg, error);
  g_return_val_if_fail (!self->in_bulk, FALSE);

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->in_bulk = TRUE;
  return TRUE;
}

gboolean
hc_server_db_commit (HcServerDb  *self,
                     GError     **error)
{
  if (self->pg)
    return hc_server_pg_commit (self->pg, error);
  g_return_val_if_fail (self->in_bulk, FALSE);

  self->in_bulk = FALSE;
  if (!exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

gboolean
hc_server_db_lock_versions (HcServerDb  *self,
                            GPtrArray   *keys,
                            GError     **error)
{
  /* SQLite: the transaction already holds the only write lock, and reads are cheap */
  if (self->pg)
    return hc_server_pg_lock_versions (self->pg, keys, error);
  return TRUE;
}

void
hc_server_db_rollback (HcServerDb *self)
{
  if (self->pg)
    {
      hc_server_pg_rollback (self->pg);
      return;
    }
  if (!self->in_bulk)
    return;
  self->in_bulk = FALSE;
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
hc_server_db_get_outcome (HcServerDb *self,
                          const char *key,
                          const char *user)
{
  if (self->pg)
    return hc_server_pg_get_outcome (self->pg, key, user);
  sqlite3_stmt *s = stmt (self, "SELECT response FROM idempotency WHERE key = ? AND user = ?", NULL);
  char *response = NULL;

  if (s == NULL)
    return NULL;
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, user, -1, SQLITE_STATIC);
  if (sqlite3_step (s) == SQLITE_ROW)
    response = g_strdup ((const char *) sqlite3_column_text (s, 0));
  sqlite3_reset (s);
  return response;
}

gboolean
hc_server_db_put_outcome (HcServerDb  *self,
                          const char  *key,
                          const char  *user,
                          const char  *response,
                          GError     **error)
{
  if (self->pg)
    return hc_server_pg_put_outcome (self->pg, key, user, response, error);
  g_autofree char *at = hc_server_db_now_instant ();
  sqlite3_stmt *s = stmt (self, "INSERT OR REPLACE INTO idempotency (key, user, response, created_at) "
                                "VALUES (?, ?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, response, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, at, -1, SQLITE_STATIC);
  return step_done (self, s, error);
}

gboolean
hc_server_db_add_audit (HcServerDb  *self,
                        const char  *id,
                        const char  *recorded,
                        const char  *json,
                        GError     **error)
{
  if (self->pg)
    return hc_server_pg_add_audit (self->pg, id, recorded, json, error);
  sqlite3_stmt *s = stmt (self, "INSERT INTO audit_event (id, recorded, json) VALUES (?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, recorded, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, json, -1, SQLITE_STATIC);
  return step_done (self, s, error);
}

gboolean
hc_server_db_add_audit_once (HcServerDb  *self,
                             const char  *id,
                             const char  *recorded,
                             const char  *json,
                             gboolean    *added,
                             GError     **error)
{
  if (self->pg)
    return hc_server_pg_add_audit_once (self->pg, id, recorded, json, added, error);
  sqlite3_stmt *s = stmt (self, "INSERT OR IGNORE INTO audit_event (id, recorded, json) "
                                "VALUES (?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, recorded, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, json, -1, SQLITE_STATIC);
  if (!step_done (self, s, error))
    return FALSE;
  *added = sqlite3_changes (self->db) > 0;
  return TRUE;
}

char *
hc_server_db_claim_audit_source (HcServerDb  *self,
                                 const char  *source,
                                 const char  *user,
                                 GError     **error)
{
  if (self->pg)
    return hc_server_pg_claim_audit_source (self->pg, source, user, error);
  g_autofree char *key = g_strconcat ("audit-source:", source, NULL);
  sqlite3_stmt *s = stmt (self, "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", error);
  char *owner = NULL;

  if (s == NULL)
    return NULL;
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, user, -1, SQLITE_STATIC);
  if (!step_done (self, s, error))
    return NULL;
  s = stmt (self, "SELECT value FROM meta WHERE key = ?", error);
  if (s == NULL)
    return NULL;
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (s) == SQLITE_ROW)
    owner = g_strdup ((const char *) sqlite3_column_text (s, 0));
  sqlite3_reset (s);
  if (owner == NULL)
    sql_error (self, "audit source", error);
  return owner;
}

char *
hc_server_db_read_audit (HcServerDb  *self,
                         const char  *id,
                         GError     **error)
{
  if (self->pg)
    return hc_server_pg_read_audit (self->pg, id, error);
  sqlite3_stmt *s = stmt (self, "SELECT json FROM audit_event WHERE id = ?", error);
  char *json = NULL;

  if (s == NULL)
    return NULL;
  sqlite3_bind_text (s, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (s) == SQLITE_ROW)
    json = g_strdup ((const char *) sqlite3_column_text (s, 0));
  sqlite3_reset (s);
  if (json == NULL)
    g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND, "AuditEvent/%s not found", id);
  return json;
}

/* ------------------------------------------------------------------------------------------ */
/* Queries built at run time: search, compartment, history, for both stores. Every value is a
 * bound parameter. */

void
hc_server_query_free (HcServerQuery *q)
{
  if (q == NULL)
    return;
  g_string_free (q->sql, TRUE);
  g_ptr_array_unref (q->values);
  g_array_unref (q->is_int);
  g_free (q);
}

static HcServerQuery *
query_new (const char *sql,
           gboolean    postgres,
           guint       n_keys)
{
  HcServerQuery *q = g_new0 (HcServerQuery, 1);

  q->sql = g_string_new (sql);
  q->values = g_ptr_array_new_with_free_func (g_free);
  q->is_int = g_array_new (FALSE, TRUE, sizeof (gboolean));
  q->postgres = postgres;
  q->n_keys = n_keys;
  return q;
}

/* Appends @sql, whose one '?' becomes the placeholder of a new parameter @text. */
static void
query_bind (HcServerQuery *q,
            const char    *sql,
            char          *text,    /* owned */
            gboolean       is_int)
{
  g_ptr_array_add (q->values, text);
  g_array_append_val (q->is_int, is_int);
  for (const char *p = sql; *p; p++)
    {
      if (*p == '?')
        g_string_append_printf (q->sql, "%c%u", q->postgres ? '$' : '?', q->values->len);
      else
        g_string_append_c (q->sql, *p);
    }
}

static void
query_text (HcServerQuery *q,
            const char    *sql,
            const char    *text)
{
  query_bind (q, sql, g_strdup (text), FALSE);
}

static void
query_int (HcServerQuery *q,
           const char    *sql,
           gint64         n)
{
  query_bind (q, sql, g_strdup_printf ("%" G_GINT64_FORMAT, n), TRUE);
}

/* " AND r.type IN (?, …)", or nothing for NULL @types */
static void
query_types (HcServerQuery      *q,
             const char * const *types)
{
  if (types == NULL)
    return;
  g_string_append (q->sql, " AND r.type IN (''");
  for (guint i = 0; types[i]; i++)
    query_text (q, ", ?", types[i]);
  g_string_append (q->sql, ")");
}

/* Runs @q on SQLite; @each gets the resource row (columns 0-6), its row number (7) and the
 * sort keys (8…). */
static gboolean
query_run (HcServerDb          *self,
           HcServerQuery       *q,
           HcServerSearchFunc   each,
           gpointer             user_data,
           GError             **error)
{
  sqlite3_stmt *s = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, q->sql->str, -1, &s, NULL) != SQLITE_OK)
    return sql_error (self, "search", error);
  for (guint i = 0; i < q->values->len; i++)
    {
      if (g_array_index (q->is_int, gboolean, i))
        sqlite3_bind_int64 (s, i + 1, g_ascii_strtoll (q->values->pdata[i], NULL, 10));
      else
        sqlite3_bind_text (s, i + 1, q->values->pdata[i], -1, SQLITE_STATIC);
    }
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      HcServerResource r = row_view (s);
      HcServerSearchRow row = { &r, sqlite3_column_int64 (s, 7), { NULL } };

      for (guint i = 0; i < q->n_keys; i++)
        row.keys[i] = (const char *) sqlite3_column_text (s, 8 + i);
      if (!each (&row, user_data))
        break;
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      sql_error (self, "search", error);
      sqlite3_finalize (s);
      return FALSE;
    }
  sqlite3_finalize (s);
  return TRUE;
}

static const char *
sort_column (HcSearchSortKey key)
{
  switch (key)
    {
    case HC_SEARCH_SORT_FAMILY: return "r.sort_family";
    case HC_SEARCH_SORT_GIVEN: return "r.sort_given";
    case HC_SEARCH_SORT_DATE: return "r.sort_date";
    case HC_SEARCH_SORT_ID: return "r.id";
    case HC_SEARCH_SORT_LAST_UPDATED: return "r.seq";
    }
  g_return_val_if_reached ("r.rid");
}

static void
query_key (HcServerQuery        *q,
           const char           *sql,
           const HcSearchParams *params,
           guint                 i)
{
  if (params->sort[i].key == HC_SEARCH_SORT_LAST_UPDATED)
    query_int (q, sql, g_ascii_strtoll (params->page_keys[i], NULL, 10));
  else
    query_text (q, sql, params->page_keys[i]);
}

/* The entry's range within the value's: lo >= P.lo and hi <= P.hi; lo < hi, so lo < P.hi
 * too, which makes it an index range on lo. */
static void
query_date_within (HcServerQuery       *q,
                   const HcSearchValue *v)
{
  query_int (q, "(lo >= ?", v->lo);
  query_int (q, " AND lo < ?", v->hi);
  query_int (q, " AND hi <= ?)", v->hi);
}

/* The value condition of one criterion value, on search_index. */
static void
query_value (HcServerQuery           *q,
             const HcSearchCriterion *c,
             const HcSearchValue     *v)
{
  switch (c->type)
    {
    case HC_SEARCH_STRING:
      if (c->match == HC_SEARCH_MATCH_EXACT)
        query_text (q, "system = ?", v->value);
      else if (c->match == HC_SEARCH_MATCH_CONTAINS)
        query_text (q, q->postgres ? "strpos(value, ?) > 0" : "instr(value, ?) > 0", v->value);
      else
        {
          /* a prefix: below the prefix followed by the last code point (values compare
           * bytewise: BINARY in SQLite, COLLATE "C" in PostgreSQL) */
          g_autofree char *end = g_strconcat (v->value, "\xf4\x8f\xbf\xbf", NULL);
          query_text (q, "(value >= ?", v->value);
          query_text (q, " AND value < ?)", end);
        }
      break;
    case HC_SEARCH_TOKEN:
    case HC_SEARCH_REFERENCE:
      g_string_append (q->sql, "(TRUE");
      if (v->value != NULL)
        query_text (q, " AND value = ?", v->value);
      if (v->system != NULL)
        query_text (q, " AND system = ?", v->system);
      g_string_append (q->sql, ")");
      break;
    case HC_SEARCH_DATE:
      switch (v->prefix)
        {
        case HC_SEARCH_EQ:
          query_date_within (q, v);
          break;
        case HC_SEARCH_NE:
          g_string_append (q->sql, "NOT ");
          query_date_within (q, v);
          break;
        case HC_SEARCH_LT:
          query_int (q, "lo < ?", v->lo);
          break;
        case HC_SEARCH_GT:
          query_int (q, "hi > ?", v->hi);
          break;
        case HC_SEARCH_LE:
          query_int (q, "(lo < ?", v->lo);
          g_string_append (q->sql, " OR ");
          query_date_within (q, v);
          g_string_append (q->sql, ")");
          break;
        case HC_SEARCH_GE:
          query_int (q, "(hi > ?", v->hi);
          g_string_append (q->sql, " OR ");
          query_date_within (q, v);
          g_string_append (q->sql, ")");
          break;
        }
      break;
    }
}

/* " AND @column IN (…)" of an _id criterion (@prefix ""), or of a patient criterion on the
 * compartment column (@prefix "Patient/"): the row has it, so search_index does not */
static void
query_in (HcServerQuery           *q,
          const char              *column,
          const char              *prefix,
          const HcSearchCriterion *c)
{
  g_string_append_printf (q->sql, " AND %s IN (''", column);
  for (guint j = 0; j < c->values->len; j++)
    {
      g_autofree char *value = g_strconcat (prefix, ((HcSearchValue *) c->values->pdata[j])->value,
                                            NULL);
      query_text (q, ", ?", value);
    }
  g_string_append (q->sql, ")");
}

/* The criteria answered from the resource row: _id and patient; NULL for the others */
static const char *
row_column (const HcSearchCriterion *c,
            const char             **prefix)
{
  if (strcmp (c->name, "_id") == 0)
    {
      *prefix = "";
      return "id";
    }
  if (strcmp (c->name, "patient") == 0)
    {
      *prefix = "Patient/";
      return "compartment";
    }
  return NULL;
}

/* "type = ? AND param = ? AND (value conditions OR …)" of one criterion, on search_index */
static void
query_criterion (HcServerQuery           *q,
                 const HcSearchParams    *params,
                 const HcSearchCriterion *c)
{
  query_text (q, "type = ?", params->type);
  if (strcmp (c->name, "name") == 0 && g_strv_contains (hc_search_params_for_type (params->type, NULL),
                                                        "family"))
    g_string_append (q->sql, " AND param IN ('name', 'family', 'given') AND (");
  else
    query_text (q, " AND param = ? AND (", c->name);
  for (guint j = 0; j < c->values->len; j++)
    {
      if (j > 0)
        g_string_append (q->sql, " OR ");
      query_value (q, c, c->values->pdata[j]);
    }
  g_string_append (q->sql, ")");
}

#define ROW_COLUMNS "r.type, r.id, r.version, r.deleted, r.last_updated, r.json, r.seq, r.rid"

HcServerQuery *
hc_server_query_search (const HcSearchParams *params,
                        guint                 limit,
                        gboolean              postgres)
{
  gboolean back = params->has_page && params->page_before;
  HcServerQuery *q = query_new ("SELECT " ROW_COLUMNS, postgres, params->n_sort);

  g_return_val_if_fail (!params->has_page || params->page_keys != NULL, NULL);

  const HcSearchCriterion *driver = NULL;
  const char *prefix = NULL;
  const char *row;

  for (guint i = 0; i < params->n_sort; i++)
    g_string_append_printf (q->sql, ", %s", sort_column (params->sort[i].key));
  /* the rows matching a criterion (_id, else the first) drive the query, then sorted: a
   * sort index scan that tests each row would read most of the type to find a rare name
   * (SQLite's planner cannot know; the CROSS JOIN fixes its order) */
  for (guint i = 0; i < params->criteria->len; i++)
    {
      const HcSearchCriterion *c = params->criteria->pdata[i];

      if (driver == NULL || strcmp (c->name, "_id") == 0)
        driver = c;
    }
  if (driver != NULL && (row = row_column (driver, &prefix)) != NULL)
    {
      query_text (q, " FROM (SELECT rid FROM resource WHERE type = ?", params->type);
      query_in (q, row, prefix, driver);
      g_string_append (q->sql, ") m CROSS JOIN resource r WHERE r.rid = m.rid AND");
    }
  else if (driver != NULL)
    {
      g_string_append (q->sql, " FROM (SELECT DISTINCT rid FROM search_index WHERE ");
      query_criterion (q, params, driver);
      g_string_append (q->sql, ") m CROSS JOIN resource r WHERE r.rid = m.rid AND");
    }
  else
    g_string_append (q->sql, " FROM resource r WHERE");
  query_text (q, " r.type = ?", params->type);
  g_string_append (q->sql, " AND NOT r.deleted");

  for (guint i = 0; i < params->criteria->len; i++)
    {
      const HcSearchCriterion *c = params->criteria->pdata[i];

      if (c == driver)
        continue;
      if ((row = row_column (c, &prefix)) != NULL)
        {
          g_autofree char *qualified = g_strconcat ("r.", row, NULL);

          query_in (q, qualified, prefix, c);
          continue;
        }
      g_string_append (q->sql, " AND r.rid IN (SELECT rid FROM search_index WHERE ");
      query_criterion (q, params, c);
      g_string_append (q->sql, ")");
    }

  if (params->has_page)
    {
      /* keyset: rows after (before) the page's row in the sort order, the row number last */
      for (guint i = 0; i < params->n_sort; i++)
        {
          gboolean greater = params->sort[i].descending == back;
          const char *column = sort_column (params->sort[i].key);
          g_autofree char *sql = g_strdup_printf (" AND (%s %s ?", column, greater ? ">" : "<");
          g_autofree char *tie = g_strdup_printf (" OR (%s = ?", column);

          if (i == 0)
            {
              /* the same bound, inclusive, once more: a range the planner can use */
              g_autofree char *range = g_strdup_printf (" AND %s %s= ?", column, greater ? ">" : "<");
              query_key (q, range, params, 0);
            }
          query_key (q, sql, params, i);
          query_key (q, tie, params, i);
        }
      query_int (q, back ? " AND r.rid < ?" : " AND r.rid > ?", params->page_row);
      for (guint i = 0; i < params->n_sort; i++)
        g_string_append (q->sql, "))");
    }

  g_string_append (q->sql, " ORDER BY ");
  for (guint i = 0; i < params->n_sort; i++)
    {
      g_string_append_printf (q->sql, "%s %s, ", sort_column (params->sort[i].key),
                              params->sort[i].descending != back ? "DESC" : "ASC");
      /* _id and _lastUpdated are unique within a type: nothing after them orders, and an
       * index on (type, key) then serves the whole ORDER BY */
      if (params->sort[i].key == HC_SEARCH_SORT_ID || params->sort[i].key == HC_SEARCH_SORT_LAST_UPDATED)
        {
          g_string_truncate (q->sql, q->sql->len - 2);
          break;
        }
      if (i == params->n_sort - 1)
        g_string_append_printf (q->sql, "r.rid %s", back ? "DESC" : "ASC");
    }
  if (params->n_sort == 0)
    g_string_append_printf (q->sql, "r.rid %s", back ? "DESC" : "ASC");
  query_int (q, " LIMIT ?", limit);
  return q;
}

HcServerQuery *
hc_server_query_compartment (const char         *patient,
                             const char * const *types,
                             const char         *since,
                             gint64              after_row,
                             guint               limit,
                             gboolean            postgres)
{
  HcServerQuery *q = query_new ("SELECT " ROW_COLUMNS " FROM resource r WHERE", postgres, 0);

  query_text (q, " r.compartment = ? AND NOT r.deleted", patient);
  query_types (q, types);
  if (since != NULL)
    query_text (q, " AND r.last_updated >= ?", since);
  query_int (q, " AND r.rid > ? ORDER BY r.rid", after_row);
  query_int (q, " LIMIT ?", limit);
  return q;
}

HcServerQuery *
hc_server_query_history (const char         *type,
                         const char         *id,
                         const char * const *types,
                         const char         *since,
                         gint64              before_seq,
                         guint               limit,
                         gboolean            postgres)
{
  /* the sequence number stands in for the row number: history rows are versions */
  HcServerQuery *q = query_new ("SELECT r.type, r.id, r.version, r.deleted, r.last_updated, "
                                "r.json, r.seq, r.seq FROM history r WHERE TRUE", postgres, 0);

  if (type != NULL)
    query_text (q, " AND r.type = ?", type);
  if (id != NULL)
    query_text (q, " AND r.id = ?", id);
  if (type == NULL)
    query_types (q, types);
  if (since != NULL)
    query_text (q, " AND r.last_updated >= ?", since);
  if (before_seq > 0)
    query_int (q, " AND r.seq < ?", before_seq);
  query_int (q, " ORDER BY r.seq DESC LIMIT ?", limit);
  return q;
}

gboolean
hc_server_db_search (HcServerDb            *self,
                     const HcSearchParams  *params,
                     guint                  limit,
                     HcServerSearchFunc     each,
                     gpointer               user_data,
                     GError               **error)
{
  g_autoptr(HcServerQuery) q = hc_server_query_search (params, limit, self->pg != NULL);

  if (self->pg)
    return hc_server_pg_query (self->pg, q, each, user_data, error);
  return query_run (self, q, each, user_data, error);
}

gboolean
hc_server_db_compartment (HcServerDb          *self,
                          const char          *patient,
                          const char * const  *types,
                          const char          *since,
                          gint64               after_row,
                          guint                limit,
                          HcServerSearchFunc   each,
                          gpointer             user_data,
                          GError             **error)
{
  g_autoptr(HcServerQuery) q = hc_server_query_compartment (patient, types, since, after_row, limit,
                                                            self->pg != NULL);

  if (self->pg)
    return hc_server_pg_query (self->pg, q, each, user_data, error);
  return query_run (self, q, each, user_data, error);
}

gboolean
hc_server_db_history (HcServerDb          *self,
                      const char          *type,
                      const char          *id,
                      const char * const  *types,
                      const char          *since,
                      gint64               before_seq,
                      guint                limit,
                      HcServerSearchFunc   each,
                      gpointer             user_data,
                      GError             **error)
{
  g_autoptr(HcServerQuery) q = NULL;

  g_return_val_if_fail (id == NULL || type != NULL, FALSE);

  q = hc_server_query_history (type, id, types, since, before_seq, limit, self->pg != NULL);
  if (self->pg)
    return hc_server_pg_query (self->pg, q, each, user_data, error);
  return query_run (self, q, each, user_data, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Group commit */

static int
commit_hook (void *data)
{
  HcServerDb *self = data;

  self->unsynced = TRUE;
  return 0;
}

/* The checkpointer: copies what the WAL holds into the database file with a connection of its
 * own, so that neither the copying nor the database file's fsync happen inside a request. */
static gpointer
checkpointer_run (gpointer data)
{
  HcServerDb *self = data;
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_warning ("cannot open the database for checkpoints: %s", sqlite3_errmsg (db));
      sqlite3_close (db);
      return NULL;
    }
  /* a checkpoint syncs the WAL before it copies, and the database file after */
  sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  g_mutex_lock (&self->checkpoint_lock);
  while (!self->checkpoint_stop)
    {
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;

      /* when the WAL has grown, and once a second (a quiet server gets its WAL emptied) */
      while (!self->checkpoint_wanted && !self->checkpoint_stop &&
             g_cond_wait_until (&self->checkpoint_cond, &self->checkpoint_lock, until))
        ;
      if (self->checkpoint_stop)
        break;
      self->checkpoint_wanted = FALSE;
      g_mutex_unlock (&self->checkpoint_lock);
      /* PASSIVE: as much as it can without waiting for, or holding up, the writer */
      if (sqlite3_wal_checkpoint_v2 (db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK &&
          sqlite3_errcode (db) != SQLITE_BUSY)
        g_warning ("checkpoint: %s", sqlite3_errmsg (db));
      g_mutex_lock (&self->checkpoint_lock);
    }
  g_mutex_unlock (&self->checkpoint_lock);
  sqlite3_close (db);
  return NULL;
}

/* After each commit, with the WAL's size in pages: a checkpoint is due when it has grown. */
static int
wal_hook (void       *data,
          sqlite3    *db,
          const char *name,
          int         pages)
{
  HcServerDb *self = data;

  if (pages >= CHECKPOINT_PAGES)
    {
      g_mutex_lock (&self->checkpoint_lock);
      self->checkpoint_wanted = TRUE;
      g_cond_signal (&self->checkpoint_cond);
      g_mutex_unlock (&self->checkpoint_lock);
    }
  return SQLITE_OK;
}

static void
checkpointer_start (HcServerDb *self)
{
  if (self->checkpointer != NULL)
    return;
  self->checkpoint_stop = FALSE;
  self->checkpoint_wanted = FALSE;
  /* replaces SQLite's automatic checkpoints, which run in the committing connection */
  sqlite3_wal_hook (self->db, wal_hook, self);
  self->checkpointer = g_thread_new ("checkpoint", checkpointer_run, self);
}

static void
checkpointer_stop (HcServerDb *self)
{
  if (self->checkpointer == NULL)
    return;
  g_mutex_lock (&self->checkpoint_lock);
  self->checkpoint_stop = TRUE;
  g_cond_signal (&self->checkpoint_cond);
  g_mutex_unlock (&self->checkpoint_lock);
  g_clear_pointer (&self->checkpointer, g_thread_join);
  sqlite3_wal_autocheckpoint (self->db, CHECKPOINT_PAGES);
}

void
hc_server_db_set_deferred_sync (HcServerDb *self,
                                gboolean    deferred)
{
  /* only a SQLite database waits for the disk at each commit */
  if (self->db == NULL)
    return;
  /* WAL with synchronous=NORMAL: a commit appends to the WAL and does not fsync it, and the
   * database stays consistent whatever happens; hc_server_db_sync() fsyncs the WAL */
  sqlite3_exec (self->db, deferred ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
                NULL, NULL, NULL);
  sqlite3_commit_hook (self->db, deferred ? commit_hook : NULL, self);
  if (deferred)
    checkpointer_start (self);
  else
    {
      checkpointer_stop (self);
      hc_server_db_sync (self, NULL);
    }
}

gboolean
hc_server_db_needs_sync (HcServerDb *self)
{
  return self->unsynced;
}

gboolean
hc_server_db_sync (HcServerDb  *self,
                   GError     **error)
{
  sqlite3_file *wal = NULL;
  int rc;

  if (!self->unsynced)
    return TRUE;
  /* the WAL file, as SQLite itself syncs it at a commit with synchronous=FULL */
  if (sqlite3_file_control (self->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
      wal == NULL || wal->pMethods == NULL)
    {
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED, "the database has no WAL");
      return FALSE;
    }
  rc = wal->pMethods->xSync (wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED, "cannot sync the database: %s",
                   sqlite3_errstr (rc));
      return FALSE;
    }
  self->unsynced = FALSE;
  return TRUE;
}
