/* hc-server-db-pg.h: the server's store on PostgreSQL (libpq), behind hc-server-db.h
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to hc-server-db.c, which dispatches every public function here when the store is
 * PostgreSQL. The functions mirror those of hc-server-db.h one for one.
 */

#pragma once

#include "hc-server-db.h"

G_BEGIN_DECLS

typedef struct _HcServerPg HcServerPg;
typedef struct _HcServerQuery HcServerQuery;

HcServerPg       *hc_server_pg_open          (const char          *conninfo,
                                              gboolean             create,
                                              GError             **error);
void              hc_server_pg_free          (HcServerPg          *pg);
const char       *hc_server_pg_epoch         (HcServerPg          *pg);
gint64            hc_server_pg_head          (HcServerPg          *pg);
void              hc_server_pg_watch         (HcServerPg          *pg,
                                              GSourceFunc          changed,
                                              gpointer             user_data);
gboolean          hc_server_pg_add_user      (HcServerPg          *pg,
                                              const char          *name,
                                              const char          *role,
                                              const char          *password_hash,
                                              GError             **error);
gboolean          hc_server_pg_get_user      (HcServerPg          *pg,
                                              const char          *name,
                                              char               **role,
                                              char               **password_hash,
                                              GError             **error);
gboolean          hc_server_pg_add_token     (HcServerPg          *pg,
                                              const char          *token_hash,
                                              const char          *kind,
                                              const char          *user,
                                              gint64               expires_usec,
                                              GError             **error);
gboolean          hc_server_pg_check_token   (HcServerPg          *pg,
                                              const char          *token_hash,
                                              const char          *kind,
                                              gint64               now_usec,
                                              char               **user,
                                              char               **role,
                                              GError             **error);
gboolean          hc_server_pg_revoke_token  (HcServerPg          *pg,
                                              const char          *token_hash,
                                              GError             **error);
gboolean          hc_server_pg_login_blocked (HcServerPg        *pg,
                                              const char          *key,
                                              gint64               now_usec,
                                              guint                max_failures,
                                              gint64               window_usec,
                                              gint64              *retry_after_usec);
void              hc_server_pg_login_failed  (HcServerPg          *pg,
                                              const char          *key,
                                              gint64               now_usec,
                                              gint64               window_usec);
void              hc_server_pg_login_succeeded (HcServerPg        *pg,
                                              const char          *key);
HcServerResource *hc_server_pg_read          (HcServerPg          *pg,
                                              const char          *type,
                                              const char          *id,
                                              gint64               version,
                                              GError             **error);
HcServerResource *hc_server_pg_store         (HcServerPg          *pg,
                                              const char          *type,
                                              const char          *id,
                                              JsonObject          *resource,
                                              gint64               if_match,
                                              gboolean             if_none_match,
                                              GError             **error);
gboolean          hc_server_pg_lock_versions (HcServerPg        *pg,
                                              GPtrArray           *keys,
                                              GError             **error);
gboolean          hc_server_pg_begin         (HcServerPg          *pg,
                                              GError             **error);
gboolean          hc_server_pg_commit        (HcServerPg          *pg,
                                              GError             **error);
void              hc_server_pg_rollback      (HcServerPg          *pg);
char             *hc_server_pg_get_outcome   (HcServerPg          *pg,
                                              const char          *key,
                                              const char          *user);
gboolean          hc_server_pg_put_outcome   (HcServerPg          *pg,
                                              const char          *key,
                                              const char          *user,
                                              const char          *response,
                                              GError             **error);
gboolean          hc_server_pg_add_audit     (HcServerPg          *pg,
                                              const char          *id,
                                              const char          *recorded,
                                              const char          *json,
                                              GError             **error);
gboolean          hc_server_pg_add_audit_once (HcServerPg         *pg,
                                              const char          *id,
                                              const char          *recorded,
                                              const char          *json,
                                              gboolean            *added,
                                              GError             **error);
char             *hc_server_pg_claim_audit_source (HcServerPg     *pg,
                                                  const char      *source,
                                                  const char      *user,
                                                  GError         **error);
char             *hc_server_pg_read_audit    (HcServerPg          *pg,
                                              const char          *id,
                                              GError             **error);
gboolean          hc_server_pg_changes       (HcServerPg          *pg,
                                              gint64               after,
                                              gboolean             snapshot,
                                              guint                limit,
                                              HcServerChangeFunc   each,
                                              gpointer             user_data,
                                              GError             **error);
/* A search, compartment or history query built by hc_server_query_*(): each row to @each */
gboolean          hc_server_pg_query         (HcServerPg          *pg,
                                              HcServerQuery       *query,
                                              HcServerSearchFunc   each,
                                              gpointer             user_data,
                                              GError             **error);

/* Shared with the SQLite store */

/* A query of a search, a compartment or a history, built from hc_server_db_search() (&c.)
 * arguments for SQLite (?N placeholders) or PostgreSQL ($N): SQL and the text of each
 * parameter. Its rows are: type, id, version, deleted, last_updated, json, seq, the row number
 * (the sequence number for history), then n_keys sort keys. */
struct _HcServerQuery
{
  GString   *sql;
  GPtrArray *values;
  GArray    *is_int;        /* gboolean per parameter: an integer (SQLite binds it so) */
  gboolean   postgres;
  guint      n_keys;
};

void              hc_server_query_free       (HcServerQuery       *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcServerQuery, hc_server_query_free)
HcServerQuery    *hc_server_query_search     (const HcSearchParams *params,
                                              guint                limit,
                                              gboolean             postgres);
HcServerQuery    *hc_server_query_compartment (const char         *patient,
                                              const char * const  *types,
                                              const char          *since,
                                              gint64               after_row,
                                              guint                limit,
                                              gboolean             postgres);
HcServerQuery    *hc_server_query_history    (const char          *type,
                                              const char          *id,
                                              const char * const  *types,
                                              const char          *since,
                                              gint64               before_seq,
                                              guint                limit,
                                              gboolean             postgres);

char             *hc_server_db_now_instant   (void);
void              hc_server_db_stamp         (JsonObject          *resource,
                                              gint64               version,
                                              const char          *at);

G_END_DECLS
