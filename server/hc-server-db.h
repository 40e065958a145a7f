/* hc-server-db.h: the server's store (SQLite or PostgreSQL)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every resource version is kept; each write takes the next number of one server-wide
 * sequence, the sync cursor. SQLite has one writer at a time, so the sequence is gap-free in
 * commit order; on PostgreSQL (hc-server-db-pg.c) each write transaction takes its numbers
 * from a one-row counter as its last step, whose row lock orders the commits. Used from the
 * server's main thread only.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hc-search-params.h"

G_BEGIN_DECLS

#define HC_SERVER_ERROR (hc_server_error_quark ())

typedef enum
{
  HC_SERVER_ERROR_FAILED,
  HC_SERVER_ERROR_NOT_FOUND,
  HC_SERVER_ERROR_GONE,           /* deleted */
  HC_SERVER_ERROR_INVALID,
  HC_SERVER_ERROR_VERSION,        /* If-Match names another version: 412 */
  HC_SERVER_ERROR_EXISTS,         /* If-None-Match: * and it exists: 412 */
  HC_SERVER_ERROR_UNAUTHORIZED,
  HC_SERVER_ERROR_FORBIDDEN,
  HC_SERVER_ERROR_NOT_A_DB,
} HcServerError;

GQuark hc_server_error_quark (void);

typedef struct _HcServerDb HcServerDb;

typedef struct
{
  char   *type;
  char   *id;
  gint64  version;
  gboolean deleted;
  char   *last_updated;
  char   *json;             /* NULL when deleted */
  gint64  seq;              /* the server-wide sequence number of this version */
} HcServerResource;

void              hc_server_resource_free   (HcServerResource *resource);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcServerResource, hc_server_resource_free)

HcServerDb       *hc_server_db_open         (const char   *path,
                                             gboolean      create,
                                             GError      **error);
/* A PostgreSQL database (libpq @conninfo); @create makes the schema when the database is
 * empty and refuses one that holds anything else. */
HcServerDb       *hc_server_db_open_postgres (const char  *conninfo,
                                              gboolean     create,
                                              GError     **error);
void              hc_server_db_free         (HcServerDb   *db);
/* Calls @changed from the main loop when another process committed a write (PostgreSQL:
 * LISTEN/NOTIFY); never for SQLite, whose only writer is this process. */
void              hc_server_db_watch        (HcServerDb   *db,
                                             GSourceFunc   changed,
                                             gpointer      user_data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcServerDb, hc_server_db_free)

/* A random id made when the database was created: a cursor from another database (a
 * restore from backup, a new server) is refused with 410. */
const char       *hc_server_db_epoch        (HcServerDb   *db);
/* The newest sequence number (0 for an empty database). */
gint64            hc_server_db_head         (HcServerDb   *db);

/* Users */
gboolean          hc_server_db_add_user     (HcServerDb   *db,
                                             const char   *name,
                                             const char   *role,
                                             const char   *password_hash,
                                             GError      **error);
gboolean          hc_server_db_get_user     (HcServerDb   *db,
                                             const char   *name,
                                             char        **role,
                                             char        **password_hash,
                                             GError      **error);

/* Tokens, stored as hashes; @kind is "access" or "refresh". */
gboolean          hc_server_db_add_token    (HcServerDb   *db,
                                             const char   *token_hash,
                                             const char   *kind,
                                             const char   *user,
                                             gint64        expires_usec,
                                             GError      **error);
/* The user and role of a live token of @kind; UNAUTHORIZED when unknown, expired or
 * revoked. */
gboolean          hc_server_db_check_token  (HcServerDb   *db,
                                             const char   *token_hash,
                                             const char   *kind,
                                             gint64        now_usec,
                                             char        **user,
                                             char        **role,
                                             GError      **error);
gboolean          hc_server_db_revoke_token (HcServerDb   *db,
                                             const char   *token_hash,
                                             GError      **error);

