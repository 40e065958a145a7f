/* hc-store.c: the local chart store: one SQLite connection on its own thread
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>

#include "hc-crypt.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-store-private.h"

struct _HcStore
{
  GObject        parent_instance;

  HcStoreWorker *worker;
};

G_DEFINE_FINAL_TYPE (HcStore, hc_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (hc-store-error, hc_store_error)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  HcStoreJobFunc  func;
  gpointer        data;
  GDestroyNotify  data_destroy;
  GDestroyNotify  result_destroy;
  GCancellable   *cancellable;

  /* exactly one of these */
  GTask          *task;
  struct {
    GMutex        mutex;
    GCond         cond;
    gboolean      done;
    gpointer      result;
    GError       *error;
  } sync;
} Job;

/* A job with no function tells the thread to close the database and exit. */
static Job quit_job;

/* ------------------------------------------------------------------------------------------ */
/* SQLite helpers */

gboolean
_hc_store_sqlite_error (HcStoreWorker  *w,
                        int             rc,
                        const char     *what,
                        GError        **error)
{
  int code = HC_STORE_ERROR_FAILED;
  const char *msg = w->db ? sqlite3_errmsg (w->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      code = HC_STORE_ERROR_DISK_FULL;
      msg = "the disk is full";
      break;
    case SQLITE_IOERR:
      if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC)
        {
          int err = w->db ? sqlite3_system_errno (w->db) : 0;
          if (err == ENOSPC || err == EDQUOT)
            {
              code = HC_STORE_ERROR_DISK_FULL;
              msg = "the disk is full";
            }
        }
      break;
    case SQLITE_CORRUPT:
      {
        g_autofree char *damage = hc_crypt_vfs_describe_damage (hc_crypt_db_get_vfs (w->db));

        g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT,
                     "the store in %s failed an integrity check (%s%s): %s", w->dir ? w->dir : "?",
                     damage ? damage : "database file",
                     damage ? " was altered, moved or damaged" : " is malformed", what);
        return FALSE;
      }
    case SQLITE_NOTADB:
      code = HC_STORE_ERROR_NOT_A_STORE;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = HC_STORE_ERROR_BUSY;
      msg = "the store is busy in another process";
      break;
    case SQLITE_CONSTRAINT:
      code = HC_STORE_ERROR_INVALID;
      break;
    default:
      break;
    }
  if (code == HC_STORE_ERROR_DISK_FULL)
    g_set_error_literal (error, HC_STORE_ERROR, code, msg);
  else
    g_set_error (error, HC_STORE_ERROR, code, "%s: %s", what, msg);
  return FALSE;
}

sqlite3_stmt *
_hc_store_stmt (HcStoreWorker  *w,
                const char     *sql,
                GError        **error)
{
  sqlite3_stmt *stmt;
  int rc;

  HC_STORE_ASSERT_THREAD (w);

  stmt = g_hash_table_lookup (w->stmts, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _hc_store_sqlite_error (w, rc, "prepare", error);
      return NULL;
    }
  g_hash_table_insert (w->stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
_hc_store_exec (HcStoreWorker  *w,
                const char     *sql,
                GError        **error)
{
  char *errmsg = NULL;
  int rc;

  HC_STORE_ASSERT_THREAD (w);

  rc = sqlite3_exec (w->db, sql, NULL, NULL, &errmsg);
  sqlite3_free (errmsg);
  if (rc != SQLITE_OK)
    return _hc_store_sqlite_error (w, rc, "exec", error);
  return TRUE;
}

gboolean
_hc_store_step_done (HcStoreWorker  *w,
                     sqlite3_stmt   *stmt,
                     const char     *what,
                     GError        **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _hc_store_sqlite_error (w, rc, what, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

gboolean
_hc_store_begin (HcStoreWorker  *w,
                 GError        **error)
{
  g_assert (!w->in_transaction);

  if (!_hc_store_exec (w, "BEGIN IMMEDIATE", error))
    return FALSE;
  w->in_transaction = TRUE;
  w->wrote = FALSE;
  w->bulk = FALSE;
  w->changeset = 0;
  w->changeset_ord = 0;
  g_clear_pointer (&w->tx_time, g_free);
  w->tx_time = now_iso8601 ();
  g_mutex_lock (&w->actor_lock);
  g_free (w->tx_actor);
  w->tx_actor = g_strdup (w->actor);
  g_mutex_unlock (&w->actor_lock);
  return TRUE;
}

static gboolean
emit_changed_cb (gpointer data)
{
  GWeakRef *ref = data;
  g_autoptr(HcStore) self = g_weak_ref_get (ref);

  if (self != NULL)
    g_signal_emit (self, signals[CHANGED], 0);
  g_weak_ref_clear (ref);
  g_free (ref);
  return G_SOURCE_REMOVE;
}

static gboolean load_last_hash (HcStoreWorker *w, GError **error);

gboolean
_hc_store_commit (HcStoreWorker  *w,
                  GError        **error)
{
  g_assert (w->in_transaction);

  if (!_hc_store_exec (w, "COMMIT", error))
    {
      _hc_store_rollback (w);
      return FALSE;
    }
  w->in_transaction = FALSE;
  if (w->wrote && w->owner_context != NULL)
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);
      g_autoptr(GObject) owner = g_weak_ref_get (&w->owner);

      g_weak_ref_init (ref, owner);
      g_main_context_invoke (w->owner_context, emit_changed_cb, ref);
    }
  return TRUE;
}

void
_hc_store_rollback (HcStoreWorker *w)
{
  if (!w->in_transaction)
    return;
  if (sqlite3_get_autocommit (w->db) == 0)
    sqlite3_exec (w->db, "ROLLBACK", NULL, NULL, NULL);
  w->in_transaction = FALSE;
  /* the audit chain head may have moved inside the transaction */
  load_last_hash (w, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Audit log: append-only, hash-chained */

static void
audit_hash (const char *prev,
            gint64      seq,
            const char *at,
            const char *actor,
            const char *action,
            const char *entity,
            const char *detail,
            char        out[65])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  char buf[32];
  const char *parts[] = { prev, NULL, at, actor, action, entity, detail };

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, seq);
  parts[1] = buf;
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      const char *p = parts[i] ? parts[i] : "";
      g_checksum_update (sum, (const guchar *) p, -1);
      g_checksum_update (sum, (const guchar *) "\x1f", 1);
    }
  g_strlcpy (out, g_checksum_get_string (sum), 65);
}

/* The chain head and the next entry's number; 0 when they could not be read (a damaged
 * page), and the next audit entry tries again. */
static gboolean
load_last_hash (HcStoreWorker  *w,
                GError        **error)
{
  sqlite3_stmt *stmt;
  int rc;

  memset (w->last_hash, '0', 64);
  w->last_hash[64] = '\0';
  w->next_audit_seq = 0;
  stmt = _hc_store_stmt (w, "SELECT hash, seq FROM audit ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_strlcpy (w->last_hash, (const char *) sqlite3_column_text (stmt, 0), sizeof w->last_hash);
      w->next_audit_seq = sqlite3_column_int64 (stmt, 1) + 1;
    }
  else if (rc == SQLITE_DONE)
    w->next_audit_seq = 1;
  sqlite3_reset (stmt);
  if (w->next_audit_seq == 0)
    return _hc_store_sqlite_error (w, rc, "audit log", error);
  return TRUE;
}

/* The signature of an entry: HMAC-SHA256 over its hash (which covers the previous entry's hash
 * and the entry's fields) under the audit key, in hex. */
static void
audit_sign (HcCryptKey *key,
            const char *hash,
            char        out[65])
{
  guint8 mac[32];

  hc_crypt_hmac (key, hash, strlen (hash), mac);
  for (guint i = 0; i < sizeof mac; i++)
    g_snprintf (out + 2 * i, 3, "%02x", mac[i]);
}

gboolean
_hc_store_audit (HcStoreWorker  *w,
                 const char     *action,
                 const char     *entity,
                 const char     *detail,
                 GError        **error)
{
  sqlite3_stmt *stmt;
  gint64 seq;
  char hash[65];
  char sig[65];
  const char *when;
  const char *actor;

  g_assert (w->in_transaction);

  when = w->tx_time;
  actor = w->tx_actor ? w->tx_actor : "";
  if (w->next_audit_seq == 0 && !load_last_hash (w, error))
    return FALSE;

  seq = w->next_audit_seq;
  audit_hash (w->last_hash, seq, when, actor, action, entity, detail, hash);
  if (w->audit_key != NULL)
    audit_sign (w->audit_key, hash, sig);

  stmt = _hc_store_stmt (w, "INSERT INTO audit (seq, at, actor, action, entity, detail, prev_hash, "
                            "hash, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, when, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, detail, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, w->last_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, hash, -1, SQLITE_STATIC);
  if (w->audit_key != NULL)
    sqlite3_bind_text (stmt, 9, sig, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 9);
  if (!_hc_store_step_done (w, stmt, "audit", error))
    return FALSE;
  memcpy (w->last_hash, hash, sizeof hash);
  w->next_audit_seq = seq + 1;
  return TRUE;
}

/* Walks the log in order, recomputing the chain and, with the audit key, the signatures.
 * Sets @error naming the first bad entry. With @unsigned_seqs, an unsigned entry is not an
 * error: its number goes there (to be signed). */
static gboolean
check_audit (HcStoreWorker  *w,
             GArray         *unsigned_seqs,
             GError        **error)
{
  sqlite3_stmt *stmt;
  char prev[65];
  gint64 expect = 1;
  const char *problem = NULL;
  int rc;

  memset (prev, '0', 64);
  prev[64] = '\0';
  stmt = _hc_store_stmt (w, "SELECT seq, at, actor, action, entity, detail, prev_hash, hash, sig "
                            "FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *sig = (const char *) sqlite3_column_text (stmt, 8);
      char hash[65];
      char expected_sig[65];

      if (seq != expect)
        {
          problem = "is missing";
          break;
        }
      audit_hash (prev, seq,
                  (const char *) sqlite3_column_text (stmt, 1),
                  (const char *) sqlite3_column_text (stmt, 2),
                  (const char *) sqlite3_column_text (stmt, 3),
                  (const char *) sqlite3_column_text (stmt, 4),
                  (const char *) sqlite3_column_text (stmt, 5),
                  hash);
      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 6), prev) != 0 ||
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 7), hash) != 0)
        {
          problem = "was altered";
          break;
        }
      /* an unencrypted store (benchmarks' baseline) has no key to sign with */
      if (w->audit_key != NULL)
        {
          if (sig == NULL && unsigned_seqs != NULL)
            g_array_append_val (unsigned_seqs, seq);
          else if (sig == NULL)
            {
              problem = "is not signed";
              break;
            }
          else
            {
              audit_sign (w->audit_key, hash, expected_sig);
              if (strcmp (sig, expected_sig) != 0)
                {
                  problem = "has an invalid signature (forged or altered)";
                  break;
                }
            }
        }
      memcpy (prev, hash, sizeof hash);
      expect++;
    }
  sqlite3_reset (stmt);
  if (problem != NULL)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT,
                   "audit log: entry %" G_GINT64_FORMAT " %s", expect, problem);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "audit log", error);
  return TRUE;
}

gboolean
_hc_store_verify_audit (HcStoreWorker  *w,
                        GError        **error)
{
  return check_audit (w, NULL, error);
}

