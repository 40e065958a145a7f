/* hc-sync-engine.c: push, pull and merge between the local store and housecall-server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sync is explicit steps, each with a GError: push the outbox in order (each changeset
 * with its idempotency key), then pull $sync-changes pages from the stored cursor, each page
 * applied with its cursor in one store transaction, then push what merges queued. A sync runs
 * on a worker thread with blocking calls (libsoup 3.2 sends from any thread; the store
 * marshals to its own thread); the properties change in the main context the engine was made
 * in. Docs: docs/sync.md.
 */

#define G_LOG_DOMAIN "hc-sync"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-merge.h"
#include "hc-sync-engine.h"

#define PUSH_MAX_CHANGESETS 200
#define PUSH_MAX_BYTES      (4 * 1024 * 1024)
#define AUDIT_PUSH_MAX      500
#define DEFAULT_PAGE_SIZE   5000   /* the server's most: fewer commits */
#define DEBOUNCE_SECONDS    3
#define DEFAULT_INTERVAL    300
#define BACKOFF_MAX_SECONDS 300

struct _HcSyncEngine
{
  GObject          parent_instance;

  /* owned */
  HcStore         *store;
  GMainContext    *context;        /* where properties change */
  GMutex           run_lock;       /* one sync at a time */
  HcSyncClient    *client;         /* used by the running sync only */
  GPtrArray       *waiters;        /* GTask: callers joined to the running sync */
  gboolean         running;
  GNetworkMonitor *monitor;        /* borrowed singleton, with our handler */
  gulong           network_id;
  gulong           changed_id;
  guint            debounce_id;
  guint            periodic_id;
  guint            retry_id;
  guint            attempt;        /* consecutive transient failures */
  gboolean         started;

  /* properties */
  HcSyncState      state;
  double           progress;
  guint            pending_count;
  guint            conflict_count;
  char            *last_sync;
  char            *error;
  guint            page_size;
  guint            interval;
};

