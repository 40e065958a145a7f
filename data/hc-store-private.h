/* hc-store-private.h: what the store's files share; runs on the store thread only
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "hc-crypt.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_STORE_DB_NAME        "housecall.db"
#define HC_STORE_KEY_NAME       "housecall.key"
#define HC_STORE_APPLICATION_ID 0x48435354   /* "HCST" */
/* HKDF info of the audit log's signing key (docs/store.md, Audit) */
#define HC_STORE_AUDIT_KEY_INFO "housecall audit v1"
/* the schema whose audit entries are signed */
#define HC_STORE_SCHEMA_AUDIT_SIG 4

typedef struct _HcStoreWorker HcStoreWorker;

struct _HcStoreWorker
{
  GThread      *thread;
  GAsyncQueue  *queue;
  GMainContext *owner_context;   /* where "changed" is emitted */
  GWeakRef      owner;           /* the HcStore */

  GMutex        actor_lock;
  char         *actor;

  /* Everything below belongs to the store thread. */
  sqlite3      *db;              /* NULL when closed or locked */
  gboolean      locked;
  gboolean      plaintext;       /* benchmarks' baseline only */
  char         *dir;
  GHashTable   *stmts;           /* SQL text (static) -> sqlite3_stmt */

  /* audit hash chain: the head, and the next entry's number */
  char          last_hash[65];
  gint64        next_audit_seq;
  HcCryptKey   *audit_key;       /* signs the chain; derived from the database key, NULL for
                                  * an unencrypted store; wiped with it */

  /* the open local transaction */
  gboolean      in_transaction;
  gboolean      wrote;
  gboolean      bulk;            /* an import: one audit entry for the whole transaction */
  gint64        changeset;       /* 0 until the first change of the transaction */
  int           changeset_ord;
  char         *tx_time;
  char         *tx_actor;
};

/* Assert we are on the store thread. */
#define HC_STORE_ASSERT_THREAD(w) g_assert ((w)->thread == g_thread_self ())

/* Sets @error from the connection's last error, mapped to HcStoreError. Returns FALSE. */
gboolean      _hc_store_sqlite_error      (HcStoreWorker  *w,
                                           int             rc,
                                           const char     *what,
                                           GError        **error);
/* A cached, reset prepared statement for a static SQL string. */
sqlite3_stmt *_hc_store_stmt              (HcStoreWorker  *w,
                                           const char     *sql,
                                           GError        **error);
gboolean      _hc_store_exec              (HcStoreWorker  *w,
                                           const char     *sql,
                                           GError        **error);
/* Steps a statement to completion (SQLITE_DONE). */
gboolean      _hc_store_step_done         (HcStoreWorker  *w,
                                           sqlite3_stmt   *stmt,
                                           const char     *what,
                                           GError        **error);

gboolean      _hc_store_begin             (HcStoreWorker  *w,
                                           GError        **error);
gboolean      _hc_store_commit            (HcStoreWorker  *w,
                                           GError        **error);
void          _hc_store_rollback          (HcStoreWorker  *w);

typedef enum
{
  HC_WRITE_CREATED,
  HC_WRITE_UPDATED,
  HC_WRITE_DELETED,
  HC_WRITE_UNCHANGED,
} HcWriteOutcome;

/* Inside a transaction: validates, stores, indexes, queues in the outbox and audits one
 * resource. Assigns an id when it has none. @prepared, when not NULL, is @resource (which has
 * an id) already serialized, on another thread. */
gboolean      _hc_store_write_resource    (HcStoreWorker  *w,
                                           JsonObject     *resource,
                                           const char     *prepared,
                                           HcWriteOutcome *outcome,
                                           GError        **error);
gboolean      _hc_store_delete_resource   (HcStoreWorker  *w,
                                           const char     *type,
                                           const char     *id,
                                           HcWriteOutcome *outcome,
                                           GError        **error);
JsonObject   *_hc_store_parse_for_index   (const char     *type,
                                           const char     *text);