gboolean
_hc_store_sign_legacy_audit (HcStoreWorker  *w,
                             GError        **error)
{
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) broken = NULL;

  if (w->audit_key == NULL)
    return TRUE;
  /* what is intact up to the first damage is signed; the damage stays for verify to report */
  if (!check_audit (w, seqs, &broken))
    {
      if (!g_error_matches (broken, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&broken));
          return FALSE;
        }
      g_message ("%s", broken->message);
    }
  for (guint i = 0; i < seqs->len; i++)
    {
      sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT hash FROM audit WHERE seq = ?", error);
      sqlite3_stmt *update;
      char hash[65] = "", sig[65];

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, g_array_index (seqs, gint64, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        g_strlcpy (hash, (const char *) sqlite3_column_text (stmt, 0), sizeof hash);
      sqlite3_reset (stmt);
      audit_sign (w->audit_key, hash, sig);
      update = _hc_store_stmt (w, "UPDATE audit SET sig = ? WHERE seq = ?", error);
      if (update == NULL)
        return FALSE;
      sqlite3_bind_text (update, 1, sig, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (update, 2, g_array_index (seqs, gint64, i));
      if (!_hc_store_step_done (w, update, "audit", error))
        return FALSE;
    }
  g_debug ("signed %u audit entries written before signing", seqs->len);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Writes */

typedef enum
{
  SYNC_STATE_SYNCED = 0,
  SYNC_STATE_CREATED = 1,
  SYNC_STATE_MODIFIED = 2,
  SYNC_STATE_DELETED = 3,
} SyncState;

static gboolean
ensure_changeset (HcStoreWorker  *w,
                  GError        **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *key = NULL;

  if (w->changeset != 0)
    return TRUE;
  key = hc_fhir_new_id ();
  stmt = _hc_store_stmt (w, "INSERT INTO changeset (idempotency_key, created_at, actor) "
                            "VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, w->tx_time, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, w->tx_actor, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "outbox", error))
    return FALSE;
  w->changeset = sqlite3_last_insert_rowid (w->db);
  w->changeset_ord = 0;
  return TRUE;
}

static gboolean
queue_change (HcStoreWorker  *w,
              const char     *op,
              const char     *type,
              const char     *id,
              gint64          base_version,
              const char     *json,
              GError        **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_changeset (w, error))
    return FALSE;
  stmt = _hc_store_stmt (w, "INSERT INTO changeset_entry (changeset, ord, op, type, id, "
                            "base_version, json) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->changeset);
  sqlite3_bind_int (stmt, 2, w->changeset_ord++);
  sqlite3_bind_text (stmt, 3, op, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, id, -1, SQLITE_STATIC);
  if (base_version > 0)
    sqlite3_bind_int64 (stmt, 6, base_version);
  else
    sqlite3_bind_null (stmt, 6);
  if (json)
    sqlite3_bind_text (stmt, 7, json, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 7);
  return _hc_store_step_done (w, stmt, "outbox", error);
}

static const char *
first_code_of (JsonObject *concept)
{
  JsonNode *node;
  JsonArray *codings;

  if (concept == NULL || (node = json_object_get_member (concept, "coding")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  codings = json_node_get_array (node);
  if (json_array_get_length (codings) == 0)
    return NULL;
  node = json_array_get_element (codings, 0);
  return JSON_NODE_HOLDS_OBJECT (node) ? hc_json_get_string (json_node_get_object (node), "code") : NULL;
}

static const char *
first_coding_of (JsonObject *concept,
                 char      **out)
{
  const char *code = first_code_of (concept);
  JsonObject *coding;

  if (code == NULL)
    return NULL;
  coding = json_array_get_object_element (json_object_get_array_member (concept, "coding"), 0);
  *out = g_strconcat (hc_json_get_string (coding, "system") ? hc_json_get_string (coding, "system") : "",
                      "|", code, NULL);
  return *out;
}

/* The index columns of a resource: status, clinically relevant date, main code, encounter. */
static void
extract_index (JsonObject  *res,
               const char  *type,
               const char **status,
               const char **date,
               char       **code,
               const char **encounter)
{
  static const char * const date_members[] = {
    "effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime", "date", "start",
    "recorded", "sent", "issued", "occurrenceDateTime", NULL
  };
  static const char * const period_members[] = { "period", "effectivePeriod", "performedPeriod",
                                                 "executionPeriod", NULL };
  static const char * const code_members[] = { "code", "medicationCodeableConcept", "type", NULL };
  JsonObject *obj;

  *status = hc_json_get_string (res, "status");
  if (*status == NULL)
    *status = first_code_of (hc_json_get_object (res, "clinicalStatus"));
  *date = NULL;
  for (guint i = 0; *date == NULL && date_members[i]; i++)
    *date = hc_json_get_string (res, date_members[i]);
  for (guint i = 0; *date == NULL && period_members[i]; i++)
    *date = hc_json_get_string (hc_json_get_object (res, period_members[i]), "start");
  *code = NULL;
  for (guint i = 0; *code == NULL && code_members[i]; i++)
    {
      /* Coverage.type, Encounter.type is an array: not the main code */
      if ((obj = hc_json_get_object (res, code_members[i])) != NULL)
        first_coding_of (obj, code);
    }
  *encounter = hc_json_get_string (hc_json_get_object (res, "encounter"), "reference");
  (void) type;
}

/* The members extract_index() and hc_fhir_patient_reference() read (keep them in step:
 * tests/test-store.c compares the index of partial and full parses of a demo panel). */
static const char * const index_members[] = {
  "resourceType", "id", "status", "clinicalStatus",
  "effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime", "date", "start",
  "recorded", "sent", "issued", "occurrenceDateTime",
  "period", "effectivePeriod", "performedPeriod", "executionPeriod",
  "code", "medicationCodeableConcept", "type", "encounter",
  "subject", "patient", "beneficiary", "for", "participant", NULL
};

/* @text of a @type resource parsed as far as _hc_store_put_row() needs it: the index
 * members, or all of a Patient (the patient search index reads names, identifiers…). NULL
 * when it is not a JSON object. */
JsonObject *
_hc_store_parse_for_index (const char *type,
                           const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (g_strcmp0 (type, "Patient") != 0)
    return hc_json_parse_members (text, strlen (text), index_members, NULL);
  node = hc_json_parse (text, strlen (text), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static gboolean
bind_index (sqlite3_stmt *stmt,
            int           first,
            JsonObject   *res,
            const char   *type)
{
  const char *status, *date, *encounter;
  g_autofree char *code = NULL;
  g_autofree char *patient = hc_fhir_patient_reference (res);

  extract_index (res, type, &status, &date, &code, &encounter);
  sqlite3_bind_text (stmt, first, patient, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, first + 1, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, first + 2, date, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, first + 3, code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, first + 4, encounter, -1, SQLITE_TRANSIENT);
  return TRUE;
}

static gboolean
is_signed_note (JsonObject *res)
{
  const char *status = hc_json_get_string (res, "status");
  return g_strcmp0 (status, "final") == 0 || g_strcmp0 (status, "amended") == 0;
}

/* Keeps the server-owned meta elements of the stored version. */
static void
keep_server_meta (JsonObject *res,
                  JsonObject *old)
{
  JsonObject *old_meta = hc_json_get_object (old, "meta");
  JsonObject *meta = hc_json_get_object (res, "meta");
  static const char * const owned[] = { "versionId", "lastUpdated", NULL };

  if (old_meta == NULL && meta == NULL)
    return;
  if (meta == NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (res, "meta", meta);
    }
  for (guint i = 0; owned[i]; i++)
    {
      if (old_meta && json_object_has_member (old_meta, owned[i]))
        json_object_set_member (meta, owned[i],
                                json_node_copy (json_object_get_member (old_meta, owned[i])));
      else if (json_object_has_member (meta, owned[i]))
        json_object_remove_member (meta, owned[i]);
    }
  if (json_object_get_size (meta) == 0)
    json_object_remove_member (res, "meta");
}

static char *
to_json_text (JsonObject *object)
{
  return hc_json_object_to_string (object, FALSE);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = hc_json_parse (text, strlen (text), NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* A record in the conflict inbox changes only through its resolution. */
static gboolean
refuse_if_in_conflict (HcStoreWorker  *w,
                       const char     *type,
                       const char     *id,
                       GError        **error)
{
  sqlite3_stmt *stmt;
  gboolean open;

  stmt = _hc_store_stmt (w, "SELECT 1 FROM conflict WHERE type = ? AND resource_id = ? "
                            "AND resolved_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  open = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (open)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CONFLICT,
                   "%s/%s has a sync conflict; resolve it first (housecall-cli conflicts)", type, id);
      return FALSE;
    }
  return TRUE;
}

gboolean
_hc_store_write_resource (HcStoreWorker  *w,
                          JsonObject     *res,
                          const char     *prepared,
                          HcWriteOutcome *outcome,
                          GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *owned_text = NULL;
  const char *text;
  g_autofree char *entity = NULL;
  g_autoptr(JsonObject) old = NULL;
  sqlite3_stmt *stmt;
  const char *type, *id;
  gint64 rid = 0, version = 0;
  gboolean exists = FALSE, deleted = FALSE;

  g_assert (w->in_transaction);
  g_assert (prepared == NULL || hc_json_get_string (res, "id") != NULL);

  if (!hc_fhir_validate (res, &local_error))
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID, local_error->message);
      return FALSE;
    }
  type = json_object_get_string_member (res, "resourceType");
  id = hc_json_get_string (res, "id");
  if (id == NULL)
    {
      new_id = hc_fhir_new_id ();
      json_object_set_string_member (res, "id", new_id);
      id = new_id;
    }

  if (!refuse_if_in_conflict (w, type, id, error))
    return FALSE;

  stmt = _hc_store_stmt (w, "SELECT rid, version_id, deleted, json FROM resource "
                            "WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      exists = TRUE;
      rid = sqlite3_column_int64 (stmt, 0);
      version = sqlite3_column_int64 (stmt, 1);
      deleted = sqlite3_column_int (stmt, 2) != 0;
      old = parse_object ((const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);

  if (exists && !deleted && old != NULL)
    {
      if (strcmp (type, "Composition") == 0 && is_signed_note (old) &&
          g_strcmp0 (hc_json_get_string (res, "status"), "entered-in-error") != 0)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE,
                       "Composition/%s is signed and cannot change; write an addendum instead", id);
          return FALSE;
        }
      keep_server_meta (res, old);
      prepared = NULL;   /* the meta may have changed */
    }

  text = prepared ? prepared : (owned_text = to_json_text (res));
  entity = g_strconcat (type, "/", id, NULL);

  if (exists && !deleted)
    {
      g_autofree char *old_text = old ? to_json_text (old) : NULL;

      if (g_strcmp0 (old_text, text) == 0)
        {
          *outcome = HC_WRITE_UNCHANGED;
          return TRUE;
        }
    }

  if (!exists)
    {
      stmt = _hc_store_stmt (w, "INSERT INTO resource (type, id, version_id, local_rev, deleted, "
                                "sync_state, patient, status, date, code, encounter, json) "
                                "VALUES (?, ?, NULL, 1, 0, 1, ?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
      bind_index (stmt, 3, res, type);
      sqlite3_bind_text (stmt, 8, text, -1, SQLITE_STATIC);
      if (!_hc_store_step_done (w, stmt, entity, error))
        return FALSE;
      rid = sqlite3_last_insert_rowid (w->db);
    }
  else
    {
      stmt = _hc_store_stmt (w, "UPDATE resource SET local_rev = local_rev + 1, deleted = 0, "
                                "sync_state = CASE WHEN version_id IS NULL THEN 1 ELSE 2 END, "
                                "patient = ?, status = ?, date = ?, code = ?, encounter = ?, "
                                "json = ? WHERE rid = ?", error);
      if (stmt == NULL)
        return FALSE;
      bind_index (stmt, 1, res, type);
      sqlite3_bind_text (stmt, 6, text, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 7, rid);
      if (!_hc_store_step_done (w, stmt, entity, error))
        return FALSE;
    }

  if (strcmp (type, "Patient") == 0 && !_hc_store_index_patient (w, rid, res, error))
    return FALSE;

  if (!queue_change (w, exists && !deleted ? "update" : "create", type, id, version, text, error))
    return FALSE;
  if (!w->bulk && !_hc_store_audit (w, exists && !deleted ? "update" : "create", entity, NULL,
                                    error))
    return FALSE;

  w->wrote = TRUE;
  *outcome = exists && !deleted ? HC_WRITE_UPDATED : HC_WRITE_CREATED;
  return TRUE;
}

/* Clinical resources are never removed by a client: they are marked entered-in-error. */
static gboolean
mark_entered_in_error (JsonObject *res,
                       const char *type)
{
  static const char * const status_types[] = {
    "Appointment", "Communication", "Composition", "Coverage", "DiagnosticReport", "Encounter",
    "MedicationRequest", "Observation", "ServiceRequest", "Task", NULL
  };
  const char *system = NULL;

  if (g_strv_contains (status_types, type))
    {
      json_object_set_string_member (res, "status", "entered-in-error");
      return TRUE;
    }
  if (strcmp (type, "Condition") == 0)
    system = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
  else if (strcmp (type, "AllergyIntolerance") == 0)
    system = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
  if (system == NULL)
    return FALSE;

  {
    JsonObject *concept = json_object_new ();
    JsonArray *codings = json_array_new ();
    JsonObject *coding = json_object_new ();

    json_object_set_string_member (coding, "system", system);
    json_object_set_string_member (coding, "code", "entered-in-error");
    json_array_add_object_element (codings, coding);
    json_object_set_array_member (concept, "coding", codings);
    json_object_set_object_member (res, "verificationStatus", concept);
    /* an entered-in-error record has no clinical status (con-5, ait-1) */
    if (json_object_has_member (res, "clinicalStatus"))
      json_object_remove_member (res, "clinicalStatus");
  }
  return TRUE;
}

gboolean
_hc_store_delete_resource (HcStoreWorker  *w,
                           const char     *type,
                           const char     *id,
                           HcWriteOutcome *outcome,
                           GError        **error)
{
  g_autofree char *entity = NULL;
  g_autoptr(JsonObject) old = NULL;
  sqlite3_stmt *stmt;
  gint64 rid, version;
  gboolean deleted;

  g_assert (w->in_transaction);

  if (!hc_fhir_is_known_type (type))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "'%s' is not a resource type Housecall stores", type);
      return FALSE;
    }
  if (!hc_fhir_is_valid_id (id))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID, "'%s' is not a valid FHIR id", id);
      return FALSE;
    }
  entity = g_strconcat (type, "/", id, NULL);
  if (!refuse_if_in_conflict (w, type, id, error))
    return FALSE;

  stmt = _hc_store_stmt (w, "SELECT rid, version_id, deleted, json FROM resource "
                            "WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND, "%s not found", entity);
      return FALSE;
    }
  rid = sqlite3_column_int64 (stmt, 0);
  version = sqlite3_column_int64 (stmt, 1);
  deleted = sqlite3_column_int (stmt, 2) != 0;
  old = parse_object ((const char *) sqlite3_column_text (stmt, 3));
  sqlite3_reset (stmt);

  if (deleted)
    {
      *outcome = HC_WRITE_UNCHANGED;
      return TRUE;
    }
  if (old == NULL)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT, "%s: stored JSON is unreadable",
                   entity);
      return FALSE;
    }

  if (strcmp (type, "Provenance") == 0 || strcmp (type, "AuditEvent") == 0)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE,
                   "%s is part of the record's history and cannot be deleted", entity);
      return FALSE;
    }

  if (mark_entered_in_error (old, type))
    return _hc_store_write_resource (w, old, NULL, outcome, error);

  if (strcmp (type, "Patient") == 0)
    {
      gint64 n = 0;

      stmt = _hc_store_stmt (w, "SELECT COUNT(*) FROM resource WHERE patient = ? AND deleted = 0 "
                                "AND type <> 'Patient'", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (n > 0)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE,
                       "%s has %" G_GINT64_FORMAT " chart entries and cannot be deleted; "
                       "set the patient inactive instead", entity, n);
          return FALSE;
        }
      if (!_hc_store_unindex_patient (w, rid, error))
        return FALSE;
    }

  stmt = _hc_store_stmt (w, "UPDATE resource SET deleted = 1, local_rev = local_rev + 1, "
                            "sync_state = 3 WHERE rid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (!_hc_store_step_done (w, stmt, entity, error))
    return FALSE;
  if (!queue_change (w, "delete", type, id, version, NULL, error))
    return FALSE;
  if (!w->bulk && !_hc_store_audit (w, "delete", entity, NULL, error))
    return FALSE;
  w->wrote = TRUE;
  *outcome = HC_WRITE_DELETED;
  return TRUE;
}