G_DEFINE_FINAL_TYPE (HcSyncEngine, hc_sync_engine, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (HcSyncState, hc_sync_state,
                    G_DEFINE_ENUM_VALUE (HC_SYNC_STATE_LOGGED_OUT, "logged-out"),
                    G_DEFINE_ENUM_VALUE (HC_SYNC_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (HC_SYNC_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (HC_SYNC_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (HC_SYNC_STATE_ERROR, "error"))

enum {
  PROP_0,
  PROP_STORE,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_PENDING_COUNT,
  PROP_CONFLICT_COUNT,
  PROP_LAST_SYNC,
  PROP_ERROR,
  PROP_PAGE_SIZE,
  PROP_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  RECORDS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------------------------ */
/* Properties change in the engine's main context */

typedef struct
{
  HcSyncEngine *self;
  guint         mask;       /* 1 << PROP_… */
  HcSyncState   state;
  double        progress;
  guint         pending_count;
  guint         conflict_count;
  char         *last_sync;
  char         *error;
} Update;

static gboolean
apply_update_cb (gpointer data)
{
  Update *u = data;
  HcSyncEngine *self = u->self;

  g_object_freeze_notify (G_OBJECT (self));
  if ((u->mask & (1u << PROP_STATE)) && self->state != u->state)
    {
      self->state = u->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if ((u->mask & (1u << PROP_PROGRESS)) && self->progress != u->progress)
    {
      self->progress = u->progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if ((u->mask & (1u << PROP_PENDING_COUNT)) && self->pending_count != u->pending_count)
    {
      self->pending_count = u->pending_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
    }
  if ((u->mask & (1u << PROP_CONFLICT_COUNT)) && self->conflict_count != u->conflict_count)
    {
      self->conflict_count = u->conflict_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICT_COUNT]);
    }
  if ((u->mask & (1u << PROP_LAST_SYNC)) && g_strcmp0 (self->last_sync, u->last_sync) != 0)
    {
      g_free (self->last_sync);
      self->last_sync = g_steal_pointer (&u->last_sync);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SYNC]);
    }
  if ((u->mask & (1u << PROP_ERROR)) && g_strcmp0 (self->error, u->error) != 0)
    {
      g_free (self->error);
      self->error = g_steal_pointer (&u->error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

static void
update_free (gpointer data)
{
  Update *u = data;

  g_object_unref (u->self);
  g_free (u->last_sync);
  g_free (u->error);
  g_free (u);
}

static Update *
update_new (HcSyncEngine *self)
{
  Update *u = g_new0 (Update, 1);

  u->self = g_object_ref (self);
  return u;
}

static void
post_update (Update *u)
{
  g_main_context_invoke_full (u->self->context, G_PRIORITY_DEFAULT, apply_update_cb, u,
                              update_free);
}

static void
post_state (HcSyncEngine *self,
            HcSyncState   state,
            const char   *error)
{
  Update *u = update_new (self);

  u->mask = (1u << PROP_STATE) | (1u << PROP_ERROR);
  u->state = state;
  u->error = g_strdup (error);
  post_update (u);
}

static void
post_progress (HcSyncEngine *self,
               double        progress)
{
  Update *u = update_new (self);

  u->mask = 1u << PROP_PROGRESS;
  u->progress = CLAMP (progress, 0.0, 1.0);
  post_update (u);
}

/* pending-count, conflict-count and last-sync from the store */
static void
post_counts (HcSyncEngine *self)
{
  HcStoreStatus status = { 0 };
  Update *u;

  if (!hc_store_get_sync_status_sync (self->store, &status, NULL, NULL))
    return;
  u = update_new (self);
  u->mask = (1u << PROP_PENDING_COUNT) | (1u << PROP_CONFLICT_COUNT) | (1u << PROP_LAST_SYNC);
  u->pending_count = (guint) status.pending;
  u->conflict_count = (guint) status.conflicts;
  u->last_sync = g_steal_pointer (&status.last_sync);
  post_update (u);
  hc_store_status_clear (&status);
}

typedef struct
{
  HcSyncEngine *self;
  JsonArray    *changes;
} Changes;

static gboolean
emit_changes_cb (gpointer data)
{
  Changes *c = data;

  g_signal_emit (c->self, signals[RECORDS_CHANGED], 0, c->changes);
  return G_SOURCE_REMOVE;
}

static gpointer
free_changes_thread (gpointer data)
{
  json_array_unref (data);
  return NULL;
}

static void
changes_free (gpointer data)
{
  Changes *c = data;

  g_object_unref (c->self);
  /* an entry for each record the sync stored: after a big pull, freeing them took the UI
   * thread more than a frame (bench-sync-frames); nothing else holds the array now */
  if (json_array_get_length (c->changes) > 1000)
    g_thread_unref (g_thread_new ("hc-sync-free", free_changes_thread, c->changes));
  else
    json_array_unref (c->changes);
  g_free (c);
}

/* records-changed, in the engine's main context. Takes @changes: JsonArray's reference count
 * is not atomic, so no other thread may hold it once it is posted. */
static void
post_changes (HcSyncEngine *self,
              JsonArray    *changes)
{
  Changes *c = g_new0 (Changes, 1);

  c->self = g_object_ref (self);
  c->changes = changes;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_changes_cb, c,
                              changes_free);
}

/* ------------------------------------------------------------------------------------------ */
/* Settings kept in the store */

typedef struct
{
  char   *url;
  char   *user;
  char   *ca_file;
  char   *access_token;
  char   *refresh_token;
  gint64  issued_at;
  char   *cursor;
  char   *revoked;
  char   *role;
  gboolean resync;
} Config;

static void
config_clear (Config *c)
{
  g_free (c->url);
  g_free (c->user);
  g_free (c->ca_file);
  g_free (c->access_token);
  g_free (c->refresh_token);
  g_free (c->cursor);
  g_free (c->revoked);
  g_free (c->role);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

static gboolean
load_config (HcStore       *store,
             Config        *c,
             GCancellable  *cancellable,
             GError       **error)
{
  struct { const char *key; char **out; } keys[] = {
    { "server_url", &c->url }, { "user", &c->user }, { "ca_file", &c->ca_file },
    { "access_token", &c->access_token }, { "refresh_token", &c->refresh_token },
    { "cursor", &c->cursor }, { "revoked", &c->revoked }, { "role", &c->role },
  };
  g_autofree char *issued = NULL;
  g_autofree char *resync = NULL;
  GError *local_error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      *keys[i].out = hc_store_get_sync_value_sync (store, keys[i].key, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  issued = hc_store_get_sync_value_sync (store, "token_issued_at", cancellable, NULL);
  resync = hc_store_get_sync_value_sync (store, "resync", cancellable, NULL);
  c->issued_at = issued ? g_ascii_strtoll (issued, NULL, 10) : 0;
  c->resync = resync != NULL;
  return TRUE;
}

static void
save_tokens_cb (HcSyncClient *client,
                const char   *access_token,
                const char   *refresh_token,
                gint64        issued_at,
                gpointer      user_data)
{
  HcStore *store = user_data;
  g_autofree char *issued = g_strdup_printf ("%" G_GINT64_FORMAT, issued_at);
  g_autoptr(GError) error = NULL;

  /* the old refresh token is spent: the new one must survive a crash */
  if (!hc_store_set_sync_values_sync (store, NULL, &error, "access_token", access_token,
                                      "refresh_token", refresh_token, "token_issued_at", issued,
                                      NULL))
    g_warning ("cannot store the refreshed login: %s", error->message);
}

static char *
now_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* The sequence number at the end of a cursor ("epoch.seq"), for progress only. */
static gint64
cursor_seq (const char *cursor)
{
  const char *dot = cursor ? strrchr (cursor, '.') : NULL;

  return dot ? g_ascii_strtoll (dot + 1, NULL, 10) : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Merging, through hc-merge (sync/), for the store's hook */

typedef struct
{
  const char *user;
  gboolean    provenance;   /* the role may write Provenance (physicians and nurses) */
  GHashTable *pushed;       /* "Type/id/version" the server acknowledged in this sync */
  GHashTable *merged;       /* "Type/id" merged with local changes without a conflict */
  JsonArray  *changes;      /* what pulls changed, for records-changed */
  GHashTable *conflicted;   /* "Type/id" whose merge with local changes needs review */
} MergeContext;

static HcStoreMerge *
merge_hook (const char *type,
            const char *id,
            JsonObject *base,
            JsonObject *local,
            JsonObject *remote,
            gint64      base_version,
            gint64      remote_version,
            gpointer    user_data)
{
  MergeContext *mc = user_data;
  g_autoptr(HcMergeResult) result = hc_merge_resources (base, local, remote);
  HcStoreMerge *m = g_new0 (HcStoreMerge, 1);

  m->outcome = result->outcome == HC_MERGE_CONFLICT ? HC_STORE_MERGE_CONFLICT :
               result->outcome == HC_MERGE_NOTICE ? HC_STORE_MERGE_NOTICE : HC_STORE_MERGE_CLEAN;
  m->merged = result->merged ? json_object_ref (result->merged) : NULL;
  m->elements = g_ptr_array_ref (m->outcome == HC_STORE_MERGE_CONFLICT ? result->conflicts
                                                                        : result->notices);
  if (m->outcome != HC_STORE_MERGE_CONFLICT && mc->provenance)
    {
      g_autofree char *provenance_id = hc_fhir_new_id ();
      g_autofree char *recorded = now_utc ();

      m->provenance = hc_merge_provenance (provenance_id, type, id, base_version, remote_version,
                                           "merge", mc->user, recorded);
    }
  if (m->outcome != HC_STORE_MERGE_CONFLICT && mc->merged != NULL)
    g_hash_table_add (mc->merged, g_strdup_printf ("%s/%s", type, id));
  else if (m->outcome == HC_STORE_MERGE_CONFLICT && mc->conflicted != NULL)
    g_hash_table_add (mc->conflicted, g_strdup_printf ("%s/%s", type, id));
  g_debug ("merged %s/%s: outcome %d", type, id, m->outcome);
  return m;
}

/* ------------------------------------------------------------------------------------------ */
/* Fault points for tests (HOUSECALL_SYNC_FAULT): drop-push-answer (the server applied a push
 * but the answer is lost), exit-after-page=N (the process dies after applying N pages). */

static gboolean
fault_is (const char *name)
{
  const char *fault = g_getenv ("HOUSECALL_SYNC_FAULT");
  return fault != NULL && g_str_has_prefix (fault, name);
}

static void
maybe_exit_after_page (guint pages)
{
  const char *fault = g_getenv ("HOUSECALL_SYNC_FAULT");

  if (fault != NULL && g_str_has_prefix (fault, "exit-after-page=") &&
      pages >= (guint) atoi (fault + strlen ("exit-after-page=")))
    {
      g_printerr ("housecall: sync fault: exiting after %u pages\n", pages);
      _exit (3);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Push */

static void
add_entry (JsonArray  *entries,
           JsonObject *change,
           GHashTable *predicted)
{
  const char *op = hc_json_get_string (change, "op");
  const char *type = hc_json_get_string (change, "type");
  const char *id = hc_json_get_string (change, "id");
  JsonObject *resource = hc_json_get_object (change, "resource");
  g_autofree char *url = g_strconcat (type, "/", id, NULL);
  JsonObject *entry = json_object_new ();
  JsonObject *request = json_object_new ();
  gint64 base = json_object_has_member (change, "baseVersion") ?
                json_object_get_int_member (change, "baseVersion") : 0;
  gpointer known;

  /* an earlier change of this push decides the version this one builds on */
  if (g_hash_table_lookup_extended (predicted, url, NULL, &known))
    base = GPOINTER_TO_SIZE (known);

  json_object_set_string_member (request, "method", g_strcmp0 (op, "delete") == 0 ? "DELETE" : "PUT");
  json_object_set_string_member (request, "url", url);
  if (base > 0)
    {
      g_autofree char *etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"", base);
      json_object_set_string_member (request, "ifMatch", etag);
    }
  else if (g_strcmp0 (op, "delete") != 0)
    json_object_set_string_member (request, "ifNoneMatch", "*");
  if (resource != NULL && g_strcmp0 (op, "delete") != 0)
    json_object_set_object_member (entry, "resource", json_object_ref (resource));
  json_object_set_object_member (entry, "request", request);
  json_array_add_object_element (entries, entry);
  g_hash_table_insert (predicted, g_steal_pointer (&url), GSIZE_TO_POINTER ((gsize) (base + 1)));
}

static JsonObject *
changeset_bundle (JsonObject *changeset,
                  GHashTable *predicted)
{
  JsonObject *bundle = json_object_new ();
  JsonObject *identifier = json_object_new ();
  JsonArray *entries = json_array_new ();
  JsonArray *changes = hc_json_get_array (changeset, "entries");

  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", "transaction");
  json_object_set_string_member (identifier, "system", "urn:housecall:changeset");
  json_object_set_string_member (identifier, "value", hc_json_get_string (changeset, "key"));
  json_object_set_object_member (bundle, "identifier", identifier);
  for (guint i = 0; changes && i < json_array_get_length (changes); i++)
    add_entry (entries, hc_json_array_get_object (changes, i), predicted);
  json_object_set_array_member (bundle, "entry", entries);
  return bundle;
}

static const char *
outcome_text (JsonObject *response)
{
  JsonObject *outcome = hc_json_get_object (response, "outcome");
  JsonObject *issue = hc_json_array_get_object (hc_json_get_array (outcome, "issue"), 0);
  const char *text = hc_json_get_string (issue, "diagnostics");

  return text ? text : "refused";
}

/* The versions our push created ("Type/id/version"), so that the pull that brings them back
 * does not count them as changes from elsewhere. */
static void
remember_pushed (MergeContext *mc,
                 JsonArray    *responses)
{
  for (guint i = 0; mc->pushed != NULL && responses != NULL && i < json_array_get_length (responses); i++)
    {
      JsonObject *response = hc_json_get_object (hc_json_array_get_object (responses, i), "response");
      const char *location = hc_json_get_string (response, "location");
      g_auto(GStrv) parts = location ? g_strsplit (location, "/", -1) : NULL;

      /* "Type/id/_history/version" */
      if (parts != NULL && g_strv_length (parts) == 4)
        g_hash_table_add (mc->pushed, g_strdup_printf ("%s/%s/%s", parts[0], parts[1], parts[3]));
    }
}

/* What a pulled entry changes here, for records-changed: worked out before the entry is
 * applied, on the fetch thread for a page, while the store applies the page before it. */
typedef struct
{
  char       *key;      /* "Type/id/version": an echo of our own push when mc->pushed has it */
  JsonObject *change;   /* {"resource": "Type/id", "patient": "id" or absent}; "merged" and
                         * "conflict" come once the entry is applied */
} Pulled;

static void
pulled_clear (gpointer data)
{
  Pulled *p = data;

  g_free (p->key);
  g_clear_pointer (&p->change, json_object_unref);
}

static GArray *
pulled_new (JsonArray *entries)
{
  GArray *pulled = g_array_new (FALSE, TRUE, sizeof (Pulled));

  g_array_set_clear_func (pulled, pulled_clear);
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = hc_json_array_get_object (entries, i);
      const char *url = hc_json_get_string (hc_json_get_object (entry, "request"), "url");
      const char *etag = hc_json_get_string (hc_json_get_object (entry, "response"), "etag");
      JsonNode *resource_node = json_object_get_member (entry, "resource");
      g_autoptr(JsonObject) members = NULL;
      JsonObject *resource = NULL;
      g_autofree char *version = NULL;
      g_autofree char *patient = NULL;
      Pulled p;

      if (url == NULL || etag == NULL)
        continue;
      /* W/"3" */
      version = g_strdup (etag + strcspn (etag, "0123456789"));
      version[strspn (version, "0123456789")] = '\0';
      if (resource_node != NULL && JSON_NODE_HOLDS_OBJECT (resource_node))
        resource = json_node_get_object (resource_node);
      else if (resource_node != NULL && JSON_NODE_HOLDS_VALUE (resource_node) &&
               json_node_get_value_type (resource_node) == G_TYPE_STRING)
        {
          /* a page read with hc_json_parse_keeping_text(): only what names the patient */
          static const char * const names[] = {
            "resourceType", "id", "subject", "patient", "beneficiary", "for", "participant", NULL
          };
          const char *text = json_node_get_string (resource_node);

          members = hc_json_parse_members (text, strlen (text), names, NULL);
          resource = members;
        }
      patient = resource ? hc_fhir_patient_reference (resource) : NULL;
      p.key = g_strdup_printf ("%s/%s", url, version);
      p.change = json_object_new ();
      json_object_set_string_member (p.change, "resource", url);
      if (patient != NULL && g_str_has_prefix (patient, "Patient/"))
        json_object_set_string_member (p.change, "patient", patient + strlen ("Patient/"));
      g_array_append_val (pulled, p);
    }
  return pulled;
}

/* Adds what applied entries changed here to mc->changes, leaving out the echoes of our own
 * pushes. */
static void
remember_pulled (MergeContext *mc,
                 GArray       *pulled)
{
  for (guint i = 0; mc->changes != NULL && pulled != NULL && i < pulled->len; i++)
    {
      Pulled *p = &g_array_index (pulled, Pulled, i);
      const char *url = json_object_get_string_member (p->change, "resource");

      if (g_hash_table_contains (mc->pushed, p->key))
        continue;
      json_object_set_boolean_member (p->change, "merged", g_hash_table_contains (mc->merged, url));
      json_object_set_boolean_member (p->change, "conflict",
                                      g_hash_table_contains (mc->conflicted, url));
      json_array_add_object_element (mc->changes, g_steal_pointer (&p->change));
    }
}

/* Sends one batch of the outbox; *@progressed when something was settled. */
static gboolean
push_batch (HcSyncEngine  *self,
            JsonArray     *outbox,
            MergeContext  *mc,
            HcSyncStats   *stats,
            gboolean      *progressed,
            gboolean      *more,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GHashTable) predicted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) batch = json_object_new ();
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) request_error = NULL;
  g_autofree char *body = NULL;
  JsonArray *entries = json_array_new ();
  JsonArray *results;
  guint n = json_array_get_length (outbox), status = 0;
  gsize bytes = 0;

  json_object_set_string_member (batch, "resourceType", "Bundle");
  json_object_set_string_member (batch, "type", "batch");
  json_object_set_array_member (batch, "entry", entries);
  for (guint i = 0; i < n && seqs->len < PUSH_MAX_CHANGESETS && bytes < PUSH_MAX_BYTES; i++)
    {
      JsonObject *changeset = hc_json_array_get_object (outbox, i);
      JsonObject *entry = json_object_new ();
      JsonObject *bundle = changeset_bundle (changeset, predicted);
      gint64 seq = json_object_get_int_member (changeset, "seq");
      g_autofree char *text = hc_json_object_to_string (bundle, FALSE);

      bytes += strlen (text);
      json_object_set_object_member (entry, "resource", bundle);
      json_array_add_object_element (entries, entry);
      g_array_append_val (seqs, seq);
    }
  *more = seqs->len < n;
  body = hc_json_object_to_string (batch, FALSE);
  /* from now on their records show as sent, until the answer acknowledges them */
  if (seqs->len > 0 &&
      !hc_store_mark_sent_sync (self->store, g_array_index (seqs, gint64, seqs->len - 1),
                                cancellable, error))
    return FALSE;

  answer = hc_sync_client_request (self->client, "POST", "/fhir/$sync-push", body, &status,
                                   cancellable, &request_error);
  if (request_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&request_error));
      return FALSE;
    }
  if (status != 200 || answer == NULL ||
      (results = hc_json_get_array (answer, "entry")) == NULL ||
      json_array_get_length (results) != seqs->len)
    {
      g_set_error (error, HC_SYNC_ERROR, status == 403 ? HC_SYNC_ERROR_FORBIDDEN :
                   HC_SYNC_ERROR_PROTOCOL, "the server refused the push (HTTP %u)", status);
      return FALSE;
    }
  if (fault_is ("drop-push-answer"))
    {
      g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NETWORK,
                           "sync fault: the push's answer was lost");
      return FALSE;
    }

  for (guint i = 0; i < seqs->len; i++)
    {
      gint64 seq = g_array_index (seqs, gint64, i);
      JsonObject *result = hc_json_array_get_object (results, i);
      JsonObject *response = hc_json_get_object (result, "response");
      JsonObject *resource = hc_json_get_object (result, "resource");
      const char *code = hc_json_get_string (response, "status");
      guint64 st = 0;

      if (code == NULL || !g_ascii_string_to_unsigned (code, 10, 100, 599, &st, NULL))
        st = 0;
      if (st == 200)
        {
          if (!hc_store_ack_changeset_sync (self->store, seq, hc_json_get_array (resource, "entry"),
                                            cancellable, error))
            return FALSE;
          remember_pushed (mc, hc_json_get_array (resource, "entry"));
          stats->pushed++;
          *progressed = TRUE;
        }
      else if (st == 412)
        {
          HcStoreApplyStats as;

          /* the current server versions: merge against them now, no extra round trip */
          if (!hc_store_apply_remote_sync (self->store, hc_json_get_array (resource, "entry"),
                                           NULL, NULL, TRUE, merge_hook, mc, &as, cancellable,
                                           error))
            return FALSE;
          if (mc->changes != NULL)
            {
              g_autoptr(GArray) pulled = pulled_new (hc_json_get_array (resource, "entry"));
              remember_pulled (mc, pulled);
            }
          stats->merged += as.merged;
          stats->conflicts += as.conflicts;
          *progressed = TRUE;
        }
      else if (st == 400 || st == 403)
        {
          g_debug ("changeset %" G_GINT64_FORMAT " rejected (HTTP %u)", seq, (guint) st);
          if (!hc_store_reject_changeset_sync (self->store, seq, outcome_text (result), cancellable,
                                               error))
            return FALSE;
          stats->rejected++;
          *progressed = TRUE;
        }
      else
        g_debug ("changeset %" G_GINT64_FORMAT " not applied (HTTP %u); retried later", seq,
                 (guint) st);
    }
  return TRUE;
}

static gboolean
push (HcSyncEngine  *self,
      MergeContext  *mc,
      HcSyncStats   *stats,
      GCancellable  *cancellable,
      GError       **error)
{
  /* bounded: a record that keeps changing on the server must not keep us here */
  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(JsonArray) outbox = hc_store_list_outbox_sync (self->store, cancellable, error);
      gboolean progressed = FALSE, more = FALSE;

      if (outbox == NULL)
        return FALSE;
      if (json_array_get_length (outbox) == 0)
        return TRUE;
      if (!push_batch (self, outbox, mc, stats, &progressed, &more, cancellable, error))
        return FALSE;
      if (!progressed)
        return TRUE;   /* what is left is held or failed on the server: next sync */
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The local audit log, to the server as AuditEvents (docs/protocol.md, "Sync: audit") */

typedef struct
{
  const char *action;     /* the local log's action */
  const char *code;       /* AuditEvent.action */
  const char *type;       /* AuditEvent.type, DICOM audit event ID */
} AuditKind;

static const AuditKind audit_kinds[] = {
  { "create", "C", "110110" }, { "read", "R", "110110" }, { "update", "U", "110110" },
  { "delete", "D", "110110" }, { "search", "E", "110110" }, { "print", "R", "110110" },
  { "sync", "E", "110110" }, { "import", "C", "110107" }, { "export", "R", "110106" },
  { "login", "E", "110114" },
};

static JsonObject *
coding_new (const char *system,
            const char *code)
{
  JsonObject *coding = json_object_new ();

  json_object_set_string_member (coding, "system", system);
  json_object_set_string_member (coding, "code", code);
  return coding;
}

static JsonObject *
identifier_reference (const char *system,
                      const char *value)
{
  JsonObject *reference = json_object_new ();
  JsonObject *identifier = json_object_new ();

  json_object_set_string_member (identifier, "system", system);
  json_object_set_string_member (identifier, "value", value);
  json_object_set_object_member (reference, "identifier", identifier);
  return reference;
}

/* One entry of the local log as an AuditEvent: who (the store's user), when, what action on
 * which record, from which store; the entry's free text stays local. */
static JsonObject *
audit_event (JsonObject *entry,
             const char *store_id,
             const char *user)
{
  const char *action = hc_json_get_string (entry, "action");
  const char *entity = hc_json_get_string (entry, "entity");
  const AuditKind *kind = &audit_kinds[0];
  g_autofree char *id = g_strdup_printf ("%s.%" G_GINT64_FORMAT, store_id,
                                         json_object_get_int_member (entry, "seq"));
  JsonObject *event = json_object_new ();
  JsonArray *subtypes = json_array_new ();
  JsonArray *agents = json_array_new ();
  JsonObject *agent = json_object_new ();
  JsonObject *source = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (audit_kinds); i++)
    if (g_strcmp0 (audit_kinds[i].action, action) == 0)
      kind = &audit_kinds[i];
  json_object_set_string_member (event, "resourceType", "AuditEvent");
  json_object_set_string_member (event, "id", id);
  json_object_set_object_member (event, "type",
                                 coding_new ("http://dicom.nema.org/resources/ontology/DCM", kind->type));
  json_array_add_object_element (subtypes, coding_new ("urn:housecall:local-action", action));
  json_object_set_array_member (event, "subtype", subtypes);
  json_object_set_string_member (event, "action", kind->code);
  json_object_set_string_member (event, "recorded", hc_json_get_string (entry, "at"));
  json_object_set_string_member (event, "outcome", "0");
  json_object_set_object_member (agent, "who", identifier_reference ("urn:housecall:user", user));
  json_object_set_boolean_member (agent, "requestor", TRUE);
  json_array_add_object_element (agents, agent);
  json_object_set_array_member (event, "agent", agents);
  json_object_set_object_member (source, "observer", identifier_reference ("urn:housecall:store",
                                                                           store_id));
  json_object_set_object_member (event, "source", source);
  if (entity != NULL)
    {
      JsonArray *entities = json_array_new ();
      JsonObject *e = json_object_new ();
      JsonObject *what = json_object_new ();

      json_object_set_string_member (what, "reference", entity);
      json_object_set_object_member (e, "what", what);
      json_array_add_object_element (entities, e);
      json_object_set_array_member (event, "entity", entities);
    }
  return event;
}

/* The store's id, made on first use: it names this device's events on the server. */
static char *
ensure_store_id (HcStore       *store,
                 GCancellable  *cancellable,
                 GError       **error)
{
  GError *local_error = NULL;
  char *id = hc_store_get_sync_value_sync (store, "store_id", cancellable, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (id != NULL)
    return id;
  id = hc_fhir_new_id ();
  if (!hc_store_set_sync_values_sync (store, cancellable, error, "store_id", id, NULL))
    g_clear_pointer (&id, g_free);
  return id;
}

/* Sends the entries after the "audit_cursor" in sync_state, in batches, and moves the cursor
 * past each batch the server took. The ids are the store's id and the entry's number, so a
 * batch sent again (its answer lost) stores nothing twice. */
static gboolean
push_audit (HcSyncEngine  *self,
            Config        *config,
            HcSyncStats   *stats,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *store_id = ensure_store_id (self->store, cancellable, error);
  g_autofree char *cursor_text = NULL;
  gint64 cursor;

  if (store_id == NULL)
    return FALSE;
  cursor_text = hc_store_get_sync_value_sync (self->store, "audit_cursor", cancellable, NULL);
  cursor = cursor_text ? g_ascii_strtoll (cursor_text, NULL, 10) : 0;
  for (;;)
    {
      g_autoptr(JsonArray) entries = hc_store_list_audit_sync (self->store, cursor, AUDIT_PUSH_MAX,
                                                               cancellable, error);
      g_autoptr(JsonObject) bundle = NULL;
      g_autoptr(JsonObject) answer = NULL;
      g_autoptr(GError) request_error = NULL;
      g_autofree char *body = NULL;
      g_autofree char *next = NULL;
      JsonArray *list;
      guint n, status = 0;

      if (entries == NULL)
        return FALSE;
      n = json_array_get_length (entries);
      if (n == 0)
        return TRUE;
      bundle = json_object_new ();
      list = json_array_new ();
      json_object_set_string_member (bundle, "resourceType", "Bundle");
      json_object_set_string_member (bundle, "type", "collection");
      for (guint i = 0; i < n; i++)
        {
          JsonObject *entry = json_object_new ();

          json_object_set_object_member (entry, "resource",
                                         audit_event (hc_json_array_get_object (entries, i),
                                                      store_id, config->user));
          json_array_add_object_element (list, entry);
        }
      json_object_set_array_member (bundle, "entry", list);
      body = hc_json_object_to_string (bundle, FALSE);
      answer = hc_sync_client_request (self->client, "POST", "/fhir/$audit-push", body, &status,
                                       cancellable, &request_error);
      if (request_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&request_error));
          return FALSE;
        }
      if (status != 200)
        {
          g_set_error (error, HC_SYNC_ERROR, status == 403 ? HC_SYNC_ERROR_FORBIDDEN :
                       HC_SYNC_ERROR_PROTOCOL, "the server refused the audit log (HTTP %u)", status);
          return FALSE;
        }
      if (fault_is ("drop-audit-answer"))
        {
          g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NETWORK,
                               "sync fault: the audit push's answer was lost");
          return FALSE;
        }
      cursor = json_object_get_int_member (hc_json_array_get_object (entries, n - 1), "seq");
      next = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
      if (!hc_store_set_sync_values_sync (self->store, cancellable, error, "audit_cursor", next,
                                          NULL))
        return FALSE;
      stats->audit_sent += n;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Pull */

static const char *
bundle_extension (JsonObject *bundle,
                  const char *url,
                  gboolean   *boolean)
{
  JsonArray *extensions = hc_json_get_array (hc_json_get_object (bundle, "meta"), "extension");

  for (guint i = 0; extensions && i < json_array_get_length (extensions); i++)
    {
      JsonObject *ext = hc_json_array_get_object (extensions, i);

      if (g_strcmp0 (hc_json_get_string (ext, "url"), url) != 0)
        continue;
      if (boolean != NULL)
        {
          JsonNode *v = json_object_get_member (ext, "valueBoolean");
          *boolean = v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_boolean (v);
        }
      return hc_json_get_string (ext, "valueString");
    }
  return NULL;
}

/* One page request on its own thread, so the next page downloads and parses while the store
 * applies this one; the thread also works out what the page changes (for records-changed) and
 * frees the page before the last, off the sync's path. */
typedef struct
{
  HcSyncClient *client;
  GCancellable *cancellable;
  char         *path;
  gboolean      want_changes;
  JsonObject   *garbage;
  guint         status;
  JsonObject   *page;
  GArray       *pulled;
  GError       *error;
  GThread      *thread;
} Fetch;

static gpointer
fetch_thread (gpointer data)
{
  Fetch *f = data;

  f->page = hc_sync_client_get_bundle (f->client, f->path, &f->status, f->cancellable, &f->error);
  if (f->page != NULL && f->want_changes)
    f->pulled = pulled_new (hc_json_get_array (f->page, "entry"));
  g_clear_pointer (&f->garbage, json_object_unref);
  return NULL;
}

/* Takes @garbage, a page done with, to free on the thread. */
static Fetch *
fetch_start (HcSyncEngine *self,
             const char   *cursor,
             gboolean      want_changes,
             JsonObject   *garbage,
             GCancellable *cancellable)
{
  Fetch *f = g_new0 (Fetch, 1);

  f->client = g_object_ref (self->client);
  f->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  f->want_changes = want_changes;
  f->garbage = garbage;
  if (cursor != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      f->path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&_count=%u", escaped,
                                 self->page_size);
    }
  else
    f->path = g_strdup_printf ("/fhir/$sync-changes?_count=%u", self->page_size);
  f->thread = g_thread_new ("hc-sync-fetch", fetch_thread, f);
  return f;
}

/* Waits for the page; NULL with @error (or with no error for an empty answer). @pulled: what
 * the page changes, when the fetch was started wanting it. */
static JsonObject *
fetch_finish (Fetch    *f,
              guint    *status,
              GArray  **pulled,
              GError  **error)
{
  JsonObject *page;

  g_thread_join (f->thread);
  page = f->page;
  *status = f->status;
  if (pulled != NULL)
    *pulled = g_steal_pointer (&f->pulled);
  g_clear_pointer (&f->pulled, g_array_unref);
  if (f->error != NULL)
    g_propagate_error (error, f->error);
  g_object_unref (f->client);
  g_clear_object (&f->cancellable);
  g_free (f->path);
  g_free (f);
  return page;
}

static void
fetch_discard (Fetch *f)
{
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  if (f != NULL)
    page = fetch_finish (f, &status, NULL, &error);
}

static gboolean
pull (HcSyncEngine  *self,
      Config        *config,
      MergeContext  *mc,
      HcSyncStats   *stats,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autofree char *cursor = g_strdup (config->cursor);
  gboolean resync = config->resync;
  gint64 start = cursor_seq (cursor);
  gboolean want_changes = mc->changes != NULL;
  Fetch *fetch = fetch_start (self, cursor, want_changes, NULL, cancellable);
  g_autoptr(JsonObject) previous = NULL;

  for (;;)
    {
      g_autoptr(JsonObject) page = NULL;
      g_autoptr(GArray) pulled = NULL;
      g_autoptr(GError) request_error = NULL;
      const char *next, *head;
      gboolean up_to_date = FALSE, applied;
      HcStoreApplyStats as;
      JsonArray *entries;
      guint status = 0;

      page = fetch_finish (g_steal_pointer (&fetch), &status, &pulled, &request_error);
      if (request_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&request_error));
          return FALSE;
        }
      if (status == 410 && cursor != NULL)
        {
          /* the server's database was replaced (restored from a backup): a new snapshot,
           * keeping the outbox */
          g_debug ("the server's database changed; pulling a new snapshot");
          /* the new database lacks what the old one got of the audit log, too: all of it
           * again (the server skips what it has) */
          if (!hc_store_start_resync_sync (self->store, cancellable, error) ||
              !hc_store_set_sync_values_sync (self->store, cancellable, error, "audit_cursor",
                                              NULL, NULL))
            return FALSE;
          g_clear_pointer (&cursor, g_free);
          resync = TRUE;
          start = 0;
          stats->resynced = TRUE;
          fetch = fetch_start (self, NULL, want_changes, g_steal_pointer (&previous),
                               cancellable);
          continue;
        }
      if (status != 200 || page == NULL)
        {
          g_set_error (error, HC_SYNC_ERROR, status == 403 ? HC_SYNC_ERROR_FORBIDDEN :
                       HC_SYNC_ERROR_PROTOCOL, "the server refused the pull (HTTP %u)", status);
          return FALSE;
        }
      next = bundle_extension (page, "urn:housecall:sync:cursor", NULL);
      head = bundle_extension (page, "urn:housecall:sync:head", NULL);
      bundle_extension (page, "urn:housecall:sync:up-to-date", &up_to_date);
      if (next == NULL)
        {
          g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_PROTOCOL,
                               "the server's sync page has no cursor");
          return FALSE;
        }
      entries = hc_json_get_array (page, "entry");
      /* the next page comes while this one is applied */
      if (!up_to_date)
        fetch = fetch_start (self, next, want_changes, g_steal_pointer (&previous), cancellable);
      applied = hc_store_apply_remote_sync (self->store, entries, next, head, resync, merge_hook,
                                            mc, &as, cancellable, error);
      if (!applied)
        {
          fetch_discard (g_steal_pointer (&fetch));
          return FALSE;
        }
      remember_pulled (mc, pulled);
      stats->pages++;
      stats->pulled += entries ? json_array_get_length (entries) : 0;
      stats->applied += as.applied;
      stats->merged += as.merged;
      stats->conflicts += as.conflicts;
      maybe_exit_after_page (stats->pages);

      {
        gint64 h = head ? g_ascii_strtoll (head, NULL, 10) : 0;
        gint64 at = cursor_seq (next);
        post_progress (self, up_to_date || h <= start ? 1.0 : (double) (at - start) / (double) (h - start));
      }
      g_free (cursor);
      cursor = g_strdup (next);
      if (up_to_date)
        break;
      /* the next fetch frees it (this page's fetch took the one before) */
      previous = g_steal_pointer (&page);
    }
  if (resync && !hc_store_finish_resync_sync (self->store, cancellable, error))
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* One sync */

