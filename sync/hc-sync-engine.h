/* hc-sync-engine.h: push, pull and merge between the local store and housecall-server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hc-store.h"
#include "hc-sync-client.h"

G_BEGIN_DECLS

typedef enum
{
  HC_SYNC_STATE_LOGGED_OUT,   /* no server yet, or the login was revoked */
  HC_SYNC_STATE_IDLE,         /* up to date as of last-sync */
  HC_SYNC_STATE_SYNCING,
  HC_SYNC_STATE_OFFLINE,      /* no network, or the server cannot be reached: retrying */
  HC_SYNC_STATE_ERROR,        /* needs a person: see the error property */
} HcSyncState;

GType hc_sync_state_get_type (void);
#define HC_TYPE_SYNC_STATE (hc_sync_state_get_type ())

/* What one sync did (for the CLI summary, tests and benchmarks). */
typedef struct
{
  guint   requests;        /* HTTP requests, token refreshes included */
  guint64 bytes;           /* answer bytes received, decompressed */
  guint   pushed;          /* changesets the server applied */
  guint   rejected;        /* changesets the server refused */
  guint   pulled;          /* remote versions received */
  guint   applied;         /* of them stored */
  guint   merged;          /* merged with local changes */
  guint   conflicts;       /* new conflicts */
  guint   pages;
  gboolean resynced;       /* the server's database was replaced: pulled a new snapshot */
  guint   audit_sent;      /* local audit log entries the server took */
} HcSyncStats;

#define HC_TYPE_SYNC_ENGINE (hc_sync_engine_get_type ())

G_DECLARE_FINAL_TYPE (HcSyncEngine, hc_sync_engine, HC, SYNC_ENGINE, GObject)

/* Signals: records-changed (JsonArray *changes), after a sync stored colleagues' changes:
 * [{"resource": "Type/id", "patient": "id" (when in a patient's chart), "merged": bool}]. */
HcSyncEngine *hc_sync_engine_new            (HcStore              *store);
HcStore      *hc_sync_engine_get_store      (HcSyncEngine         *self);

/* Logs the store in to @url as @user (stores the server, the CA file and the tokens in the
 * store). A store belongs to one user on one server: another one is refused. */
gboolean      hc_sync_login_sync            (HcStore              *store,
                                             const char           *url,
                                             const char           *user,
                                             const char           *password,
                                             const char           *ca_file,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* Revokes the store's login on the server (best effort) and forgets its tokens; the server,
 * user and outbox stay, for logging in again. */
gboolean      hc_sync_logout_sync           (HcStore              *store,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* One sync: push the outbox, pull until up to date (and push what merges queued). A second
 * call while one runs joins it. */
void          hc_sync_engine_sync_async     (HcSyncEngine         *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      hc_sync_engine_sync_finish    (HcSyncEngine         *self,
                                             GAsyncResult         *result,
                                             HcSyncStats          *stats,
                                             GError              **error);
/* The same, blocking (for the CLI and tests; not from the store thread). */
gboolean      hc_sync_engine_sync_sync      (HcSyncEngine         *self,
                                             HcSyncStats          *stats,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* Automatic syncs: now, when the network comes back, a few seconds after local writes, and
 * every @interval seconds; failures retry with exponential backoff and jitter. */
void          hc_sync_engine_start          (HcSyncEngine         *self);
void          hc_sync_engine_stop           (HcSyncEngine         *self);

HcSyncState   hc_sync_engine_get_state      (HcSyncEngine         *self);
double        hc_sync_engine_get_progress   (HcSyncEngine         *self);
guint         hc_sync_engine_get_pending_count (HcSyncEngine      *self);
guint         hc_sync_engine_get_conflict_count (HcSyncEngine     *self);
const char   *hc_sync_engine_get_last_sync  (HcSyncEngine         *self);
const char   *hc_sync_engine_get_error      (HcSyncEngine         *self);

/* Settles a conflict (take local, take remote, or @merged) with a Provenance naming both
 * versions; the change is queued for the next sync. */
gboolean      hc_sync_resolve_conflict_sync (HcStore              *store,
                                             const char           *conflict_id,
                                             HcStoreResolution     how,
                                             JsonObject           *merged,
                                             GCancellable         *cancellable,
                                             GError              **error);

G_END_DECLS