/* Failed logins counted across every server process on the database (the key as for
 * HcRateLimiter: "user:NAME" or "ip:ADDRESS"). On SQLite, whose database has one server
 * process, the process's own HcRateLimiter is the whole story: never blocked, nothing kept.
 * blocked: TRUE when @max_failures failed within @window_usec before @now_usec, with the
 * time until the oldest of them leaves the window. */
gboolean          hc_server_db_login_blocked (HcServerDb  *db,
                                              const char  *key,
                                              gint64       now_usec,
                                              guint        max_failures,
                                              gint64       window_usec,
                                              gint64      *retry_after_usec);
void              hc_server_db_login_failed  (HcServerDb  *db,
                                              const char  *key,
                                              gint64       now_usec,
                                              gint64       window_usec);
void              hc_server_db_login_succeeded (HcServerDb *db,
                                              const char  *key);

/* Resources. @version 0 reads the latest (GONE when deleted), -1 the latest even when it is a
 * tombstone. */
HcServerResource *hc_server_db_read         (HcServerDb   *db,
                                             const char   *type,
                                             const char   *id,
                                             gint64        version,
                                             GError      **error);
/* Creates or updates @resource (validated; it has an id). @if_match > 0 requires that
 * version to be current; @if_none_match requires that the resource does not exist. Sets
 * meta.versionId and meta.lastUpdated. */
HcServerResource *hc_server_db_write        (HcServerDb   *db,
                                             JsonObject   *resource,
                                             gint64        if_match,
                                             gboolean      if_none_match,
                                             GError      **error);
HcServerResource *hc_server_db_delete       (HcServerDb   *db,
                                             const char   *type,
                                             const char   *id,
                                             gint64        if_match,
                                             GError      **error);

/* Many writes as one transaction (imports): between begin and commit, write and delete join
 * it instead of committing each. On any error, roll back. */
gboolean          hc_server_db_begin        (HcServerDb         *db,
                                             GError            **error);
gboolean          hc_server_db_commit       (HcServerDb         *db,
                                             GError            **error);
void              hc_server_db_rollback     (HcServerDb         *db);
/* Within a bulk transaction, before writing the records @keys ("Type/id"): reads their
 * current versions in one go (on PostgreSQL locking them to the end of the transaction), so
 * that the writes need not ask one by one. A hint: SQLite has nothing to do. */
gboolean          hc_server_db_lock_versions (HcServerDb        *db,
                                              GPtrArray         *keys,
                                              GError           **error);

/* Idempotency keys of $sync-push changesets: the stored answer of a changeset already
 * applied for @user, or NULL. */
char             *hc_server_db_get_outcome  (HcServerDb         *db,
                                             const char         *key,
                                             const char         *user);
gboolean          hc_server_db_put_outcome  (HcServerDb         *db,
                                             const char         *key,
                                             const char         *user,
                                             const char         *response,
                                             GError            **error);

/* The audit trail (AuditEvent JSON); joins a bulk transaction when one is open. */
gboolean          hc_server_db_add_audit    (HcServerDb         *db,
                                             const char         *id,
                                             const char         *recorded,
                                             const char         *json,
                                             GError            **error);
/* The same for an event a client sent (deterministic ids): stored unless an event with @id
 * exists already; *@added says which. */
gboolean          hc_server_db_add_audit_once (HcServerDb       *db,
                                               const char       *id,
                                               const char       *recorded,
                                               const char       *json,
                                               gboolean         *added,
                                               GError          **error);
/* The user whose audit log @source (a client store's id) is: @user when no one claimed it yet
 * (it is then theirs), else the user who did. */
char             *hc_server_db_claim_audit_source (HcServerDb   *db,
                                                   const char   *source,
                                                   const char   *user,
                                                   GError      **error);
char             *hc_server_db_read_audit   (HcServerDb         *db,
                                             const char         *id,
                                             GError            **error);