static gboolean
ensure_client (HcSyncEngine  *self,
               Config        *config,
               GError       **error)
{
  if (self->client != NULL && g_strcmp0 (hc_sync_client_get_url (self->client), config->url) == 0)
    return TRUE;
  g_clear_object (&self->client);
  self->client = hc_sync_client_new (config->url, config->ca_file, error);
  if (self->client == NULL)
    return FALSE;
  hc_sync_client_set_tokens_func (self->client, save_tokens_cb, self->store);
  return TRUE;
}

static gboolean
run_sync (HcSyncEngine  *self,
          HcSyncStats   *stats,
          GCancellable  *cancellable,
          GError       **error)
{
  g_auto(Config) config = { 0 };
  g_autoptr(GHashTable) pushed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) conflicted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             NULL);
  /* records-changed: worked out only when someone listens */
  g_autoptr(JsonArray) changes = g_signal_has_handler_pending (self, signals[RECORDS_CHANGED], 0,
                                                               TRUE) ? json_array_new () : NULL;
  MergeContext mc = { NULL, FALSE, pushed, merged, changes, conflicted };
  guint requests = 0;
  guint64 bytes = 0;
  gboolean ok;

  memset (stats, 0, sizeof *stats);
  if (!load_config (self->store, &config, cancellable, error))
    return FALSE;
  if (config.url == NULL)
    {
      g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NOT_LOGGED_IN,
                           "this store is not logged in to a server; use 'housecall-cli login'");
      return FALSE;
    }
  if (config.revoked != NULL)
    {
      g_set_error_literal (error, HC_SYNC_ERROR, HC_SYNC_ERROR_REVOKED, config.revoked);
      return FALSE;
    }
  if (!ensure_client (self, &config, error))
    return FALSE;
  hc_sync_client_set_tokens (self->client, config.access_token, config.refresh_token,
                             config.issued_at);
  requests = hc_sync_client_get_requests (self->client);
  bytes = hc_sync_client_get_bytes (self->client);
  mc.user = config.user;
  /* the front desk merges registrations but may not write Provenance (server/hc-auth.c) */
  mc.provenance = g_strcmp0 (config.role, "front-desk") != 0;

  post_state (self, HC_SYNC_STATE_SYNCING, NULL);
  ok = push (self, &mc, stats, cancellable, error) &&
       pull (self, &config, &mc, stats, cancellable, error);
  /* merges and conflicts' Tasks while pulling queued new changes: send them now */
  if (ok && (stats->merged > 0 || stats->conflicts > 0))
    ok = push (self, &mc, stats, cancellable, error);
  /* last, so the entries this sync wrote go with it */
  if (ok)
    ok = push_audit (self, &config, stats, cancellable, error);
  if (ok)
    {
      g_autofree char *now = now_utc ();
      ok = hc_store_set_sync_values_sync (self->store, cancellable, error, "last_sync", now, NULL);
    }
  if (!ok && error != NULL && g_error_matches (*error, HC_SYNC_ERROR, HC_SYNC_ERROR_REVOKED))
    {
      /* stop syncing until someone logs in again */
      hc_store_set_sync_values_sync (self->store, NULL, NULL, "revoked", (*error)->message,
                                     "access_token", NULL, "refresh_token", NULL, NULL);
    }
  mc.changes = NULL;
  if (changes != NULL && json_array_get_length (changes) > 0)
    post_changes (self, g_steal_pointer (&changes));
  stats->requests = hc_sync_client_get_requests (self->client) - requests;
  stats->bytes = hc_sync_client_get_bytes (self->client) - bytes;
  g_debug ("sync %s: %u requests, pushed %u, pulled %u (%u pages), merged %u, conflicts %u",
             ok ? "done" : "failed", stats->requests, stats->pushed, stats->pulled, stats->pages,
             stats->merged, stats->conflicts);
  return ok;
}

