/* hc-store.h: the local chart store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_STORE_ERROR (hc_store_error_quark ())

typedef enum
{
  HC_STORE_ERROR_FAILED,
  HC_STORE_ERROR_NOT_FOUND,      /* no such resource */
  HC_STORE_ERROR_GONE,           /* the resource was deleted */
  HC_STORE_ERROR_INVALID,        /* bad input; the message names the element or line */
  HC_STORE_ERROR_NOT_A_STORE,    /* the directory or database is not a Housecall store */
  HC_STORE_ERROR_TOO_NEW,        /* the store was written by a newer Housecall */
  HC_STORE_ERROR_BUSY,           /* another process holds the store */
  HC_STORE_ERROR_DISK_FULL,
  HC_STORE_ERROR_CORRUPT,
  HC_STORE_ERROR_IMMUTABLE,      /* e.g. a signed note */
  HC_STORE_ERROR_TOO_LARGE,
  HC_STORE_ERROR_WRONG_PASSPHRASE,
  HC_STORE_ERROR_LOCKED,         /* hc_store_lock() was called; unlock to go on */
  HC_STORE_ERROR_CONFLICT,       /* the record waits in the conflict inbox */
} HcStoreError;

typedef enum
{
  HC_STORE_OPEN_NONE   = 0,
  HC_STORE_OPEN_CREATE = 1 << 0,   /* create the store if the directory is missing or empty */
} HcStoreOpenFlags;

typedef struct
{
  guint created;
  guint updated;
  guint deleted;
  guint unchanged;     /* identical to what the store had: no new version, nothing queued */
} HcImportStats;

typedef struct
{
  int     schema_version;
  gint64  resources;       /* live (not deleted) resources */
  gint64  patients;
  gint64  pending;         /* changesets not yet acknowledged by the server */
  gint64  conflicts;       /* open conflicts */
  char   *last_sync;       /* ISO 8601 or NULL: never */
} HcStoreStatus;

void hc_store_status_clear (HcStoreStatus *status);

#define HC_TYPE_STORE (hc_store_get_type ())

G_DECLARE_FINAL_TYPE (HcStore, hc_store, HC, STORE, GObject)

GQuark      hc_store_error_quark          (void);

/* $HOUSECALL_STORE, else $XDG_DATA_HOME/housecall/store */
char       *hc_store_default_dir          (void);

/* The store is encrypted: @passphrase unlocks its key (and sets it for a new store). A store
 * written by an earlier Housecall without encryption is encrypted on the way, under
 * @passphrase. */