void
_hc_store_count_outcome (HcImportStats  *stats,
                         HcWriteOutcome  outcome)
{
  if (stats == NULL)
    return;
  switch (outcome)
    {
    case HC_WRITE_CREATED:
      stats->created++;
      break;
    case HC_WRITE_UPDATED:
      stats->updated++;
      break;
    case HC_WRITE_DELETED:
      stats->deleted++;
      break;
    case HC_WRITE_UNCHANGED:
    default:
      stats->unchanged++;
      break;
    }
}

/* Inside a transaction: stores @res (NULL: a tombstone) as the current row of @type/@id with
 * server version @version and sync state @sync_state, indexed, without queueing or auditing:
 * what the server sent, or a provisional merge. @prepared, when not NULL, is @res as text. */
gboolean
_hc_store_put_row (HcStoreWorker  *w,
                   const char     *type,
                   const char     *id,
                   gint64          version,
                   int             sync_state,
                   JsonObject     *res,
                   const char     *prepared,
                   GError        **error)
{
  g_autofree char *entity = g_strconcat (type, "/", id, NULL);
  g_autofree char *owned_text = NULL;
  const char *text;
  sqlite3_stmt *stmt;
  gint64 rid = 0;
  gboolean exists = FALSE, was_deleted = FALSE;

  g_assert (w->in_transaction);

  stmt = _hc_store_stmt (w, "SELECT rid, deleted FROM resource WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      exists = TRUE;
      rid = sqlite3_column_int64 (stmt, 0);
      was_deleted = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);

  if (res == NULL)
    {
      if (!exists)
        return TRUE;   /* never had it: nothing to remove */
      if (!was_deleted && strcmp (type, "Patient") == 0 && !_hc_store_unindex_patient (w, rid, error))
        return FALSE;
      stmt = _hc_store_stmt (w, "UPDATE resource SET deleted = 1, version_id = ?, sync_state = ?, "
                                "local_rev = local_rev + 1 WHERE rid = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, version);
      sqlite3_bind_int (stmt, 2, sync_state);
      sqlite3_bind_int64 (stmt, 3, rid);
      if (!_hc_store_step_done (w, stmt, entity, error))
        return FALSE;
      w->wrote = TRUE;
      return TRUE;
    }

  text = prepared ? prepared : (owned_text = to_json_text (res));
  if (!exists)
    {
      stmt = _hc_store_stmt (w, "INSERT INTO resource (type, id, version_id, local_rev, deleted, "
                                "sync_state, patient, status, date, code, encounter, json) "
                                "VALUES (?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, version);
      sqlite3_bind_int (stmt, 4, sync_state);
      bind_index (stmt, 5, res, type);
      sqlite3_bind_text (stmt, 10, text, -1, SQLITE_STATIC);
      if (!_hc_store_step_done (w, stmt, entity, error))
        return FALSE;
      rid = sqlite3_last_insert_rowid (w->db);
    }
  else
    {
      stmt = _hc_store_stmt (w, "UPDATE resource SET version_id = ?, sync_state = ?, deleted = 0, "
                                "local_rev = local_rev + 1, patient = ?, status = ?, date = ?, "
                                "code = ?, encounter = ?, json = ? WHERE rid = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, version);
      sqlite3_bind_int (stmt, 2, sync_state);
      bind_index (stmt, 3, res, type);
      sqlite3_bind_text (stmt, 8, text, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 9, rid);
      if (!_hc_store_step_done (w, stmt, entity, error))
        return FALSE;
    }
  if (strcmp (type, "Patient") == 0 && !_hc_store_index_patient (w, rid, res, error))
    return FALSE;
  w->wrote = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The store thread */

static void
job_free (Job *job)
{
  if (job->data_destroy && job->data)
    job->data_destroy (job->data);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->task);
  g_mutex_clear (&job->sync.mutex);
  g_cond_clear (&job->sync.cond);
  g_free (job);
}

/* Closes the connection; an encrypted one takes its VFS and wipes its key. */
static void
close_db (HcStoreWorker *w)
{
  if (w->stmts != NULL)
    g_hash_table_remove_all (w->stmts);
  if (w->db != NULL)
    hc_crypt_db_close (w->db);
  w->db = NULL;
  g_clear_pointer (&w->audit_key, hc_crypt_key_free);
}

static void
worker_free (HcStoreWorker *w)
{
  g_clear_pointer (&w->stmts, g_hash_table_unref);
  close_db (w);
  g_async_queue_unref (w->queue);
  g_clear_pointer (&w->owner_context, g_main_context_unref);
  g_weak_ref_clear (&w->owner);
  g_mutex_clear (&w->actor_lock);
  g_free (w->actor);
  g_free (w->tx_actor);
  g_free (w->tx_time);
  g_free (w->dir);
  g_free (w);
}

static gpointer open_job (HcStoreWorker *w, gpointer data, GCancellable *cancellable,
                          GError **error);

static gpointer
worker_main (gpointer data)
{
  HcStoreWorker *w = data;
  Job *job;

  while ((job = g_async_queue_pop (w->queue)) != &quit_job)
    {
      GError *error = NULL;
      gpointer result = NULL;

      if (!g_cancellable_set_error_if_cancelled (job->cancellable, &error))
        {
          if (w->db == NULL && job->func != open_job && w->locked)
            g_set_error_literal (&error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED, "the store is locked");
          else if (w->db == NULL && job->func != open_job)
            g_set_error_literal (&error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "the store is closed");
          else
            result = job->func (w, job->data, job->cancellable, &error);
        }
      if (w->in_transaction)
        {
          g_critical ("store job left a transaction open");
          _hc_store_rollback (w);
        }
      g_assert (result != NULL || error != NULL);

      if (job->task != NULL)
        {
          if (error != NULL)
            g_task_return_error (job->task, error);
          else
            g_task_return_pointer (job->task, result, job->result_destroy);
          job_free (job);
        }
      else
        {
          g_mutex_lock (&job->sync.mutex);
          job->sync.result = result;
          job->sync.error = error;
          job->sync.done = TRUE;
          g_cond_signal (&job->sync.cond);
          g_mutex_unlock (&job->sync.mutex);
        }
    }

  g_hash_table_remove_all (w->stmts);
  worker_free (w);
  return NULL;
}

static void
finalize_stmt (gpointer data)
{
  sqlite3_finalize (data);
}

static HcStoreWorker *
worker_new (void)
{
  HcStoreWorker *w = g_new0 (HcStoreWorker, 1);

  w->queue = g_async_queue_new ();
  w->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  g_mutex_init (&w->actor_lock);
  w->actor = g_strdup (g_get_user_name ());
  g_weak_ref_init (&w->owner, NULL);
  w->thread = g_thread_new ("hc-store", worker_main, w);
  return w;
}

static Job *
job_new (HcStoreJobFunc  func,
         gpointer        data,
         GDestroyNotify  data_destroy,
         GCancellable   *cancellable)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->data = data;
  job->data_destroy = data_destroy;
  job->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_mutex_init (&job->sync.mutex);
  g_cond_init (&job->sync.cond);
  return job;
}

static gpointer
run_job_sync (HcStoreWorker   *w,
              HcStoreJobFunc   func,
              gpointer         data,
              GDestroyNotify   result_destroy,
              GCancellable    *cancellable,
              GError         **error)
{
  Job *job = job_new (func, data, NULL, cancellable);
  gpointer result;

  g_assert (g_thread_self () != w->thread);

  g_async_queue_push (w->queue, job);
  g_mutex_lock (&job->sync.mutex);
  while (!job->sync.done)
    g_cond_wait (&job->sync.cond, &job->sync.mutex);
  g_mutex_unlock (&job->sync.mutex);

  result = job->sync.result;
  if (job->sync.error)
    g_propagate_error (error, job->sync.error);
  job_free (job);
  (void) result_destroy;
  return result;
}

gpointer
_hc_store_run_sync (HcStore         *self,
                    HcStoreJobFunc   func,
                    gpointer         data,
                    GCancellable    *cancellable,
                    GError         **error)
{
  return run_job_sync (self->worker, func, data, NULL, cancellable, error);
}

static void
run_job_async (HcStore            *self,
               gpointer            source_tag,
               HcStoreJobFunc      func,
               gpointer            data,
               GDestroyNotify      data_destroy,
               GDestroyNotify      result_destroy,
               GCancellable       *cancellable,
               GAsyncReadyCallback callback,
               gpointer            user_data)
{
  Job *job = job_new (func, data, data_destroy, cancellable);

  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  job->result_destroy = result_destroy;
  g_async_queue_push (self->worker->queue, job);
}

/* ------------------------------------------------------------------------------------------ */
/* Opening */

typedef struct
{
  char            *dir;
  HcStoreOpenFlags flags;
  int              version;     /* schema version to migrate to */
  char            *passphrase;  /* wiped when freed */
  gboolean         plaintext;   /* benchmarks' baseline only */
  gboolean         encrypted;   /* set: this open encrypted an unencrypted store */
} OpenData;

static void
wipe_string (char *text)
{
  if (text != NULL)
    gnutls_memset (text, 0, strlen (text));
  g_free (text);
}

static void
open_data_clear (OpenData *od)
{
  g_clear_pointer (&od->dir, g_free);
  g_clear_pointer (&od->passphrase, wipe_string);
}

static void
open_data_free (gpointer data)
{
  open_data_clear (data);
  g_free (data);
}

static gboolean
directory_is_empty (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  return d == NULL || g_dir_read_name (d) == NULL;
}

static gboolean
pragma_int (HcStoreWorker  *w,
            const char     *sql,
            int            *value,
            GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (w->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return _hc_store_sqlite_error (w, rc, sql, error);
    }
  *value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

/* HcCryptError to HcStoreError, naming the store */
static void
set_crypt_error (GError     **error,
                 GError      *crypt_error,
                 const char  *dir)
{
  int code = HC_STORE_ERROR_FAILED;

  switch (crypt_error->domain == HC_CRYPT_ERROR ? crypt_error->code : -1)
    {
    case HC_CRYPT_ERROR_WRONG_PASSPHRASE:
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE,
                   "wrong passphrase for the store in %s", dir);
      g_error_free (crypt_error);
      return;
    case HC_CRYPT_ERROR_WEAK_PASSPHRASE:
      code = HC_STORE_ERROR_INVALID;
      break;
    case HC_CRYPT_ERROR_BAD_KEY_FILE:
      code = HC_STORE_ERROR_NOT_A_STORE;
      break;
    default:
      break;
    }
  g_set_error (error, HC_STORE_ERROR, code, "%s", crypt_error->message);
  g_error_free (crypt_error);
}

static gboolean
fsync_path (const char *path)
{
  int fd = g_open (path, O_RDONLY, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* Overwrites a file with zeros before unlinking it: the plaintext database an earlier version
 * left (a filesystem may still keep old blocks; docs/store.md says so). */
static void
wipe_and_unlink (const char *path)
{
  int fd = g_open (path, O_WRONLY, 0);

  if (fd >= 0)
    {
      struct stat st;
      static const char zeros[65536];

      if (fstat (fd, &st) == 0)
        for (off_t done = 0; done < st.st_size;)
          {
            ssize_t n = pwrite (fd, zeros, MIN ((off_t) sizeof zeros, st.st_size - done), done);
            if (n <= 0)
              break;
            done += n;
          }
      fsync (fd);
      close (fd);
    }
  g_unlink (path);
}

/*
 * A store from before encryption: housecall.db in plaintext, no key file. Encrypts a copy
 * (VACUUM INTO through the encrypting VFS, with the reserved bytes the cipher needs), writes
 * the key file, then swaps the copy in by rename. A crash at any point leaves either the
 * plaintext store (and leftovers the next open removes) or the encrypted one.
 *
 *   1. housecall.db.encrypting  (the encrypted copy, synced)
 *   2. housecall.key.encrypting (its key, synced)
 *   3. housecall.db.plaintext   (a second name for the old file)
 *   4. rename 2 -> housecall.key, then 1 -> housecall.db; wipe and unlink 3
 */
static gboolean
encrypt_plaintext_store (HcStoreWorker  *w,
                         OpenData       *od,
                         const char     *db_path,
                         const char     *key_path,
                         GError        **error)
{
  g_autofree char *copy = g_strconcat (db_path, ".encrypting", NULL);
  g_autofree char *new_key = g_strconcat (key_path, ".encrypting", NULL);
  g_autofree char *old = g_strconcat (db_path, ".plaintext", NULL);
  g_autofree char *uri = NULL, *sql = NULL;
  GError *crypt_error = NULL;
  HcCryptKey *key;
  HcCryptVfs *vfs;
  int app_id = 0, page_size = 0, reserve = HC_CRYPT_RESERVE, rc;
  gboolean ok;

  g_unlink (copy);
  g_unlink (new_key);
  if (!hc_crypt_check_new_passphrase (od->passphrase, &crypt_error))
    {
      set_crypt_error (error, crypt_error, od->dir);
      return FALSE;
    }

  rc = sqlite3_open_v2 (db_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI |
                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK)
    goto sqlite_fail;
  sqlite3_busy_timeout (w->db, 5000);
  if (!pragma_int (w, "PRAGMA application_id", &app_id, NULL) ||
      app_id != HC_STORE_APPLICATION_ID)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE,
                   "%s is not a Housecall store database", db_path);
      close_db (w);
      return FALSE;
    }
  if (!pragma_int (w, "PRAGMA page_size", &page_size, error))
    {
      close_db (w);
      return FALSE;
    }
  /* the copy gets what VACUUM takes as the wanted reserve */
  sqlite3_file_control (w->db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);

  if ((key = hc_crypt_key_new_random (&crypt_error)) == NULL ||
      !hc_crypt_key_file_write (new_key, key, od->passphrase, page_size, &crypt_error))
    {
      hc_crypt_key_free (key);
      close_db (w);
      set_crypt_error (error, crypt_error, od->dir);
      return FALSE;
    }
  vfs = hc_crypt_vfs_new (key, page_size);
  uri = sqlite3_mprintf ("file:%s?vfs=%s", copy, hc_crypt_vfs_get_name (vfs));
  sql = sqlite3_mprintf ("PRAGMA synchronous = FULL; VACUUM INTO %Q", uri);
  rc = sqlite3_exec (w->db, sql, NULL, NULL, NULL);
  sqlite3_free (g_steal_pointer (&uri));
  sqlite3_free (g_steal_pointer (&sql));
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (w->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      _hc_store_sqlite_error (w, rc, "encrypting the store", error);
      close_db (w);
      hc_crypt_vfs_free (vfs);
      g_unlink (copy);
      g_unlink (new_key);
      return FALSE;
    }
  close_db (w);
  hc_crypt_vfs_free (vfs);

  ok = fsync_path (copy);
  g_unlink (old);
  ok = ok && link (db_path, old) == 0;
  ok = ok && g_rename (new_key, key_path) == 0;
  if (ok)
    {
      g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);

      g_unlink (wal);
      g_unlink (shm);
      ok = g_rename (copy, db_path) == 0;
    }
  if (!ok)
    {
      int saved = errno;
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED,
                   "cannot encrypt the store in %s: %s", od->dir, g_strerror (saved));
      return FALSE;
    }
  fsync_path (od->dir);
  wipe_and_unlink (old);
  fsync_path (od->dir);
  g_debug ("encrypted a plaintext store");
  return TRUE;

sqlite_fail:
  _hc_store_sqlite_error (w, rc, db_path, error);
  close_db (w);
  return FALSE;
}