static HcSyncState
state_for_error (const GError *error)
{
  if (error == NULL)
    return HC_SYNC_STATE_IDLE;
  if (hc_sync_error_is_transient (error))
    return HC_SYNC_STATE_OFFLINE;
  if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_REVOKED) ||
      g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_LOGIN_EXPIRED) ||
      g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NOT_LOGGED_IN))
    return HC_SYNC_STATE_LOGGED_OUT;
  return HC_SYNC_STATE_ERROR;
}

/* The whole of one sync, under the run lock, with the properties kept up to date. */
static gboolean
sync_locked (HcSyncEngine  *self,
             HcSyncStats   *stats,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_mutex_lock (&self->run_lock);
  ok = run_sync (self, stats, cancellable, &local_error);
  post_state (self, state_for_error (local_error), local_error ? local_error->message : NULL);
  post_counts (self);
  g_mutex_unlock (&self->run_lock);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HcSyncEngine *self = source_object;
  HcSyncStats *stats = g_new0 (HcSyncStats, 1);
  GError *error = NULL;

  if (sync_locked (self, stats, cancellable, &error))
    g_task_return_pointer (task, stats, g_free);
  else
    {
      g_free (stats);
      g_task_return_error (task, error);
    }
}

static void schedule_retry (HcSyncEngine *self, const GError *error);

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HcSyncEngine *self = HC_SYNC_ENGINE (source);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);
  g_autoptr(GError) error = NULL;
  g_autofree HcSyncStats *stats = g_task_propagate_pointer (G_TASK (result), &error);

  self->running = FALSE;
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  schedule_retry (self, error);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = waiters->pdata[i];

      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_pointer (waiter, g_memdup2 (stats, sizeof *stats), g_free);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Triggers */