gboolean      _hc_store_put_row           (HcStoreWorker  *w,
                                           const char     *type,
                                           const char     *id,
                                           gint64          version,
                                           int             sync_state,
                                           JsonObject     *res,
                                           const char     *prepared,
                                           GError        **error);
void          _hc_store_count_outcome     (HcImportStats  *stats,
                                           HcWriteOutcome  outcome);
gboolean      _hc_store_audit             (HcStoreWorker  *w,
                                           const char     *action,
                                           const char     *entity,
                                           const char     *detail,
                                           GError        **error);
/* Recomputes the audit chain and checks every signature; FALSE with a message naming the
 * first bad entry. */
gboolean      _hc_store_verify_audit      (HcStoreWorker  *w,
                                           GError        **error);
/* Signs the entries written before the log was signed (schema 3, or an unencrypted store being
 * encrypted): each unsigned entry whose chain up to it is intact. Stops at the first entry that
 * fails, which verify then reports. Inside a transaction; the update trigger must be off. */
gboolean      _hc_store_sign_legacy_audit (HcStoreWorker  *w,
                                           GError        **error);
/* The same in a transaction of its own, with the update trigger lifted for it (hc-migrations.c). */
gboolean      _hc_store_sign_legacy_audit_tx (HcStoreWorker  *w,
                                              GError        **error);

/* The store's login (sync value "user") becomes the actor of what it writes next. */
void          _hc_store_load_login_actor  (HcStoreWorker  *w);

/* hc-migrations.c */
int           _hc_store_latest_schema     (void);
gboolean      _hc_store_migrate           (HcStoreWorker  *w,
                                           int             target,
                                           GError        **error);

/* hc-store-search.c */
gboolean      _hc_store_index_patient     (HcStoreWorker  *w,
                                           gint64          rid,
                                           JsonObject     *patient,
                                           GError        **error);
gboolean      _hc_store_unindex_patient   (HcStoreWorker  *w,
                                           gint64          rid,
                                           GError        **error);
GListModel   *_hc_store_search_patients   (HcStoreWorker  *w,
                                           const char     *query,
                                           guint           limit,
                                           GError        **error);
/* Lowercase, accents removed: the key patient lists sort by. */
char         *_hc_store_fold              (const char     *text);

/* hc-store-import.c */
gboolean      _hc_store_import_text       (HcStoreWorker  *w,
                                           const char     *origin,
                                           const char     *data,
                                           gsize           length,
                                           HcImportStats  *stats,
                                           GCancellable   *cancellable,
                                           GError        **error);
gboolean      _hc_store_import_path       (HcStoreWorker  *w,
                                           const char     *path,
                                           HcImportStats  *stats,
                                           GCancellable   *cancellable,
                                           GError        **error);
gboolean      _hc_store_export            (HcStoreWorker  *w,
                                           const char     *patient_id,
                                           GOutputStream  *out,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* Test hooks (tests/): open a store at an older schema version. */
HcStore      *_hc_store_open_at_version   (const char     *dir,
                                           int             version,
                                           const char     *passphrase,
                                           GError        **error);
/* Benchmarks' baseline, and the plaintext stores of earlier versions in tests: a store
 * without encryption. Never used by the applications. */
HcStore      *_hc_store_open_unencrypted  (const char     *dir,
                                           HcStoreOpenFlags flags,
                                           GError        **error);
/* White-box access to the store's database file (tests); close with hc_crypt_db_close(). */
sqlite3      *_hc_store_open_db           (const char     *dir,
                                           const char     *passphrase,
                                           int             flags,
                                           GError        **error);
/* Runs @func on the store thread and waits for it. */
typedef gpointer (*HcStoreJobFunc) (HcStoreWorker  *w,
                                    gpointer        data,
                                    GCancellable   *cancellable,
                                    GError        **error);
gpointer      _hc_store_run_sync          (HcStore        *self,
                                           HcStoreJobFunc  func,
                                           gpointer        data,
                                           GCancellable   *cancellable,
                                           GError        **error);

G_END_DECLS