/* Sync: the latest version of each resource written after sequence number @after, oldest
 * first, tombstones included; with @snapshot (a first sync) tombstones are left out. Calls
 * @each until it returns FALSE or @limit rows were visited. */
typedef gboolean (*HcServerChangeFunc) (const HcServerResource *resource,
                                        gpointer                user_data);
gboolean          hc_server_db_changes      (HcServerDb         *db,
                                             gint64              after,
                                             gboolean            snapshot,
                                             guint               limit,
                                             HcServerChangeFunc  each,
                                             gpointer            user_data,
                                             GError            **error);

/* Search, $everything and history report rows with their row number and sort keys. */
typedef struct
{
  const HcServerResource *resource;
  gint64                  row;                          /* the store's number for the row */
  const char             *keys[HC_SEARCH_MAX_SORT];     /* its sort keys, params->n_sort */
} HcServerSearchRow;

typedef gboolean (*HcServerSearchFunc) (const HcServerSearchRow *row,
                                        gpointer                 user_data);

/* A write (hc_server_db_write) stores the current version's search index: the entries, sort
 * keys and compartment of hc_search_index_resource(); a delete drops its entries.
 *
 * Search: the live (not deleted) resources of params->type that match every criterion of
 * @params (hc-search-params.h gives the matching rules), ordered by params->sort and then by
 * row number ascending (row numbers are stable per resource: assigned at its first write and
 * kept across updates). With params->has_page, only rows strictly after the row
 * (page_row, page_keys) in that order; with page_before, strictly before it, reported in the
 * reverse order (nearest first). Each row's keys are the n_sort sort key values as text
 * ("_lastUpdated" is the sequence number in decimal), as hc_search_page_token() takes them.
 * Calls @each for at most @limit rows, until it returns FALSE. */
gboolean          hc_server_db_search       (HcServerDb           *db,
                                             const HcSearchParams *params,
                                             guint                 limit,
                                             HcServerSearchFunc    each,
                                             gpointer              user_data,
                                             GError              **error);

/* Patient/{id}/$everything: the live resources whose compartment is @patient ("Patient/id",
 * the resource itself included), of one of @types (NULL: any), last updated at or after
 * @since (hc_search_canonical_instant(), compared as text; NULL: any), with a row number
 * greater than @after_row, by row number; at most @limit. */
gboolean          hc_server_db_compartment  (HcServerDb          *db,
                                             const char          *patient,
                                             const char * const  *types,
                                             const char          *since,
                                             gint64               after_row,
                                             guint                limit,
                                             HcServerSearchFunc   each,
                                             gpointer             user_data,
                                             GError             **error);

/* History, newest first (by sequence number): every version of @type/@id; of every @type
 * resource when @id is NULL; of every resource of one of @types (NULL: any) when @type is
 * NULL too. Only versions last updated at or after @since (as for compartments; NULL: any)
 * and with a sequence number below @before_seq (0: no bound); at most @limit. The rows'
 * row number is their sequence number; no keys. */
gboolean          hc_server_db_history      (HcServerDb          *db,
                                             const char          *type,
                                             const char          *id,
                                             const char * const  *types,
                                             const char          *since,
                                             gint64               before_seq,
                                             guint                limit,
                                             HcServerSearchFunc   each,
                                             gpointer             user_data,
                                             GError             **error);

/* Group commit. With deferred sync, a commit does not wait for the disk (it is atomic and
 * isolated, and a crash of the process loses nothing, but a power cut may undo it);
 * hc_server_db_sync() makes every commit so far durable with one wait. A server answers no
 * request that wrote, or could have read a write, until then. */
void              hc_server_db_set_deferred_sync (HcServerDb   *db,
                                                  gboolean      deferred);
/* TRUE when a commit since the last sync may not be on disk. */
gboolean          hc_server_db_needs_sync   (HcServerDb         *db);
gboolean          hc_server_db_sync         (HcServerDb         *db,
                                             GError            **error);

G_END_DECLS