/* Finishes or undoes an encryption that a crash interrupted. */
static void
recover_interrupted_encryption (const char *db_path,
                                const char *key_path)
{
  g_autofree char *copy = g_strconcat (db_path, ".encrypting", NULL);
  g_autofree char *new_key = g_strconcat (key_path, ".encrypting", NULL);
  g_autofree char *old = g_strconcat (db_path, ".plaintext", NULL);

  if (g_file_test (key_path, G_FILE_TEST_EXISTS) && g_file_test (copy, G_FILE_TEST_EXISTS))
    {
      /* the key is in place: the copy is complete and belongs to it */
      g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);

      g_unlink (wal);
      g_unlink (shm);
      if (g_rename (copy, db_path) != 0)
        return;
    }
  else
    {
      g_unlink (copy);
      g_unlink (new_key);
    }
  if (g_file_test (old, G_FILE_TEST_EXISTS))
    wipe_and_unlink (old);
}

static gboolean
open_connection (HcStoreWorker  *w,
                 OpenData       *od,
                 const char     *db_path,
                 gboolean        exists,
                 GError        **error)
{
  g_autofree char *key_path = g_build_filename (od->dir, HC_STORE_KEY_NAME, NULL);
  int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_EXRESCODE;
  GError *crypt_error = NULL;
  HcCryptKey *key;
  guint page_size = HC_CRYPT_PAGE_SIZE;
  int rc;

  if (od->plaintext)
    {
      rc = sqlite3_open_v2 (db_path, &w->db, flags, NULL);
      if (rc == SQLITE_OK && !exists)
        rc = sqlite3_exec (w->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        return _hc_store_sqlite_error (w, rc, db_path, error);
      return TRUE;
    }

  if (exists)
    {
      recover_interrupted_encryption (db_path, key_path);
      if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
        {
          if (!encrypt_plaintext_store (w, od, db_path, key_path, error))
            return FALSE;
          od->encrypted = TRUE;
        }
      key = hc_crypt_key_file_unlock (key_path, od->passphrase, &page_size, &crypt_error);
    }
  else if ((key = hc_crypt_key_new_random (&crypt_error)) != NULL &&
           !hc_crypt_key_file_write (key_path, key, od->passphrase, page_size, &crypt_error))
    g_clear_pointer (&key, hc_crypt_key_free);
  if (key == NULL)
    {
      set_crypt_error (error, crypt_error, od->dir);
      return FALSE;
    }

  /* the audit log's signing key, before the VFS takes the database key */
  g_clear_pointer (&w->audit_key, hc_crypt_key_free);
  w->audit_key = hc_crypt_key_derive (key, (const guint8 *) HC_STORE_AUDIT_KEY_INFO,
                                      strlen (HC_STORE_AUDIT_KEY_INFO), &crypt_error);
  if (w->audit_key == NULL)
    {
      hc_crypt_key_free (key);
      set_crypt_error (error, crypt_error, od->dir);
      return FALSE;
    }
  rc = hc_crypt_db_open (db_path, key, page_size, flags, &w->db);
  if (rc != SQLITE_OK)
    {
      g_clear_pointer (&w->audit_key, hc_crypt_key_free);
      _hc_store_sqlite_error (w, rc, db_path, error);
      if (!exists)
        g_unlink (key_path);
      return FALSE;
    }
  return TRUE;
}

static gpointer
open_job (HcStoreWorker  *w,
          gpointer        data,
          GCancellable   *cancellable,
          GError        **error)
{
  OpenData *od = data;
  g_autofree char *path = NULL;
  gboolean exists;
  int app_id = 0, version = 0;

  path = g_build_filename (od->dir, HC_STORE_DB_NAME, NULL);
  exists = g_file_test (path, G_FILE_TEST_EXISTS);

  if (!exists)
    {
      if (!(od->flags & HC_STORE_OPEN_CREATE))
        {
          if (g_file_test (od->dir, G_FILE_TEST_IS_DIR) && !directory_is_empty (od->dir))
            g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE,
                         "%s is not a Housecall store (it has no %s)", od->dir, HC_STORE_DB_NAME);
          else
            g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND,
                         "no store at %s; create one with 'housecall-cli init'", od->dir);
          return NULL;
        }
      if (g_file_test (od->dir, G_FILE_TEST_EXISTS) && !g_file_test (od->dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE,
                       "%s is a file, not a store directory", od->dir);
          return NULL;
        }
      if (!directory_is_empty (od->dir))
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE,
                       "%s is not empty and not a Housecall store; refusing to use it", od->dir);
          return NULL;
        }
      if (!od->plaintext)
        {
          GError *crypt_error = NULL;
          if (!hc_crypt_check_new_passphrase (od->passphrase, &crypt_error))
            {
              set_crypt_error (error, crypt_error, od->dir);
              return NULL;
            }
        }
      if (g_mkdir_with_parents (od->dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, HC_STORE_ERROR, saved == ENOSPC ? HC_STORE_ERROR_DISK_FULL :
                       HC_STORE_ERROR_FAILED, "cannot create %s: %s", od->dir, g_strerror (saved));
          return NULL;
        }
    }

  g_free (w->dir);
  w->dir = g_strdup (od->dir);
  w->plaintext = od->plaintext;
  if (!open_connection (w, od, path, exists, error))
    goto fail;
  sqlite3_extended_result_codes (w->db, 1);
  sqlite3_busy_timeout (w->db, 5000);

  if (exists)
    {
      GError *local = NULL;

      if (!pragma_int (w, "PRAGMA application_id", &app_id, &local) ||
          app_id != HC_STORE_APPLICATION_ID)
        {
          /* a page that fails authentication is damage, not someone else's database */
          if (local != NULL && g_error_matches (local, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT))
            g_propagate_error (error, local);
          else
            {
              g_clear_error (&local);
              g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_A_STORE,
                           "%s is not a Housecall store database", path);
            }
          goto fail;
        }
      if (!pragma_int (w, "PRAGMA user_version", &version, error))
        goto fail;
      if (version > _hc_store_latest_schema ())
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_NEW,
                       "%s was written by a newer Housecall (schema %d; this one knows %d)",
                       path, version, _hc_store_latest_schema ());
          goto fail;
        }
    }
  else
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA application_id = %d", HC_STORE_APPLICATION_ID);
      if (!_hc_store_exec (w, sql, error))
        goto fail;
    }

  if (!_hc_store_exec (w, "PRAGMA journal_mode = WAL;"
                          "PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON;"
                          "PRAGMA temp_store = MEMORY;"
                          "PRAGMA cache_size = -32768;", error))
    goto fail;

  if (!_hc_store_migrate (w, od->version, error))
    goto fail;
  /* the log of a store that was unencrypted had no key to be signed with */
  if (od->encrypted && od->version >= HC_STORE_SCHEMA_AUDIT_SIG &&
      !_hc_store_sign_legacy_audit_tx (w, error))
    goto fail;

  {
    /* a store kept at an older schema (tests) has no audit table yet */
    GError *local = NULL;
    if (!load_last_hash (w, &local))
      {
        if (g_error_matches (local, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT))
          {
            g_propagate_error (error, local);
            goto fail;
          }
        g_clear_error (&local);
      }
  }
  _hc_store_load_login_actor (w);
  w->locked = FALSE;
  return w;