HcStore    *hc_store_open_sync            (const char          *dir,
                                           HcStoreOpenFlags     flags,
                                           const char          *passphrase,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_open_async           (const char          *dir,
                                           HcStoreOpenFlags     flags,
                                           const char          *passphrase,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
HcStore    *hc_store_open_finish          (GAsyncResult        *result,
                                           GError             **error);

/* Closes the connection and wipes the key from memory; until hc_store_unlock_sync() every
 * call fails with HC_STORE_ERROR_LOCKED. Waits for the job in progress. */
void        hc_store_lock                 (HcStore             *self);
gboolean    hc_store_unlock_sync          (HcStore             *self,
                                           const char          *passphrase,
                                           GCancellable        *cancellable,
                                           GError             **error);
gboolean    hc_store_is_locked            (HcStore             *self);
/* Rewraps the store's key under @new_passphrase; the database itself is not rewritten. */
gboolean    hc_store_change_passphrase_sync (const char        *dir,
                                           const char          *old_passphrase,
                                           const char          *new_passphrase,
                                           GError             **error);

const char *hc_store_get_dir              (HcStore             *self);
/* Who the audit log names for this store's local actions; defaults to the OS user name. */
void        hc_store_set_actor            (HcStore             *self,
                                           const char          *actor);

/* Creates or updates one resource as its own local transaction and changeset. A resource
 * without an id gets a new UUIDv7. Returns the stored resource. */
JsonObject *hc_store_put_sync             (HcStore             *self,
                                           JsonObject          *resource,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_put_async            (HcStore             *self,
                                           JsonObject          *resource,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonObject *hc_store_put_finish           (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

gboolean    hc_store_delete_sync          (HcStore             *self,
                                           const char          *type,
                                           const char          *id,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_delete_async         (HcStore             *self,
                                           const char          *type,
                                           const char          *id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    hc_store_delete_finish        (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Adds an entry to the audit log for what the user did with a record outside the store:
 * @action "print" (a prescription, a visit summary) of @entity ("Type/id"); @detail says what
 * without PHI (may be NULL). Synced to the server as an AuditEvent like every entry. */
gboolean    hc_store_audit_sync           (HcStore             *self,
                                           const char          *action,
                                           const char          *entity,
                                           const char          *detail,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_audit_async          (HcStore             *self,
                                           const char          *action,
                                           const char          *entity,
                                           const char          *detail,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    hc_store_audit_finish         (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

JsonObject *hc_store_get_sync             (HcStore             *self,
                                           const char          *type,
                                           const char          *id,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_get_async            (HcStore             *self,
                                           const char          *type,
                                           const char          *id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonObject *hc_store_get_finish           (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Writes every resource of @resources (objects) as one local transaction and one changeset:
 * all of them or, on any error, none. Resources without an id get a new UUIDv7. Returns the
 * stored resources in the same order. Use it for what belongs together, e.g. a signed note
 * and its finished encounter, or a prescription and the one it replaces. */
JsonArray  *hc_store_put_many_sync        (HcStore             *self,
                                           JsonArray           *resources,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_put_many_async       (HcStore             *self,
                                           JsonArray           *resources,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonArray  *hc_store_put_many_finish      (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The live resources of one patient's chart (the compartment of Patient/@patient_id), of the
 * types in @types (NULL: every type), newest first by their clinical date, without what was
 * marked entered-in-error. Each element is an
 * object { "resource": {...}, "state": "local" | "sent" | "confirmed" | "conflict" }: "local"
 * while a change of the record is saved here only, "sent" once a push carried it
 * (hc_store_mark_sent_sync()) until the server's answer confirms it, "conflict" while a
 * conflict on it is open (the record then holds the server's value of the elements in
 * conflict, and refuses local writes). Opening a chart is audited once ("read" of the
 * Patient). */
JsonArray  *hc_store_list_chart_sync      (HcStore             *self,
                                           const char          *patient_id,
                                           const char * const  *types,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_list_chart_async     (HcStore             *self,
                                           const char          *patient_id,
                                           const char * const  *types,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonArray  *hc_store_list_chart_finish    (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* A short text that changes whenever a record of patient @patient_id changes here (created,
 * updated, deleted, pulled, sent or confirmed), without reading the records: a chart on screen
 * asks it on the store's "changed" and reloads only when it differs. Not audited. */
void        hc_store_chart_stamp_async    (HcStore             *self,
                                           const char          *patient_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
char       *hc_store_chart_stamp_finish   (HcStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The live appointments (not entered-in-error) whose start lies in [@from, @to), earliest
 * first, whatever their status. Each element is an object { "resource": {...}, "state":
 * "local" | "confirmed", "patient": { "id", "family", "given" } } ("patient" is absent when the
 * appointment names no patient this store has). */
JsonArray  *hc_store_list_appointments_sync (HcStore           *self,
                                           GDateTime           *from,
                                           GDateTime           *to,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_list_appointments_async (HcStore          *self,
                                           GDateTime           *from,
                                           GDateTime           *to,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonArray  *hc_store_list_appointments_finish (HcStore         *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Imports a resource, a Bundle (collection, transaction, batch, searchset, history, document)
 * or NDJSON from @path ("-" is standard input), all of it in one transaction and one
 * changeset: on any error nothing is stored. */
gboolean    hc_store_import_file_sync     (HcStore             *self,
                                           const char          *path,
                                           HcImportStats       *stats,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_import_file_async    (HcStore             *self,
                                           const char          *path,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    hc_store_import_file_finish   (HcStore             *self,
                                           GAsyncResult        *result,
                                           HcImportStats       *stats,
                                           GError             **error);
/* The same for JSON or NDJSON text in memory. */
gboolean    hc_store_import_data_sync     (HcStore             *self,
                                           const char          *data,
                                           gssize               length,
                                           HcImportStats       *stats,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* Runs @producer on the store thread; every resource it passes to its sink is written as by
 * hc_store_import_file_sync(), all in one transaction. Used for demo data. */
typedef gboolean (*HcResourceProducer) (gboolean   (*sink) (JsonObject *resource,
                                                             gpointer    sink_data,
                                                             GError    **error),
                                        gpointer       sink_data,
                                        gpointer       user_data,
                                        GCancellable  *cancellable,
                                        GError       **error);
gboolean    hc_store_import_producer_sync (HcStore             *self,
                                           HcResourceProducer   producer,
                                           gpointer             user_data,
                                           HcImportStats       *stats,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* Writes a Bundle (type collection) of a patient's whole compartment, or of every live
 * resource when @patient_id is NULL, to @out. */
gboolean    hc_store_export_sync          (HcStore             *self,
                                           const char          *patient_id,
                                           GOutputStream       *out,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* Patient search: every word of @query is a prefix of a name, identifier, birth date or phone
 * token, case- and accent-insensitively; ranked. An empty query lists patients by name.
 * Returns a GListModel of HcPatient. */
GListModel *hc_store_search_patients_sync (HcStore             *self,
                                           const char          *query,
                                           guint                limit,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_search_patients_async (HcStore            *self,
                                           const char          *query,
                                           guint                limit,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GListModel *hc_store_search_patients_finish (HcStore           *self,
                                           GAsyncResult        *result,
                                           GError             **error);

gboolean    hc_store_get_status_sync      (HcStore             *self,
                                           HcStoreStatus       *status,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_get_status_async     (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    hc_store_get_status_finish    (HcStore             *self,
                                           GAsyncResult        *result,
                                           HcStoreStatus       *status,
                                           GError             **error);
/* Only what sync shows (pending, conflicts, last_sync; resources and patients stay 0): no
 * counting of the chart, cheap whatever the store's size. Finish with
 * hc_store_get_status_finish(). */
gboolean    hc_store_get_sync_status_sync (HcStore             *self,
                                           HcStoreStatus       *status,
                                           GCancellable        *cancellable,
                                           GError             **error);
void        hc_store_get_sync_status_async (HcStore            *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* The outbox, oldest first: an array of changesets
 * {"seq", "key", "entries": [{"op", "type", "id", "baseVersion", "resource"}]}. */
JsonArray  *hc_store_list_outbox_sync     (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* Audit log entries after @after_seq, oldest first, at most @limit: objects {"seq", "at",
 * "actor", "action", "entity" (Type/id; absent when the entry names none)}. The entries' free
 * text (detail) stays in the store. */
JsonArray  *hc_store_list_audit_sync      (HcStore             *self,
                                           gint64               after_seq,
                                           guint                limit,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* ------------------------------------------------------------------------------------------ */
/* Sync bookkeeping (hc-store-sync.c, docs/sync.md). Writes that come from the server never
 * enter the outbox. */

/* sync_state: key/value pairs (server URL, user, tokens, cursor, last sync). Returns NULL
 * without an error when the key is not set. */
char       *hc_store_get_sync_value_sync  (HcStore             *self,
                                           const char          *key,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* Sets key/value pairs (a NULL-terminated list of keys, each followed by its value; a NULL
 * value removes the key), all in one transaction. */
gboolean    hc_store_set_sync_values_sync (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GError             **error,
                                           const char          *first_key,
                                           ...) G_GNUC_NULL_TERMINATED;

typedef enum
{
  HC_STORE_MERGE_CLEAN,
  HC_STORE_MERGE_NOTICE,
  HC_STORE_MERGE_CONFLICT,
} HcStoreMergeOutcome;

/* What a merge hook decided (the store owns nothing of it until returned). */
typedef struct
{
  HcStoreMergeOutcome  outcome;
  JsonObject          *merged;       /* NULL: the result is a deletion */
  GPtrArray           *elements;     /* char *: element paths in conflict (or noticed) */
  JsonObject          *provenance;   /* a Provenance to queue with the merged version, or NULL */
} HcStoreMerge;

void        hc_store_merge_free           (HcStoreMerge        *merge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcStoreMerge, hc_store_merge_free)

/* Called on the store thread, inside the transaction, for a remote version of a record that
 * has local changes the server has not acknowledged. @base is the last acknowledged version
 * (NULL: none), @local or @remote NULL mean deleted on that side. */
typedef HcStoreMerge *(*HcStoreMergeFunc) (const char *type,
                                           const char *id,
                                           JsonObject *base,
                                           JsonObject *local,
                                           JsonObject *remote,
                                           gint64      base_version,
                                           gint64      remote_version,
                                           gpointer    user_data);

typedef struct
{
  guint applied;      /* stored as the new local version */
  guint skipped;      /* already had it (an echo of our own push, or a page applied twice) */
  guint merged;       /* merged with local changes and queued again */
  guint conflicts;    /* merged with a conflict: waiting in the inbox */
} HcStoreApplyStats;

/* Applies remote versions, entries in the $sync-changes format ({"resource", "request":
 * {"method", "url"}, "response": {"etag"}}; "resource" may also be a string holding the
 * resource's compact JSON text, as hc_json_parse_keeping_text() leaves it, which is then
 * stored as it is), all in one transaction; with @cursor it also
 * stores the cursor (and @head) in that same transaction, so a page is applied exactly once.
 * @resync: the entries come from a snapshot of a replaced server database, whose version
 * numbers say nothing about ours: compare contents instead. */
gboolean    hc_store_apply_remote_sync    (HcStore             *self,
                                           JsonArray           *entries,
                                           const char          *cursor,
                                           const char          *head,
                                           gboolean             resync,
                                           HcStoreMergeFunc     merge,
                                           gpointer             merge_data,
                                           HcStoreApplyStats   *stats,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* The server's database was replaced (a 410 to the cursor): forget the cursor, and mark what
 * the old server acknowledged as unconfirmed until the new snapshot has it; the outbox stays. */
gboolean    hc_store_start_resync_sync    (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* The snapshot is complete: records still unconfirmed are not on the new server and go
 * (unless they have local changes, which stay queued). */
gboolean    hc_store_finish_resync_sync   (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* Changesets up to @seq are on their way to the server (a push is about to be sent): until the
 * server's answer acknowledges them, their records show as sent rather than only saved here
 * (hc_store_list_chart_async()'s "state"). Never goes back. */
gboolean    hc_store_mark_sent_sync       (HcStore             *self,
                                           gint64               seq,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* The server applied changeset @seq: @responses are its transaction-response entries, one per
 * change in order ("location": "Type/id/_history/v", "lastModified"). Updates the merge base
 * and the local versionId without queueing anything. */
gboolean    hc_store_ack_changeset_sync   (HcStore             *self,
                                           gint64               seq,
                                           JsonArray           *responses,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* The server refused changeset @seq (invalid or forbidden): it is kept, marked rejected, and
 * never pushed again. */
gboolean    hc_store_reject_changeset_sync (HcStore            *self,
                                           gint64               seq,
                                           const char          *reason,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* Conflicts: an array of {"id", "resource": "Type/id", "elements": [...], "createdAt",
 * "base", "local", "remote" (absent when deleted), "resolvedAt", "resolution"}. */
JsonArray  *hc_store_list_conflicts_sync  (HcStore             *self,
                                           gboolean             include_resolved,
                                           GCancellable        *cancellable,
                                           GError             **error);

typedef enum
{
  HC_STORE_RESOLVE_TAKE_LOCAL,
  HC_STORE_RESOLVE_TAKE_REMOTE,
  HC_STORE_RESOLVE_MERGED,
} HcStoreResolution;

/* For a side chosen in a conflict: the version to keep, from the conflict's @base and @local
 * versions and the server's current @remote one (any may be NULL: deleted or none); a new
 * object, or NULL for a deletion. sync/ passes hc_merge_resolve(): the chosen side for the
 * elements in conflict, what only one side changed as it is. */
typedef JsonObject *(*HcStoreResolveFunc) (JsonObject *base,
                                           JsonObject *local,
                                           JsonObject *remote,
                                           gboolean    keep_local,
                                           gpointer    user_data);

/* Settles conflict @id: the chosen version becomes the local one and, unless it is the
 * server's, is queued for sync with @provenance (may be NULL); audited. @merged is the
 * clinician's version for HC_STORE_RESOLVE_MERGED. Without @resolve_func, taking a side takes its
 * whole version. */
gboolean    hc_store_resolve_conflict_sync (HcStore            *self,
                                           const char          *id,
                                           HcStoreResolution    how,
                                           JsonObject          *merged,
                                           JsonObject          *provenance,
                                           HcStoreResolveFunc   resolve_func,
                                           gpointer             resolve_data,
                                           GCancellable        *cancellable,
                                           GError             **error);
/* For the resolution's Provenance: the conflict's record and versions. */
gboolean    hc_store_get_conflict_sync    (HcStore             *self,
                                           const char          *id,
                                           char               **type,
                                           char               **resource_id,
                                           gint64              *base_version,
                                           gint64              *remote_version,
                                           GCancellable        *cancellable,
                                           GError             **error);

/* SQLite integrity, index consistency and the audit hash chain. On failure the error says
 * what is wrong. */
gboolean    hc_store_verify_sync          (HcStore             *self,
                                           GCancellable        *cancellable,
                                           GError             **error);

G_END_DECLS