static gboolean
retry_cb (gpointer data)
{
  HcSyncEngine *self = data;

  self->retry_id = 0;
  hc_sync_engine_sync_async (self, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Exponential backoff with jitter after a transient failure; nothing after one that needs a
 * person (a revoked login, an untrusted certificate). */
static void
schedule_retry (HcSyncEngine *self,
                const GError *error)
{
  guint delay;

  if (error == NULL)
    {
      self->attempt = 0;
      return;
    }
  if (!self->started || !hc_sync_error_is_transient (error) || self->retry_id != 0)
    return;
  delay = MIN (BACKOFF_MAX_SECONDS, 2u << MIN (self->attempt, 8u));
  self->attempt++;
  /* "equal jitter": half fixed, half random, so clients that failed together spread out */
  delay = delay / 2 + (guint) g_random_int_range (0, (gint32) (delay / 2 + 1));
  g_debug ("sync retry in %u s (attempt %u)", delay, self->attempt);
  self->retry_id = g_timeout_add_seconds (MAX (delay, 1u), retry_cb, self);
}

/* The counts after a write; with @sync_if_pending, a sync when local changes wait. */
static void
counts_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data,
           gboolean      sync_if_pending)
{
  g_autoptr(HcSyncEngine) self = user_data;
  HcStoreStatus status = { 0 };
  Update *u;

  if (!hc_store_get_status_finish (HC_STORE (source), result, &status, NULL))
    return;
  u = update_new (self);
  u->mask = (1u << PROP_PENDING_COUNT) | (1u << PROP_CONFLICT_COUNT);
  u->pending_count = (guint) status.pending;
  u->conflict_count = (guint) status.conflicts;
  apply_update_cb (u);
  update_free (u);
  if (sync_if_pending && status.pending > 0 && self->started)
    hc_sync_engine_sync_async (self, NULL, NULL, NULL);
  hc_store_status_clear (&status);
}

static void
pending_checked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  counts_cb (source, result, user_data, TRUE);
}