fail:
  close_db (w);
  return NULL;
}

static void
hc_store_finalize (GObject *object)
{
  HcStore *self = HC_STORE (object);
  HcStoreWorker *w = self->worker;
  GThread *thread = w->thread;

  g_async_queue_push (w->queue, &quit_job);
  if (g_thread_self () == thread)
    g_thread_unref (thread);  /* the last reference went on the store thread: it ends by itself */
  else
    g_thread_join (thread);

  G_OBJECT_CLASS (hc_store_parent_class)->finalize (object);
}

static void
hc_store_class_init (HcStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_store_finalize;

  /**
   * HcStore::changed:
   *
   * Emitted in the main context the store was opened from after a local transaction that
   * changed resources has committed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hc_store_init (HcStore *self)
{
  self->worker = worker_new ();
  self->worker->owner_context = g_main_context_ref_thread_default ();
  g_weak_ref_set (&self->worker->owner, self);
}

static HcStore *
open_store (const char        *dir,
            HcStoreOpenFlags   flags,
            int                version,
            const char        *passphrase,
            gboolean           plaintext,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autoptr(HcStore) self = g_object_new (HC_TYPE_STORE, NULL);
  OpenData od = { g_strdup (dir), flags, version, g_strdup (passphrase), plaintext };
  gpointer ok;

  ok = run_job_sync (self->worker, open_job, &od, NULL, cancellable, error);
  open_data_clear (&od);
  return ok ? g_steal_pointer (&self) : NULL;
}

HcStore *
_hc_store_open_at_version (const char  *dir,
                           int          version,
                           const char  *passphrase,
                           GError     **error)
{
  return open_store (dir, HC_STORE_OPEN_CREATE, version, passphrase, FALSE, NULL, error);
}

HcStore *
_hc_store_open_unencrypted (const char        *dir,
                            HcStoreOpenFlags   flags,
                            GError           **error)
{
  return open_store (dir, flags, _hc_store_latest_schema (), NULL, TRUE, NULL, error);
}

sqlite3 *
_hc_store_open_db (const char  *dir,
                   const char  *passphrase,
                   int          flags,
                   GError     **error)
{
  g_autofree char *db_path = g_build_filename (dir, HC_STORE_DB_NAME, NULL);
  g_autofree char *key_path = g_build_filename (dir, HC_STORE_KEY_NAME, NULL);
  GError *crypt_error = NULL;
  HcCryptKey *key;
  guint page_size = 0;
  sqlite3 *db = NULL;
  int rc;

  key = hc_crypt_key_file_unlock (key_path, passphrase, &page_size, &crypt_error);
  if (key == NULL)
    {
      set_crypt_error (error, crypt_error, dir);
      return NULL;
    }
  rc = hc_crypt_db_open (db_path, key, page_size, flags, &db);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "%s: %s", db_path,
                   sqlite3_errstr (rc));
      return NULL;
    }
  return db;
}

char *
hc_store_default_dir (void)
{
  const char *env = g_getenv ("HOUSECALL_STORE");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "housecall", "store", NULL);
}

/**
 * hc_store_open_sync:
 * @dir: the store directory
 * @flags: %HC_STORE_OPEN_CREATE to create a new store in a missing or empty directory
 * @passphrase: unlocks the store's key; a new store is encrypted under it
 *
 * Opens (and migrates) the store in @dir. Refuses a directory that holds something else, and
 * a wrong passphrase (%HC_STORE_ERROR_WRONG_PASSPHRASE) without touching any file.
 */
HcStore *
hc_store_open_sync (const char        *dir,
                    HcStoreOpenFlags   flags,
                    const char        *passphrase,
                    GCancellable      *cancellable,
                    GError           **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  return open_store (dir, flags, _hc_store_latest_schema (), passphrase, FALSE, cancellable,
                     error);
}

static void
open_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_pointer (G_TASK (result), &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (source), g_object_unref);
}

void
hc_store_open_async (const char          *dir,
                     HcStoreOpenFlags     flags,
                     const char          *passphrase,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(HcStore) self = g_object_new (HC_TYPE_STORE, NULL);
  GTask *task;
  OpenData *od;

  g_return_if_fail (dir != NULL);
  g_return_if_fail (passphrase != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hc_store_open_async);
  od = g_new0 (OpenData, 1);
  od->dir = g_strdup (dir);
  od->flags = flags;
  od->version = _hc_store_latest_schema ();
  od->passphrase = g_strdup (passphrase);
  run_job_async (self, hc_store_open_async, open_job, od, open_data_free, NULL, cancellable,
                 open_async_cb, task);
}

HcStore *
hc_store_open_finish (GAsyncResult  *result,
                      GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
lock_job (HcStoreWorker  *w,
          gpointer        data,
          GCancellable   *cancellable,
          GError        **error)
{
  close_db (w);
  w->locked = TRUE;
  return GINT_TO_POINTER (1);
}

/**
 * hc_store_lock:
 *
 * Closes the database and wipes the key (gnutls_memset on the locked pages that held it).
 * Calls made after it fail with %HC_STORE_ERROR_LOCKED until hc_store_unlock_sync().
 */
void
hc_store_lock (HcStore *self)
{
  g_return_if_fail (HC_IS_STORE (self));

  run_job_sync (self->worker, lock_job, NULL, NULL, NULL, NULL);
}

gboolean
hc_store_is_locked (HcStore *self)
{
  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  return g_atomic_int_get (&self->worker->locked);
}

gboolean
hc_store_unlock_sync (HcStore       *self,
                      const char    *passphrase,
                      GCancellable  *cancellable,
                      GError       **error)
{
  OpenData od = { NULL, HC_STORE_OPEN_NONE, _hc_store_latest_schema (), NULL, FALSE };
  gpointer ok;

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);

  if (!hc_store_is_locked (self))
    return TRUE;
  od.dir = g_strdup (self->worker->dir);
  od.passphrase = g_strdup (passphrase);
  ok = run_job_sync (self->worker, open_job, &od, NULL, cancellable, error);
  open_data_clear (&od);
  return ok != NULL;
}

