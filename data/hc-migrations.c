/* hc-migrations.c: ordered, forward-only schema migrations of the chart store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each migration runs in its own transaction and sets PRAGMA user_version. Never edit a
 * migration that has shipped: add a new one. tests/test-migrations.c opens a store at every
 * earlier version, fills it, and migrates it to the latest.
 */

#define G_LOG_DOMAIN "hc-migrations"

#include "config.h"

#include "hc-store-private.h"

typedef gboolean (*MigrateFunc) (HcStoreWorker *w, GError **error);

typedef struct
{
  int          version;
  const char  *sql;
  MigrateFunc  func;    /* runs after @sql, in the same transaction */
} Migration;

/* v2: patient search. Fills the index from the patients v1 stored. */
static gboolean
backfill_patient_index (HcStoreWorker  *w,
                        GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (w->db, "SELECT rid, json FROM resource WHERE type = 'Patient' "
                                  "AND deleted = 0", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _hc_store_sqlite_error (w, rc, "migration 2", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      if (!_hc_store_index_patient (w, sqlite3_column_int64 (stmt, 0), json_node_get_object (node),
                                    error))
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "migration 2", error);
  return TRUE;
}

#define AUDIT_UPDATE_TRIGGER \
  "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit" \
  "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"

/* v4: signs the entries v3 wrote (the trigger that refuses updates is lifted meanwhile) */
static gboolean
sign_audit (HcStoreWorker  *w,
            GError        **error)
{
  return _hc_store_sign_legacy_audit (w, error) && _hc_store_exec (w, AUDIT_UPDATE_TRIGGER, error);
}

gboolean
_hc_store_sign_legacy_audit_tx (HcStoreWorker  *w,
                                GError        **error)
{
  if (!_hc_store_exec (w, "BEGIN IMMEDIATE; DROP TRIGGER audit_append_only_update;", error))
    return FALSE;
  if (!sign_audit (w, error) || !_hc_store_exec (w, "COMMIT", error))
    {
      sqlite3_exec (w->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static const Migration migrations[] = {
  /* v1: resources with their index columns */
  { 1,
    "CREATE TABLE resource ("
    "  rid        INTEGER PRIMARY KEY,"
    "  type       TEXT NOT NULL,"
    "  id         TEXT NOT NULL,"
    "  version_id INTEGER,"                 /* server version this row derives from */
    "  local_rev  INTEGER NOT NULL DEFAULT 1,"
    "  deleted    INTEGER NOT NULL DEFAULT 0,"
    "  sync_state INTEGER NOT NULL DEFAULT 1," /* 0 synced, 1 created, 2 modified, 3 deleted */
    "  patient    TEXT,"                    /* compartment: Patient/id */
    "  status     TEXT,"
    "  date       TEXT,"
    "  code       TEXT,"                    /* system|code of the main coding */
    "  encounter  TEXT,"
    "  json       TEXT NOT NULL,"
    "  UNIQUE (type, id)"
    ");"
    "CREATE INDEX resource_patient ON resource (patient, type, date) WHERE patient IS NOT NULL;"
    "CREATE INDEX resource_type_date ON resource (type, date);"
    "CREATE INDEX resource_encounter ON resource (encounter) WHERE encounter IS NOT NULL;",
    NULL },

  /* v2: patient search: real columns for lists, FTS5 for finding */
  { 2,
    "CREATE TABLE patient ("
    "  rid        INTEGER PRIMARY KEY REFERENCES resource (rid) ON DELETE CASCADE,"
    "  family     TEXT,"
    "  given      TEXT,"
    "  birth_date TEXT,"
    "  gender     TEXT,"
    "  mrn        TEXT,"
    "  phone      TEXT,"
    "  sort_key   TEXT NOT NULL"
    ");"
    "CREATE INDEX patient_sort ON patient (sort_key);"
    "CREATE INDEX patient_birth_date ON patient (birth_date);"
    "CREATE INDEX patient_mrn ON patient (mrn);"
    "CREATE VIRTUAL TABLE patient_fts USING fts5 ("
    "  name, identifier, birthdate, phone,"
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');"
    /* a name match outranks an identifier, birth date or phone match */
    "INSERT INTO patient_fts (patient_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 2.0, 2.0)');",
    backfill_patient_index },

  /* v3: sync bookkeeping and the audit log */
  { 3,
    "CREATE TABLE changeset ("
    "  seq             INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  created_at      TEXT NOT NULL,"
    "  actor           TEXT,"
    "  state           TEXT NOT NULL DEFAULT 'pending'"
    "                  CHECK (state IN ('pending', 'sent', 'acknowledged', 'rejected'))"
    ");"
    "CREATE TABLE changeset_entry ("      /* rows hold whole resources: a rowid table */
    "  changeset    INTEGER NOT NULL REFERENCES changeset (seq) ON DELETE CASCADE,"
    "  ord          INTEGER NOT NULL,"
    "  op           TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),"
    "  type         TEXT NOT NULL,"
    "  id           TEXT NOT NULL,"
    "  base_version INTEGER,"
    "  json         TEXT,"
    "  UNIQUE (changeset, ord)"
    ");"
    "CREATE INDEX changeset_pending ON changeset (state) WHERE state = 'pending';"
    "CREATE TABLE merge_base ("              /* the last server-acknowledged version */
    "  type       TEXT NOT NULL,"
    "  id         TEXT NOT NULL,"
    "  version_id INTEGER NOT NULL,"
    "  json       TEXT,"                    /* NULL: deleted on the server */
    "  PRIMARY KEY (type, id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE sync_state ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE conflict ("
    "  id          TEXT PRIMARY KEY,"
    "  type        TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  base_json   TEXT,"
    "  local_json  TEXT,"
    "  remote_json TEXT,"
    "  elements    TEXT,"                   /* JSON array of the FHIRPaths in conflict */
    "  created_at  TEXT NOT NULL,"
    "  resolved_at TEXT,"
    "  resolution  TEXT"
    ");"
    "CREATE INDEX conflict_open ON conflict (type, resource_id) WHERE resolved_at IS NULL;"
    "CREATE TABLE audit ("
    "  seq       INTEGER PRIMARY KEY,"
    "  at        TEXT NOT NULL,"
    "  actor     TEXT NOT NULL,"
    "  action    TEXT NOT NULL CHECK (action IN ('create', 'read', 'update', 'delete', 'search',"
    "                                    'import', 'export', 'print', 'sync', 'login')),"
    "  entity    TEXT,"                     /* Type/id, never PHI */
    "  detail    TEXT,"
    "  prev_hash TEXT NOT NULL,"
    "  hash      TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;",
    NULL },

  /* v4: the audit log is signed: HMAC-SHA256 of each entry's hash under a key derived from the
   * database key (NULL in an unencrypted store); entries v3 wrote are signed here */
  { HC_STORE_SCHEMA_AUDIT_SIG,
    "ALTER TABLE audit ADD COLUMN sig TEXT;"
    "DROP TRIGGER audit_append_only_update;",
    sign_audit },

  /* v5: a merge base that is the record as stored (nothing changed here since the server's
   * version) is not copied: same_as_resource = 1 and json NULL. The first change to the
   * resource row copies it into the merge base first, whatever writes it. */
  { 5,
    "ALTER TABLE merge_base ADD COLUMN same_as_resource INTEGER NOT NULL DEFAULT 0;"
    "CREATE TRIGGER merge_base_keep_on_update BEFORE UPDATE OF json, deleted ON resource"
    "  WHEN OLD.json IS NOT NEW.json OR OLD.deleted <> NEW.deleted"
    "  BEGIN UPDATE merge_base SET json = OLD.json, same_as_resource = 0"
    "        WHERE type = OLD.type AND id = OLD.id AND same_as_resource = 1; END;"
    "CREATE TRIGGER merge_base_keep_on_delete BEFORE DELETE ON resource"
    "  BEGIN UPDATE merge_base SET json = OLD.json, same_as_resource = 0"
    "        WHERE type = OLD.type AND id = OLD.id AND same_as_resource = 1; END;",
    NULL },

  /* v6: a record's changesets found by the record, for the chart's "sent" state (without it,
   * each changed record of a chart scanned the whole outbox: 0.6 s for 2,000 records) */
  { 6,
    "CREATE INDEX changeset_entry_record ON changeset_entry (type, id, changeset);",
    NULL },
};

int
_hc_store_latest_schema (void)
{
  return migrations[G_N_ELEMENTS (migrations) - 1].version;
}

static int
current_version (HcStoreWorker *w)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (w->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
_hc_store_migrate (HcStoreWorker  *w,
                   int             target,
                   GError        **error)
{
  int version = current_version (w);

  if (version < 0)
    return _hc_store_sqlite_error (w, sqlite3_errcode (w->db), "schema version", error);

  for (guint i = 0; i < G_N_ELEMENTS (migrations); i++)
    {
      const Migration *m = &migrations[i];
      g_autofree char *set_version = NULL;

      if (m->version <= version || m->version > target)
        continue;

      g_debug ("migrating store schema to version %d", m->version);
      if (!_hc_store_exec (w, "BEGIN IMMEDIATE", error))
        return FALSE;
      set_version = g_strdup_printf ("PRAGMA user_version = %d", m->version);
      if (!_hc_store_exec (w, m->sql, error) ||
          (m->func != NULL && !m->func (w, error)) ||
          !_hc_store_exec (w, set_version, error) ||
          !_hc_store_exec (w, "COMMIT", error))
        {
          sqlite3_exec (w->db, "ROLLBACK", NULL, NULL, NULL);
          g_prefix_error (error, "upgrading the store to schema %d: ", m->version);
          return FALSE;
        }
      /* cached statements may refer to the old schema */
      g_hash_table_remove_all (w->stmts);
    }
  return TRUE;
}