static void
counted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  counts_cb (source, result, user_data, FALSE);
}

static gboolean
debounce_cb (gpointer data)
{
  HcSyncEngine *self = data;

  self->debounce_id = 0;
  /* the engine's own writes change the store too: sync only for local changes */
  hc_store_get_sync_status_async (self->store, NULL, pending_checked_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (HcStore      *store,
                  HcSyncEngine *self)
{
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add_seconds (DEBOUNCE_SECONDS, debounce_cb, self);
  /* the indicator shows the waiting change at once */
  hc_store_get_sync_status_async (store, NULL, counted_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    HcSyncEngine    *self)
{
  if (!available)
    {
      post_state (self, HC_SYNC_STATE_OFFLINE, NULL);
      return;
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->attempt = 0;
  hc_sync_engine_sync_async (self, NULL, NULL, NULL);
}

static gboolean
periodic_cb (gpointer data)
{
  hc_sync_engine_sync_async (HC_SYNC_ENGINE (data), NULL, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------------------------ */

static void
hc_sync_engine_dispose (GObject *object)
{
  HcSyncEngine *self = HC_SYNC_ENGINE (object);

  hc_sync_engine_stop (self);
  G_OBJECT_CLASS (hc_sync_engine_parent_class)->dispose (object);
}

static void
hc_sync_engine_finalize (GObject *object)
{
  HcSyncEngine *self = HC_SYNC_ENGINE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->run_lock);
  g_free (self->last_sync);
  g_free (self->error);

  G_OBJECT_CLASS (hc_sync_engine_parent_class)->finalize (object);
}

static void
hc_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HcSyncEngine *self = HC_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;
    case PROP_CONFLICT_COUNT:
      g_value_set_uint (value, self->conflict_count);
      break;
    case PROP_LAST_SYNC:
      g_value_set_string (value, self->last_sync);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HcSyncEngine *self = HC_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_PAGE_SIZE:
      if (self->page_size != g_value_get_uint (value))
        {
          self->page_size = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_INTERVAL:
      if (self->interval != g_value_get_uint (value))
        {
          self->interval = g_value_get_uint (value);
          if (self->periodic_id != 0)
            {
              g_source_remove (self->periodic_id);
              self->periodic_id = g_timeout_add_seconds (self->interval, periodic_cb, self);
            }
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_sync_engine_class_init (HcSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = hc_sync_engine_dispose;
  object_class->finalize = hc_sync_engine_finalize;
  object_class->get_property = hc_sync_engine_get_property;
  object_class->set_property = hc_sync_engine_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HC_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HC_TYPE_SYNC_STATE, HC_SYNC_STATE_LOGGED_OUT, ro);
  /* 0–1: how far the running pull is from the server's head (no counting queries) */
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, ro);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_CONFLICT_COUNT] =
    g_param_spec_uint ("conflict-count", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /* ISO 8601 UTC, or NULL: never */
  properties[PROP_LAST_SYNC] = g_param_spec_string ("last-sync", NULL, NULL, NULL, ro);
  /* the last failure, one line for people, or NULL */
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, 5000, DEFAULT_PAGE_SIZE, rw | G_PARAM_CONSTRUCT);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 10, 24 * 3600, DEFAULT_INTERVAL, rw | G_PARAM_CONSTRUCT);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HcSyncEngine::records-changed:
   * @changes: (type JsonArray): one object per record a sync's pull changed in the store,
   *   {"resource": "Type/id", "patient": the Patient id when the record belongs to one,
   *   "merged": whether it was merged with changes made here, "conflict": whether its merge with
   *   changes made here waits in the conflict inbox}; the echoes of this store's
   *   own pushes are left out
   *
   * Emitted in the engine's main context once per sync that pulled changes, after they are
   * stored, so that an open chart can show them.
   */
  signals[RECORDS_CHANGED] = g_signal_new ("records-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, JSON_TYPE_ARRAY);
}

static void
hc_sync_engine_init (HcSyncEngine *self)
{
  g_mutex_init (&self->run_lock);
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
  self->state = HC_SYNC_STATE_LOGGED_OUT;
}

/* ------------------------------------------------------------------------------------------ */
/* Public API */

HcSyncEngine *
hc_sync_engine_new (HcStore *store)
{
  g_return_val_if_fail (HC_IS_STORE (store), NULL);

  return g_object_new (HC_TYPE_SYNC_ENGINE, "store", store, NULL);
}

HcStore *
hc_sync_engine_get_store (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), NULL);
  return self->store;
}

/**
 * hc_sync_login_sync:
 *
 * Logs @store in to @url. A store that already belongs to another server or user is refused;
 * logging in again as the same user (after a revoked login) keeps everything synced so far.
 */
gboolean
hc_sync_login_sync (HcStore       *store,
                    const char    *url,
                    const char    *user,
                    const char    *password,
                    const char    *ca_file,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(HcSyncClient) client = NULL;
  g_autofree char *old_url = NULL;
  g_autofree char *old_user = NULL;
  g_autofree char *role = NULL;
  g_autofree char *ca_path = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (HC_IS_STORE (store), FALSE);
  g_return_val_if_fail (url != NULL && user != NULL && password != NULL, FALSE);

  client = hc_sync_client_new (url, ca_file, error);
  if (client == NULL)
    return FALSE;
  old_url = hc_store_get_sync_value_sync (store, "server_url", cancellable, &local_error);
  if (local_error == NULL)
    old_user = hc_store_get_sync_value_sync (store, "user", cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (old_url != NULL && (g_strcmp0 (old_url, hc_sync_client_get_url (client)) != 0 ||
                          g_strcmp0 (old_user, user) != 0))
    {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FAILED,
                   "this store belongs to %s on %s; use another store (--store) for %s on %s",
                   old_user, old_url, user, hc_sync_client_get_url (client));
      return FALSE;
    }

  hc_sync_client_set_tokens_func (client, save_tokens_cb, store);
  role = hc_sync_client_login (client, user, password, cancellable, error);
  if (role == NULL)
    return FALSE;
  if (ca_file != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (ca_file);
      ca_path = g_file_get_path (file);
    }
  return hc_store_set_sync_values_sync (store, cancellable, error,
                                        "server_url", hc_sync_client_get_url (client),
                                        "user", user, "role", role, "ca_file", ca_path,
                                        "revoked", NULL, NULL);
}

/**
 * hc_sync_logout_sync:
 *
 * Signs the store out: asks the server to revoke this device's refresh token (best effort:
 * an unreachable server cannot stop a sign-out) and forgets the tokens, so that syncing stops
 * until someone logs in again. The server, the user and the outbox stay.
 */
gboolean
hc_sync_logout_sync (HcStore       *store,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_auto(Config) config = { 0 };
  g_autoptr(HcSyncClient) client = NULL;
  g_autoptr(GError) logout_error = NULL;

  g_return_val_if_fail (HC_IS_STORE (store), FALSE);

  if (!load_config (store, &config, cancellable, error))
    return FALSE;
  if (config.url != NULL && config.refresh_token != NULL &&
      (client = hc_sync_client_new (config.url, config.ca_file, &logout_error)) != NULL)
    {
      hc_sync_client_set_tokens (client, config.access_token, config.refresh_token,
                                 config.issued_at);
      hc_sync_client_logout (client, cancellable, &logout_error);
    }
  if (logout_error != NULL)
    g_debug ("revoking the login on the server failed: %s %d",
             g_quark_to_string (logout_error->domain), logout_error->code);
  return hc_store_set_sync_values_sync (store, cancellable, error, "access_token", NULL,
                                        "refresh_token", NULL, "token_issued_at", NULL,
                                        "revoked", "signed out on this computer", NULL);
}

void
hc_sync_engine_sync_async (HcSyncEngine        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *waiter;

  g_return_if_fail (HC_IS_SYNC_ENGINE (self));

  waiter = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (waiter, hc_sync_engine_sync_async);
  g_ptr_array_add (self->waiters, waiter);
  if (!self->running)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, run_done_cb, NULL);

      self->running = TRUE;
      g_clear_handle_id (&self->retry_id, g_source_remove);
      g_task_run_in_thread (task, sync_thread);
    }
}