gboolean
hc_store_change_passphrase_sync (const char  *dir,
                                 const char  *old_passphrase,
                                 const char  *new_passphrase,
                                 GError     **error)
{
  g_autofree char *key_path = NULL;
  GError *crypt_error = NULL;

  g_return_val_if_fail (dir != NULL && old_passphrase != NULL && new_passphrase != NULL, FALSE);

  key_path = g_build_filename (dir, HC_STORE_KEY_NAME, NULL);
  if (!g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND,
                   "no encrypted store at %s", dir);
      return FALSE;
    }
  if (!hc_crypt_key_file_rewrap (key_path, old_passphrase, new_passphrase, &crypt_error))
    {
      set_crypt_error (error, crypt_error, dir);
      return FALSE;
    }
  return TRUE;
}

const char *
hc_store_get_dir (HcStore *self)
{
  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  return self->worker->dir;
}

static void
set_worker_actor (HcStoreWorker *w,
                  const char    *actor)
{
  g_mutex_lock (&w->actor_lock);
  g_free (w->actor);
  w->actor = g_strdup (actor ? actor : g_get_user_name ());
  g_mutex_unlock (&w->actor_lock);
}

void
hc_store_set_actor (HcStore    *self,
                    const char *actor)
{
  g_return_if_fail (HC_IS_STORE (self));

  set_worker_actor (self->worker, actor);
}

/* The audit log and the changesets name the user the store is logged in to the server as
 * (the sync value "user"), on every device and from the app and the CLI alike; a store never
 * logged in names the operating-system user. Called on the store thread when the store opens
 * or unlocks and when the login changes. */
void
_hc_store_load_login_actor (HcStoreWorker *w)
{
  sqlite3_stmt *stmt;
  g_autofree char *user = NULL;

  /* a store kept at an older schema (tests) has no sync_state table */
  stmt = _hc_store_stmt (w, "SELECT value FROM sync_state WHERE key = 'user'", NULL);
  if (stmt == NULL)
    return;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    user = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (user != NULL)
    set_worker_actor (w, user);
}

/* ------------------------------------------------------------------------------------------ */
/* Put, delete, get */

static gpointer
put_job (HcStoreWorker  *w,
         gpointer        data,
         GCancellable   *cancellable,
         GError        **error)
{
  g_autoptr(JsonObject) copy = NULL;
  HcWriteOutcome outcome;

  /* Work on a copy so the caller's object stays as it was. */
  copy = hc_json_object_copy (data);

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!_hc_store_write_resource (w, copy, NULL, &outcome, error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return g_steal_pointer (&copy);
}

JsonObject *
hc_store_put_sync (HcStore       *self,
                   JsonObject    *resource,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (resource != NULL, NULL);

  return run_job_sync (self->worker, put_job, resource, NULL, cancellable, error);
}

void
hc_store_put_async (HcStore             *self,
                    JsonObject          *resource,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (resource != NULL);

  run_job_async (self, hc_store_put_async, put_job, json_object_ref (resource),
                 (GDestroyNotify) json_object_unref, (GDestroyNotify) json_object_unref,
                 cancellable, callback, user_data);
}

JsonObject *
hc_store_put_finish (HcStore       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
put_many_job (HcStoreWorker  *w,
              gpointer        data,
              GCancellable   *cancellable,
              GError        **error)
{
  JsonArray *resources = data;
  g_autoptr(JsonArray) stored = json_array_new ();
  guint n = json_array_get_length (resources);

  if (!_hc_store_begin (w, error))
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (resources, i);
      g_autoptr(JsonObject) copy = NULL;
      HcWriteOutcome outcome;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                       "entry %u is not a resource object", i);
          _hc_store_rollback (w);
          return NULL;
        }
      copy = hc_json_object_copy (json_node_get_object (node));
      if (!_hc_store_write_resource (w, copy, NULL, &outcome, error))
        {
          _hc_store_rollback (w);
          return NULL;
        }
      json_array_add_object_element (stored, g_steal_pointer (&copy));
    }
  if (!_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return g_steal_pointer (&stored);
}

JsonArray *
hc_store_put_many_sync (HcStore       *self,
                        JsonArray     *resources,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (resources != NULL, NULL);

  return run_job_sync (self->worker, put_many_job, resources, NULL, cancellable, error);
}

void
hc_store_put_many_async (HcStore             *self,
                         JsonArray           *resources,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (resources != NULL);

  run_job_async (self, hc_store_put_many_async, put_many_job, json_array_ref (resources),
                 (GDestroyNotify) json_array_unref, (GDestroyNotify) json_array_unref,
                 cancellable, callback, user_data);
}

JsonArray *
hc_store_put_many_finish (HcStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char  *patient_id;
  char **types;
} ChartQuery;

static void
chart_query_free (gpointer data)
{
  ChartQuery *cq = data;
  g_free (cq->patient_id);
  g_strfreev (cq->types);
  g_free (cq);
}

/* What a client "deleted": kept for the record, but not part of the chart any more. */
static gboolean
is_entered_in_error (JsonObject *res)
{
  JsonObject *verification;
  JsonArray *codings;

  if (g_strcmp0 (hc_json_get_string (res, "status"), "entered-in-error") == 0)
    return TRUE;
  verification = hc_json_get_object (res, "verificationStatus");
  codings = verification ? hc_json_get_array (verification, "coding") : NULL;
  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    {
      JsonNode *node = json_array_get_element (codings, i);
      if (JSON_NODE_HOLDS_OBJECT (node) &&
          g_strcmp0 (hc_json_get_string (json_node_get_object (node), "code"),
                     "entered-in-error") == 0)
        return TRUE;
    }
  return FALSE;
}

static gpointer
list_chart_job (HcStoreWorker  *w,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  ChartQuery *cq = data;
  g_autofree char *patient = g_strconcat ("Patient/", cq->patient_id, NULL);
  g_autoptr(JsonArray) rows = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  if (!hc_fhir_is_valid_id (cq->patient_id))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "'%s' is not a valid patient id", cq->patient_id);
      return NULL;
    }
  for (guint i = 0; cq->types != NULL && cq->types[i] != NULL; i++)
    if (!hc_fhir_is_known_type (cq->types[i]))
      {
        g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                     "'%s' is not a known resource type", cq->types[i]);
        return NULL;
      }

  /* The type filter is a JSON array bound as one parameter, so the statement stays cached. */
  /* a record changed here is "sent" once a push carried its latest change; one with an open
   * conflict shows the server's version until someone settles it */
  stmt = _hc_store_stmt (w, "SELECT json, sync_state, sync_state <> 0 AND "
                            "(SELECT MAX (e.changeset) FROM changeset_entry e JOIN changeset c "
                            " ON c.seq = e.changeset WHERE e.type = resource.type "
                            " AND e.id = resource.id AND c.state = 'pending') <= "
                            "(SELECT CAST (value AS INTEGER) FROM sync_state "
                            " WHERE key = 'sent_through'), "
                            "EXISTS (SELECT 1 FROM conflict WHERE conflict.type = resource.type "
                            " AND conflict.resource_id = resource.id "
                            " AND conflict.resolved_at IS NULL) FROM resource "
                            "WHERE patient = ?1 AND deleted = 0 "
                            "AND (?2 IS NULL OR type IN (SELECT value FROM json_each (?2))) "
                            "ORDER BY date DESC NULLS LAST, rid DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient, -1, SQLITE_STATIC);
  if (cq->types != NULL)
    {
      g_autoptr(GString) filter = g_string_new ("[");
      for (guint i = 0; cq->types[i] != NULL; i++)
        g_string_append_printf (filter, "%s\"%s\"", i ? "," : "", cq->types[i]);
      g_string_append_c (filter, ']');
      sqlite3_bind_text (stmt, 2, filter->str, -1, SQLITE_TRANSIENT);
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row;
      JsonObject *resource = parse_object ((const char *) sqlite3_column_text (stmt, 0));

      if (resource == NULL || is_entered_in_error (resource))
        {
          /* unreadable rows are reported by verify, not by the chart */
          g_clear_pointer (&resource, json_object_unref);
          continue;
        }
      row = json_object_new ();
      json_object_set_object_member (row, "resource", resource);
      json_object_set_string_member (row, "state",
                                     sqlite3_column_int (stmt, 3) ? "conflict" :
                                     sqlite3_column_int (stmt, 1) == 0 ? "confirmed" :
                                     sqlite3_column_int (stmt, 2) ? "sent" : "local");
      json_array_add_object_element (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hc_store_sqlite_error (w, rc, patient, error);
      return NULL;
    }

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!_hc_store_audit (w, "read", patient, "chart", error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

JsonArray *
hc_store_list_chart_sync (HcStore             *self,
                          const char          *patient_id,
                          const char * const  *types,
                          GCancellable        *cancellable,
                          GError             **error)
{
  ChartQuery cq = { (char *) patient_id, (char **) types };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  return run_job_sync (self->worker, list_chart_job, &cq, NULL, cancellable, error);
}

void
hc_store_list_chart_async (HcStore             *self,
                           const char          *patient_id,
                           const char * const  *types,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ChartQuery *cq;

  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (patient_id != NULL);

  cq = g_new0 (ChartQuery, 1);
  cq->patient_id = g_strdup (patient_id);
  cq->types = g_strdupv ((char **) types);
  run_job_async (self, hc_store_list_chart_async, list_chart_job, cq, chart_query_free,
                 (GDestroyNotify) json_array_unref, cancellable, callback, user_data);
}

/* Per row, version_id and local_rev only grow, and every change of sync_state or deleted
 * comes with one of them (or with the row count): their totals change with any change. */
static gpointer
chart_stamp_job (HcStoreWorker  *w,
                 gpointer        data,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autofree char *patient = g_strconcat ("Patient/", (const char *) data, NULL);
  sqlite3_stmt *stmt;
  char *stamp;
  int rc;

  /* and a push on its way changes what the changed records show */
  /* and so does a conflict opened or settled */
  stmt = _hc_store_stmt (w, "SELECT count(*), total(version_id), total(local_rev), total(sync_state),"
                            " total(deleted), (SELECT value FROM sync_state WHERE key = 'sent_through'),"
                            " total((SELECT count(*) FROM conflict WHERE conflict.type = resource.type"
                            "  AND conflict.resource_id = resource.id AND conflict.resolved_at IS NULL))"
                            " FROM resource WHERE patient = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _hc_store_sqlite_error (w, rc, "chart stamp", error);
      return NULL;
    }
  stamp = g_strdup_printf ("%lld:%.0f:%.0f:%.0f:%.0f:%s:%.0f", (long long) sqlite3_column_int64 (stmt, 0),
                           sqlite3_column_double (stmt, 1), sqlite3_column_double (stmt, 2),
                           sqlite3_column_double (stmt, 3), sqlite3_column_double (stmt, 4),
                           sqlite3_column_type (stmt, 5) == SQLITE_NULL ? "" :
                           (const char *) sqlite3_column_text (stmt, 5),
                           sqlite3_column_double (stmt, 6));
  sqlite3_reset (stmt);
  return stamp;
}

void
hc_store_chart_stamp_async (HcStore             *self,
                            const char          *patient_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (patient_id != NULL);

  run_job_async (self, hc_store_chart_stamp_async, chart_stamp_job, g_strdup (patient_id), g_free,
                 g_free, cancellable, callback, user_data);
}

char *
hc_store_chart_stamp_finish (HcStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

JsonArray *
hc_store_list_chart_finish (HcStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static int
compare_appointment_rows (gconstpointer a,
                          gconstpointer b)
{
  JsonObject *ra = json_object_get_object_member (*(JsonObject **) a, "resource");
  JsonObject *rb = json_object_get_object_member (*(JsonObject **) b, "resource");
  g_autoptr(GDateTime) sa = g_date_time_new_from_iso8601 (hc_json_get_string (ra, "start"), NULL);
  g_autoptr(GDateTime) sb = g_date_time_new_from_iso8601 (hc_json_get_string (rb, "start"), NULL);

  return g_date_time_compare (sa, sb);
}

typedef struct
{
  GDateTime *from;
  GDateTime *to;
} AppointmentQuery;

static void
appointment_query_free (gpointer data)
{
  AppointmentQuery *aq = data;
  g_date_time_unref (aq->from);
  g_date_time_unref (aq->to);
  g_free (aq);
}

/* "YYYY-MM-DD" of @when shifted by @days, in UTC: a bound for the date index. */
static char *
index_day (GDateTime *when,
           int        days)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (when);
  g_autoptr(GDateTime) shifted = g_date_time_add_days (utc, days);

  return g_date_time_format (shifted, "%Y-%m-%d");
}

static gpointer
list_appointments_job (HcStoreWorker  *w,
                       gpointer        data,
                       GCancellable   *cancellable,
                       GError        **error)
{
  AppointmentQuery *aq = data;
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autofree char *low = index_day (aq->from, -1);
  g_autofree char *high = index_day (aq->to, 2);
  sqlite3_stmt *stmt;
  int rc;

  /* The date column holds Appointment.start as written, with any UTC offset, so text order is
   * only roughly time order: the index narrows the range by a day on each side (offsets are
   * under 15 hours) and the exact bounds are checked on the parsed times. */
  stmt = _hc_store_stmt (w, "SELECT r.json, r.sync_state, pr.id, p.family, p.given "
                            "FROM resource r "
                            "LEFT JOIN resource pr ON pr.type = 'Patient' AND pr.deleted = 0 "
                            "  AND pr.id = substr (r.patient, 9) "
                            "LEFT JOIN patient p ON p.rid = pr.rid "
                            "WHERE r.type = 'Appointment' AND r.deleted = 0 "
                            "AND r.date >= ?1 AND r.date < ?2 "
                            "ORDER BY r.date, r.rid", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, low, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, high, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) resource = parse_object ((const char *) sqlite3_column_text (stmt, 0));
      g_autoptr(GDateTime) start = NULL;
      JsonObject *row;

      if (resource == NULL || is_entered_in_error (resource))
        continue;
      start = g_date_time_new_from_iso8601 (hc_json_get_string (resource, "start"), NULL);
      if (start == NULL || g_date_time_compare (start, aq->from) < 0 ||
          g_date_time_compare (start, aq->to) >= 0)
        continue;
      row = json_object_new ();
      json_object_set_object_member (row, "resource", g_steal_pointer (&resource));
      json_object_set_string_member (row, "state",
                                     sqlite3_column_int (stmt, 1) == 0 ? "confirmed" : "local");
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        {
          JsonObject *patient = json_object_new ();

          json_object_set_string_member (patient, "id", (const char *) sqlite3_column_text (stmt, 2));
          if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
            json_object_set_string_member (patient, "family",
                                           (const char *) sqlite3_column_text (stmt, 3));
          if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
            json_object_set_string_member (patient, "given",
                                           (const char *) sqlite3_column_text (stmt, 4));
          json_object_set_object_member (row, "patient", patient);
        }
      json_array_add_object_element (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hc_store_sqlite_error (w, rc, "Appointment", error);
      return NULL;
    }

  /* the index order is only rough (see above): sort by the parsed start times */
  if (json_array_get_length (rows) > 1)
    {
      g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      JsonArray *out = json_array_new ();

      for (guint i = 0; i < json_array_get_length (rows); i++)
        g_ptr_array_add (sorted, json_object_ref (json_array_get_object_element (rows, i)));
      g_ptr_array_sort (sorted, compare_appointment_rows);
      for (guint i = 0; i < sorted->len; i++)
        json_array_add_object_element (out, json_object_ref (g_ptr_array_index (sorted, i)));
      json_array_unref (rows);
      rows = out;
    }
  return g_steal_pointer (&rows);
}

JsonArray *
hc_store_list_appointments_sync (HcStore       *self,
                                 GDateTime     *from,
                                 GDateTime     *to,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  AppointmentQuery aq = { from, to };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);

  return run_job_sync (self->worker, list_appointments_job, &aq, NULL, cancellable, error);
}

void
hc_store_list_appointments_async (HcStore             *self,
                                  GDateTime           *from,
                                  GDateTime           *to,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AppointmentQuery *aq;

  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (from != NULL && to != NULL);

  aq = g_new0 (AppointmentQuery, 1);
  aq->from = g_date_time_ref (from);
  aq->to = g_date_time_ref (to);
  run_job_async (self, hc_store_list_appointments_async, list_appointments_job, aq,
                 appointment_query_free, (GDestroyNotify) json_array_unref, cancellable,
                 callback, user_data);
}

JsonArray *
hc_store_list_appointments_finish (HcStore       *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char *type;
  char *id;
} Ref;

static Ref *
ref_new (const char *type,
         const char *id)
{
  Ref *ref = g_new0 (Ref, 1);
  ref->type = g_strdup (type);
  ref->id = g_strdup (id);
  return ref;
}

static void
ref_free (gpointer data)
{
  Ref *ref = data;
  g_free (ref->type);
  g_free (ref->id);
  g_free (ref);
}

static gpointer
delete_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  Ref *ref = data;
  HcWriteOutcome outcome;

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!_hc_store_delete_resource (w, ref->type, ref->id, &outcome, error) ||
      !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_delete_sync (HcStore       *self,
                      const char    *type,
                      const char    *id,
                      GCancellable  *cancellable,
                      GError       **error)
{
  Ref ref = { (char *) type, (char *) id };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (type != NULL && id != NULL, FALSE);

  return run_job_sync (self->worker, delete_job, &ref, NULL, cancellable, error) != NULL;
}

void
hc_store_delete_async (HcStore             *self,
                       const char          *type,
                       const char          *id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));

  run_job_async (self, hc_store_delete_async, delete_job, ref_new (type, id), ref_free, NULL,
                 cancellable, callback, user_data);
}

gboolean
hc_store_delete_finish (HcStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}

typedef struct
{
  char *action;
  char *entity;
  char *detail;
} AuditRequest;

static void
audit_request_free (gpointer data)
{
  AuditRequest *r = data;

  g_free (r->action);
  g_free (r->entity);
  g_free (r->detail);
  g_free (r);
}

static gpointer
audit_job (HcStoreWorker  *w,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  static const char * const actions[] = { "print", NULL };
  AuditRequest *r = data;

  if (!g_strv_contains (actions, r->action))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "'%s' is not an action the audit log records from outside the store",
                   r->action);
      return NULL;
    }
  if (!hc_fhir_is_valid_reference (r->entity))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "'%s' is not a valid reference (Type/id)", r->entity);
      return NULL;
    }
  if (!_hc_store_begin (w, error))
    return NULL;
  if (!_hc_store_audit (w, r->action, r->entity, r->detail, error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return GINT_TO_POINTER (1);
}

static AuditRequest *
audit_request_new (const char *action,
                   const char *entity,
                   const char *detail)
{
  AuditRequest *r = g_new0 (AuditRequest, 1);

  r->action = g_strdup (action);
  r->entity = g_strdup (entity);
  r->detail = g_strdup (detail);
  return r;
}

gboolean
hc_store_audit_sync (HcStore       *self,
                     const char    *action,
                     const char    *entity,
                     const char    *detail,
                     GCancellable  *cancellable,
                     GError       **error)
{
  AuditRequest *r;
  gboolean ok;

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (action != NULL && entity != NULL, FALSE);

  r = audit_request_new (action, entity, detail);
  ok = run_job_sync (self->worker, audit_job, r, NULL, cancellable, error) != NULL;
  audit_request_free (r);
  return ok;
}

void
hc_store_audit_async (HcStore             *self,
                      const char          *action,
                      const char          *entity,
                      const char          *detail,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (action != NULL && entity != NULL);

  run_job_async (self, hc_store_audit_async, audit_job, audit_request_new (action, entity, detail),
                 audit_request_free, NULL, cancellable, callback, user_data);
}

gboolean
hc_store_audit_finish (HcStore       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}

static gpointer
get_job (HcStoreWorker  *w,
         gpointer        data,
         GCancellable   *cancellable,
         GError        **error)
{
  Ref *ref = data;
  g_autofree char *entity = g_strconcat (ref->type, "/", ref->id, NULL);
  g_autoptr(JsonObject) object = NULL;
  sqlite3_stmt *stmt;
  gboolean deleted;
  int rc;

  if (!hc_fhir_is_known_type (ref->type) || !hc_fhir_is_valid_id (ref->id))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "'%s' is not a valid reference (Type/id)", entity);
      return NULL;
    }
  stmt = _hc_store_stmt (w, "SELECT deleted, json FROM resource WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ref->type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, ref->id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      /* a page that fails its check is damage, not a record that is not there */
      if (rc != SQLITE_DONE)
        return _hc_store_sqlite_error (w, rc, entity, error), NULL;
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND, "%s not found", entity);
      return NULL;
    }
  deleted = sqlite3_column_int (stmt, 0) != 0;
  object = parse_object ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  if (deleted)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_GONE, "%s was deleted", entity);
      return NULL;
    }
  if (object == NULL)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT, "%s: stored JSON is unreadable",
                   entity);
      return NULL;
    }

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!_hc_store_audit (w, "read", entity, NULL, error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return g_steal_pointer (&object);
}

JsonObject *
hc_store_get_sync (HcStore       *self,
                   const char    *type,
                   const char    *id,
                   GCancellable  *cancellable,
                   GError       **error)
{
  Ref ref = { (char *) type, (char *) id };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (type != NULL && id != NULL, NULL);

  return run_job_sync (self->worker, get_job, &ref, NULL, cancellable, error);
}

void
hc_store_get_async (HcStore             *self,
                    const char          *type,
                    const char          *id,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));

  run_job_async (self, hc_store_get_async, get_job, ref_new (type, id), ref_free,
                 (GDestroyNotify) json_object_unref, cancellable, callback, user_data);
}

JsonObject *
hc_store_get_finish (HcStore       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* Import and export */

typedef struct
{
  char          *path;
  const char    *data;
  gssize         length;
  HcImportStats  stats;
} ImportData;

static void
import_data_free (gpointer data)
{
  ImportData *id = data;
  g_free (id->path);
  g_free (id);
}

static gpointer
import_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  ImportData *id = data;
  gboolean ok;

  memset (&id->stats, 0, sizeof id->stats);
  if (id->path != NULL)
    ok = _hc_store_import_path (w, id->path, &id->stats, cancellable, error);
  else
    ok = _hc_store_import_text (w, "input", id->data,
                                id->length < 0 ? strlen (id->data) : (gsize) id->length,
                                &id->stats, cancellable, error);
  if (!ok)
    return NULL;
  {
    HcImportStats *copy = g_new (HcImportStats, 1);
    *copy = id->stats;
    return copy;
  }
}