gboolean
hc_sync_engine_sync_finish (HcSyncEngine  *self,
                            GAsyncResult  *result,
                            HcSyncStats   *stats,
                            GError       **error)
{
  g_autofree HcSyncStats *s = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  s = g_task_propagate_pointer (G_TASK (result), error);
  if (s == NULL)
    return FALSE;
  if (stats)
    *stats = *s;
  return TRUE;
}

gboolean
hc_sync_engine_sync_sync (HcSyncEngine  *self,
                          HcSyncStats   *stats,
                          GCancellable  *cancellable,
                          GError       **error)
{
  HcSyncStats s;

  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), FALSE);

  if (!sync_locked (self, &s, cancellable, error))
    return FALSE;
  if (stats)
    *stats = s;
  return TRUE;
}

void
hc_sync_engine_start (HcSyncEngine *self)
{
  g_return_if_fail (HC_IS_SYNC_ENGINE (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->monitor = g_network_monitor_get_default ();
  self->network_id = g_signal_connect (self->monitor, "network-changed",
                                       G_CALLBACK (network_changed_cb), self);
  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (store_changed_cb), self);
  self->periodic_id = g_timeout_add_seconds (self->interval, periodic_cb, self);
  hc_sync_engine_sync_async (self, NULL, NULL, NULL);
}

void
hc_sync_engine_stop (HcSyncEngine *self)
{
  g_return_if_fail (HC_IS_SYNC_ENGINE (self));

  self->started = FALSE;
  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_id, self->monitor);
  self->monitor = NULL;
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
}