static gboolean
import_sync (HcStore        *self,
             ImportData     *id,
             HcImportStats  *stats,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autofree HcImportStats *result = NULL;

  if (stats)
    memset (stats, 0, sizeof *stats);
  result = run_job_sync (self->worker, import_job, id, NULL, cancellable, error);
  if (result == NULL)
    return FALSE;
  if (stats)
    *stats = *result;
  return TRUE;
}

gboolean
hc_store_import_file_sync (HcStore        *self,
                           const char     *path,
                           HcImportStats  *stats,
                           GCancellable   *cancellable,
                           GError        **error)
{
  ImportData id = { (char *) path, NULL, 0, { 0 } };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return import_sync (self, &id, stats, cancellable, error);
}

gboolean
hc_store_import_data_sync (HcStore        *self,
                           const char     *data,
                           gssize          length,
                           HcImportStats  *stats,
                           GCancellable   *cancellable,
                           GError        **error)
{
  ImportData id = { NULL, data, length, { 0 } };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  return import_sync (self, &id, stats, cancellable, error);
}

void
hc_store_import_file_async (HcStore             *self,
                            const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  ImportData *id;

  g_return_if_fail (HC_IS_STORE (self));
  g_return_if_fail (path != NULL);

  id = g_new0 (ImportData, 1);
  id->path = g_strdup (path);
  run_job_async (self, hc_store_import_file_async, import_job, id, import_data_free, g_free,
                 cancellable, callback, user_data);
}

gboolean
hc_store_import_file_finish (HcStore        *self,
                             GAsyncResult   *result,
                             HcImportStats  *stats,
                             GError        **error)
{
  g_autofree HcImportStats *s = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (stats)
    memset (stats, 0, sizeof *stats);
  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  if (stats)
    *stats = *s;
  return TRUE;
}

typedef struct
{
  const char    *patient_id;
  GOutputStream *out;
} ExportData;

static gpointer
export_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  ExportData *ed = data;

  return _hc_store_export (w, ed->patient_id, ed->out, cancellable, error) ? GINT_TO_POINTER (1)
                                                                           : NULL;
}

gboolean
hc_store_export_sync (HcStore        *self,
                      const char     *patient_id,
                      GOutputStream  *out,
                      GCancellable   *cancellable,
                      GError        **error)
{
  ExportData ed = { patient_id, out };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  return run_job_sync (self->worker, export_job, &ed, NULL, cancellable, error) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Search */

typedef struct
{
  char *query;
  guint limit;
} SearchData;

static void
search_data_free (gpointer data)
{
  SearchData *sd = data;
  g_free (sd->query);
  g_free (sd);
}

static gpointer
search_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  SearchData *sd = data;

  return _hc_store_search_patients (w, sd->query, sd->limit, error);
}

GListModel *
hc_store_search_patients_sync (HcStore       *self,
                               const char    *query,
                               guint          limit,
                               GCancellable  *cancellable,
                               GError       **error)
{
  SearchData sd = { (char *) query, limit };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);

  return run_job_sync (self->worker, search_job, &sd, NULL, cancellable, error);
}

void
hc_store_search_patients_async (HcStore             *self,
                                const char          *query,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  SearchData *sd;

  g_return_if_fail (HC_IS_STORE (self));

  sd = g_new0 (SearchData, 1);
  sd->query = g_strdup (query);
  sd->limit = limit;
  run_job_async (self, hc_store_search_patients_async, search_job, sd, search_data_free,
                 g_object_unref, cancellable, callback, user_data);
}

GListModel *
hc_store_search_patients_finish (HcStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* Status, outbox, verify */

void
hc_store_status_clear (HcStoreStatus *status)
{
  g_clear_pointer (&status->last_sync, g_free);
}

static gint64
count (HcStoreWorker *w,
       const char    *sql)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, sql, NULL);
  gint64 n = -1;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

static void
status_free (gpointer data)
{
  hc_store_status_clear (data);
  g_free (data);
}

static gpointer
status_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  HcStoreStatus *status = g_new0 (HcStoreStatus, 1);
  gboolean sync_only = data != NULL;
  sqlite3_stmt *stmt;

  status->schema_version = _hc_store_latest_schema ();
  /* a scan of every record: a fifth of a second in a 100,000-record store */
  if (!sync_only)
    {
      status->resources = count (w, "SELECT COUNT(*) FROM resource WHERE deleted = 0");
      status->patients = count (w, "SELECT COUNT(*) FROM patient");
    }
  status->pending = count (w, "SELECT COUNT(*) FROM changeset WHERE state = 'pending'");
  status->conflicts = count (w, "SELECT COUNT(*) FROM conflict WHERE resolved_at IS NULL");
  stmt = _hc_store_stmt (w, "SELECT value FROM sync_state WHERE key = 'last_sync'", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    status->last_sync = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  if (status->resources < 0 || status->patients < 0 || status->pending < 0 ||
      status->conflicts < 0)
    {
      status_free (status);
      return _hc_store_sqlite_error (w, sqlite3_errcode (w->db), "status", error), NULL;
    }
  return status;
}

static gboolean
get_status (HcStore        *self,
            gboolean        sync_only,
            HcStoreStatus  *status,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autofree HcStoreStatus *result = NULL;

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  result = run_job_sync (self->worker, status_job, GINT_TO_POINTER (sync_only), NULL,
                         cancellable, error);
  if (result == NULL)
    return FALSE;
  *status = *result;
  return TRUE;
}

gboolean
hc_store_get_status_sync (HcStore        *self,
                          HcStoreStatus  *status,
                          GCancellable   *cancellable,
                          GError        **error)
{
  return get_status (self, FALSE, status, cancellable, error);
}

gboolean
hc_store_get_sync_status_sync (HcStore        *self,
                               HcStoreStatus  *status,
                               GCancellable   *cancellable,
                               GError        **error)
{
  return get_status (self, TRUE, status, cancellable, error);
}

void
hc_store_get_status_async (HcStore             *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));

  run_job_async (self, hc_store_get_status_async, status_job, NULL, NULL, status_free,
                 cancellable, callback, user_data);
}

void
hc_store_get_sync_status_async (HcStore             *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HC_IS_STORE (self));

  run_job_async (self, hc_store_get_sync_status_async, status_job, GINT_TO_POINTER (TRUE), NULL,
                 status_free, cancellable, callback, user_data);
}

gboolean
hc_store_get_status_finish (HcStore        *self,
                            GAsyncResult   *result,
                            HcStoreStatus  *status,
                            GError        **error)
{
  g_autofree HcStoreStatus *s = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  *status = *s;
  return TRUE;
}

static gpointer
outbox_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  JsonObject *current = NULL;
  gint64 current_seq = -1;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _hc_store_stmt (w, "SELECT c.seq, c.idempotency_key, e.op, e.type, e.id, e.base_version, "
                            "e.json FROM changeset c JOIN changeset_entry e ON e.changeset = c.seq "
                            "WHERE c.state = 'pending' ORDER BY c.seq, e.ord", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      JsonObject *entry = json_object_new ();

      if (seq != current_seq)
        {
          current = json_object_new ();
          json_object_set_int_member (current, "seq", seq);
          json_object_set_string_member (current, "key", (const char *) sqlite3_column_text (stmt, 1));
          json_object_set_array_member (current, "entries", json_array_new ());
          json_array_add_object_element (array, current);
          current_seq = seq;
        }
      json_object_set_string_member (entry, "op", (const char *) sqlite3_column_text (stmt, 2));
      json_object_set_string_member (entry, "type", (const char *) sqlite3_column_text (stmt, 3));
      json_object_set_string_member (entry, "id", (const char *) sqlite3_column_text (stmt, 4));
      if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
        json_object_set_int_member (entry, "baseVersion", sqlite3_column_int64 (stmt, 5));
      if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
        {
          g_autoptr(JsonObject) res = parse_object ((const char *) sqlite3_column_text (stmt, 6));
          if (res)
            json_object_set_object_member (entry, "resource", g_steal_pointer (&res));
        }
      json_array_add_object_element (json_object_get_array_member (current, "entries"), entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "outbox", error), NULL;
  return g_steal_pointer (&array);
}

JsonArray *
hc_store_list_outbox_sync (HcStore       *self,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), NULL);

  return run_job_sync (self->worker, outbox_job, NULL, NULL, cancellable, error);
}

typedef struct
{
  gint64 after;
  guint  limit;
} AuditQuery;

static gpointer
list_audit_job (HcStoreWorker  *w,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  AuditQuery *q = data;
  g_autoptr(JsonArray) array = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  stmt = _hc_store_stmt (w, "SELECT seq, at, actor, action, entity FROM audit WHERE seq > ? "
                            "ORDER BY seq LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, q->after);
  sqlite3_bind_int (stmt, 2, (int) MIN (q->limit, G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "seq", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (entry, "at", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_string_member (entry, "actor", (const char *) sqlite3_column_text (stmt, 2));
      json_object_set_string_member (entry, "action", (const char *) sqlite3_column_text (stmt, 3));
      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        json_object_set_string_member (entry, "entity", (const char *) sqlite3_column_text (stmt, 4));
      json_array_add_object_element (array, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "audit log", error), NULL;
  return g_steal_pointer (&array);
}

JsonArray *
hc_store_list_audit_sync (HcStore       *self,
                          gint64         after_seq,
                          guint          limit,
                          GCancellable  *cancellable,
                          GError       **error)
{
  AuditQuery q = { after_seq, limit };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);

  return run_job_sync (self->worker, list_audit_job, &q, NULL, cancellable, error);
}

static gpointer
verify_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  /* SQLite's own check of pages, indexes and constraints */
  stmt = _hc_store_stmt (w, "PRAGMA integrity_check(20)", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);
      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", line);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "integrity check", error), NULL;
  if (problems->len > 0)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT, "%s: %s", w->dir, problems->str);
      return NULL;
    }

  /* the search index matches the patients */
  if (!_hc_store_exec (w, "INSERT INTO patient_fts(patient_fts, rank) VALUES('integrity-check', 1)",
                       NULL))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT,
                   "%s: the patient search index is damaged", w->dir);
      return NULL;
    }
  if (count (w, "SELECT COUNT(*) FROM patient") != count (w, "SELECT COUNT(*) FROM patient_fts") ||
      count (w, "SELECT COUNT(*) FROM patient") !=
      count (w, "SELECT COUNT(*) FROM resource WHERE type = 'Patient' AND deleted = 0"))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT,
                   "%s: the patient index does not match the patients", w->dir);
      return NULL;
    }

  /* every stored resource parses as JSON */
  if (count (w, "SELECT COUNT(*) FROM resource WHERE json_valid(json) = 0") != 0)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT,
                   "%s: a stored resource is not valid JSON", w->dir);
      return NULL;
    }

  if (!_hc_store_verify_audit (w, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_verify_sync (HcStore       *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  return run_job_sync (self->worker, verify_job, NULL, NULL, cancellable, error) != NULL;
}