HcSyncState
hc_sync_engine_get_state (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), HC_SYNC_STATE_LOGGED_OUT);
  return self->state;
}

double
hc_sync_engine_get_progress (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), 0.0);
  return self->progress;
}

guint
hc_sync_engine_get_pending_count (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), 0);
  return self->pending_count;
}

guint
hc_sync_engine_get_conflict_count (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), 0);
  return self->conflict_count;
}

const char *
hc_sync_engine_get_last_sync (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), NULL);
  return self->last_sync;
}

const char *
hc_sync_engine_get_error (HcSyncEngine *self)
{
  g_return_val_if_fail (HC_IS_SYNC_ENGINE (self), NULL);
  return self->error;
}

static JsonObject *
resolve_elements (JsonObject *base,
                  JsonObject *local,
                  JsonObject *remote,
                  gboolean    keep_local,
                  gpointer    user_data)
{
  return hc_merge_resolve (base, local, remote, keep_local);
}

gboolean
hc_sync_resolve_conflict_sync (HcStore            *store,
                               const char         *conflict_id,
                               HcStoreResolution   how,
                               JsonObject         *merged,
                               GCancellable       *cancellable,
                               GError            **error)
{
  g_autofree char *type = NULL, *id = NULL, *user = NULL, *role = NULL, *recorded = now_utc ();
  g_autofree char *provenance_id = hc_fhir_new_id ();
  g_autoptr(JsonObject) provenance = NULL;
  gint64 base_version = 0, remote_version = 0;

  g_return_val_if_fail (HC_IS_STORE (store), FALSE);
  g_return_val_if_fail (conflict_id != NULL, FALSE);

  if (!hc_store_get_conflict_sync (store, conflict_id, &type, &id, &base_version, &remote_version,
                                   cancellable, error))
    return FALSE;
  user = hc_store_get_sync_value_sync (store, "user", cancellable, NULL);
  role = hc_store_get_sync_value_sync (store, "role", cancellable, NULL);
  if (g_strcmp0 (role, "front-desk") != 0)
    provenance = hc_merge_provenance (provenance_id, type, id, base_version, remote_version,
                                      "resolve", user ? user : g_get_user_name (), recorded);
  return hc_store_resolve_conflict_sync (store, conflict_id, how, merged, provenance,
                                         resolve_elements, NULL, cancellable, error);
}
