/* hc-store-sync.c: the store's side of sync: remote versions, acknowledgements, conflicts
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything the sync engine (sync/, a higher layer) needs to change in the store, each as one
 * transaction on the store thread. What comes from the server never enters the outbox; a
 * merge that must go back to the server does, as a local write would. The merge itself is a
 * hook the caller passes in, so data/ does not depend on sync/.
 */

#define G_LOG_DOMAIN "hc-store"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-store-private.h"

#define SYNC_STATE_SYNCED   0
#define SYNC_STATE_MODIFIED 2

void
hc_store_merge_free (HcStoreMerge *merge)
{
  if (merge == NULL)
    return;
  g_clear_pointer (&merge->merged, json_object_unref);
  g_clear_pointer (&merge->elements, g_ptr_array_unref);
  g_clear_pointer (&merge->provenance, json_object_unref);
  g_free (merge);
}

static JsonObject *
parse_text (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = hc_json_parse (text, strlen (text), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
column_object (sqlite3_stmt *stmt,
               int           col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  return parse_text ((const char *) sqlite3_column_text (stmt, col));
}

static char *
object_text (JsonObject *object)
{
  return object ? hc_json_object_to_string (object, FALSE) : NULL;
}

/* The resource without its server-owned meta, as text: what two versions say, whatever
 * version the server gave them. */
static char *
content_text (JsonObject *object)
{
  g_autoptr(JsonObject) copy = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (object == NULL)
    return NULL;
  copy = json_object_new ();
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    if (strcmp (name, "meta") != 0)
      json_object_set_member (copy, name, json_node_ref (member));
  return hc_json_object_to_string (copy, FALSE);
}

static gboolean
same_content (JsonObject *a,
              JsonObject *b)
{
  g_autofree char *ta = content_text (a);
  g_autofree char *tb = content_text (b);

  return g_strcmp0 (ta, tb) == 0;
}

/* W/"7" -> 7; 0 when it is not a weak ETag with a version */
static gint64
etag_version (const char *etag)
{
  guint64 v = 0;
  g_autofree char *digits = NULL;

  if (etag == NULL || !g_str_has_prefix (etag, "W/\"") || !g_str_has_suffix (etag, "\""))
    return 0;
  digits = g_strndup (etag + 3, strlen (etag) - 4);
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT64, &v, NULL))
    return 0;
  return (gint64) v;
}

static gboolean
split_url (const char  *url,
           char       **type,
           char       **id)
{
  const char *slash = url ? strchr (url, '/') : NULL;

  if (slash == NULL)
    return FALSE;
  *type = g_strndup (url, slash - url);
  *id = g_strdup (slash + 1);
  return hc_fhir_is_known_type (*type) && hc_fhir_is_valid_id (*id);
}

/* ------------------------------------------------------------------------------------------ */
/* sync_state */

static gboolean
set_value (HcStoreWorker  *w,
           const char     *key,
           const char     *value,
           GError        **error)
{
  sqlite3_stmt *stmt;

  if (value == NULL)
    stmt = _hc_store_stmt (w, "DELETE FROM sync_state WHERE key = ?", error);
  else
    stmt = _hc_store_stmt (w, "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  return _hc_store_step_done (w, stmt, "sync state", error);
}

static gpointer
get_value_job (HcStoreWorker  *w,
               gpointer        data,
               GCancellable   *cancellable,
               GError        **error)
{
  char **result = data;   /* [0] the key in, [1] the value out */
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT value FROM sync_state WHERE key = ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, result[0], -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result[1] = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return GINT_TO_POINTER (1);
}

char *
hc_store_get_sync_value_sync (HcStore       *self,
                              const char    *key,
                              GCancellable  *cancellable,
                              GError       **error)
{
  char *data[2] = { (char *) key, NULL };

  g_return_val_if_fail (HC_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (_hc_store_run_sync (self, get_value_job, data, cancellable, error) == NULL)
    return NULL;
  return data[1];
}

static gpointer
set_values_job (HcStoreWorker  *w,
                gpointer        data,
                GCancellable   *cancellable,
                GError        **error)
{
  GPtrArray *pairs = data;

  if (!_hc_store_begin (w, error))
    return NULL;
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (!set_value (w, pairs->pdata[i], pairs->pdata[i + 1], error))
      {
        _hc_store_rollback (w);
        return NULL;
      }
  if (!_hc_store_commit (w, error))
    return NULL;
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (g_str_equal (pairs->pdata[i], "user"))
      _hc_store_load_login_actor (w);
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_set_sync_values_sync (HcStore       *self,
                               GCancellable  *cancellable,
                               GError       **error,
                               const char    *first_key,
                               ...)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new ();
  const char *key;
  va_list args;

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  va_start (args, first_key);
  for (key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      g_ptr_array_add (pairs, (gpointer) key);
      g_ptr_array_add (pairs, va_arg (args, char *));
    }
  va_end (args);
  return _hc_store_run_sync (self, set_values_job, pairs, cancellable, error) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Merge base, outbox and conflict rows */

static gboolean
get_merge_base (HcStoreWorker  *w,
                const char     *type,
                const char     *id,
                gint64         *version,
                JsonObject    **json)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT m.version_id, CASE WHEN m.same_as_resource "
                                          "THEN r.json ELSE m.json END FROM merge_base m "
                                          "LEFT JOIN resource r ON r.type = m.type AND r.id = m.id "
                                          "WHERE m.type = ? AND m.id = ?", NULL);
  gboolean found = FALSE;

  *version = 0;
  if (json)
    *json = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      *version = sqlite3_column_int64 (stmt, 0);
      if (json)
        *json = column_object (stmt, 1);
    }
  sqlite3_reset (stmt);
  return found;
}

/* Sets the merge base of @type/@id to @version with @json (NULL: deleted on the server), or,
 * with @same_as_resource, to the resource row as it is now (after _hc_store_put_row() of that
 * version): not copied until the row changes (the triggers of schema 4). */
static gboolean
store_merge_base (HcStoreWorker  *w,
                  const char     *type,
                  const char     *id,
                  gint64          version,
                  const char     *json,
                  gboolean        same_as_resource,
                  GError        **error)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "INSERT INTO merge_base (type, id, version_id, json, "
                                          "same_as_resource) VALUES (?, ?, ?, ?, ?) "
                                          "ON CONFLICT (type, id) DO UPDATE "
                                          "SET version_id = excluded.version_id, "
                                          "json = excluded.json, "
                                          "same_as_resource = excluded.same_as_resource", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, version);
  if (json && !same_as_resource)
    sqlite3_bind_text (stmt, 4, json, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_int (stmt, 5, same_as_resource ? 1 : 0);
  return _hc_store_step_done (w, stmt, "merge base", error);
}

static gboolean
set_merge_base (HcStoreWorker  *w,
                const char     *type,
                const char     *id,
                gint64          version,
                const char     *json,
                GError        **error)
{
  return store_merge_base (w, type, id, version, json, FALSE, error);
}

/* The local row: FALSE when there is none. *@json NULL when deleted locally. */
static gboolean
get_local (HcStoreWorker  *w,
           const char     *type,
           const char     *id,
           JsonObject    **json)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT deleted, json FROM resource "
                                          "WHERE type = ? AND id = ?", NULL);
  gboolean found = FALSE;

  *json = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (sqlite3_column_int (stmt, 0) == 0)
        *json = column_object (stmt, 1);
    }
  sqlite3_reset (stmt);
  return found;
}

static gboolean
has_pending (HcStoreWorker *w,
             const char    *type,
             const char    *id)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT 1 FROM changeset_entry e JOIN changeset c "
                                          "ON c.seq = e.changeset WHERE e.type = ? AND e.id = ? "
                                          "AND c.state = 'pending' LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* The pending changes of a record, superseded by a merge: out of the outbox (changesets left
 * empty go too). */
static gboolean
drop_pending (HcStoreWorker  *w,
              const char     *type,
              const char     *id,
              GError        **error)
{
  sqlite3_stmt *stmt;

  stmt = _hc_store_stmt (w, "DELETE FROM changeset_entry WHERE type = ? AND id = ? AND changeset "
                            "IN (SELECT seq FROM changeset WHERE state = 'pending')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "outbox", error))
    return FALSE;
  stmt = _hc_store_stmt (w, "DELETE FROM changeset WHERE state = 'pending' AND NOT EXISTS "
                            "(SELECT 1 FROM changeset_entry e WHERE e.changeset = changeset.seq)",
                         error);
  if (stmt == NULL)
    return FALSE;
  return _hc_store_step_done (w, stmt, "outbox", error);
}

typedef struct
{
  char       *id;
  JsonObject *base;
  JsonObject *local;
} OpenConflict;

static void
open_conflict_clear (OpenConflict *c)
{
  g_clear_pointer (&c->id, g_free);
  g_clear_pointer (&c->base, json_object_unref);
  g_clear_pointer (&c->local, json_object_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OpenConflict, open_conflict_clear)

static gboolean
get_open_conflict (HcStoreWorker *w,
                   const char    *type,
                   const char    *id,
                   OpenConflict  *c)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT id, base_json, local_json FROM conflict "
                                          "WHERE type = ? AND resource_id = ? "
                                          "AND resolved_at IS NULL", NULL);
  gboolean found = FALSE;

  memset (c, 0, sizeof *c);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      c->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      c->base = column_object (stmt, 1);
      c->local = column_object (stmt, 2);
    }
  sqlite3_reset (stmt);
  return found;
}

/* The conflict as a server Task (id = the conflict's), queued like a local write, so every
 * device of the user sees it; @status "requested" when it opens, "completed" when settled. */
static gboolean
write_conflict_task (HcStoreWorker  *w,
                     const char     *conflict_id,
                     const char     *type,
                     const char     *id,
                     GPtrArray      *elements,
                     const char     *status,
                     GError        **error)
{
  g_autoptr(JsonObject) task = json_object_new ();
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *focus = g_strconcat (type, "/", id, NULL);
  JsonObject *code = json_object_new ();
  JsonArray *codings = json_array_new ();
  JsonObject *coding = json_object_new ();
  JsonObject *reference = json_object_new ();
  HcWriteOutcome outcome;

  /* element paths only: never the values, which may be PHI */
  g_string_append_printf (description, "Sync conflict on %s", focus);
  for (guint i = 0; elements && i < elements->len; i++)
    g_string_append_printf (description, "%s%s", i ? ", " : ": ", (char *) elements->pdata[i]);
  json_object_set_string_member (task, "resourceType", "Task");
  json_object_set_string_member (task, "id", conflict_id);
  json_object_set_string_member (task, "status", status);
  json_object_set_string_member (task, "intent", "order");
  json_object_set_string_member (task, "priority", "routine");
  json_object_set_string_member (coding, "system", "urn:housecall:sync");
  json_object_set_string_member (coding, "code", "resolve-conflict");
  json_object_set_string_member (coding, "display", "Resolve a sync conflict");
  json_array_add_object_element (codings, coding);
  json_object_set_array_member (code, "coding", codings);
  json_object_set_object_member (task, "code", code);
  json_object_set_string_member (reference, "reference", focus);
  json_object_set_object_member (task, "focus", reference);
  json_object_set_string_member (task, "description", description->str);
  json_object_set_string_member (task, "authoredOn", w->tx_time);
  if (strcmp (status, "completed") == 0)
    {
      /* settling: keep what the open Task said */
      g_autoptr(JsonObject) open = NULL;

      if (get_local (w, "Task", conflict_id, &open) && open != NULL)
        {
          json_object_set_string_member (task, "description", hc_json_get_string (open, "description"));
          json_object_set_string_member (task, "authoredOn", hc_json_get_string (open, "authoredOn"));
        }
      else
        return TRUE;   /* no Task was made for it */
    }
  return _hc_store_write_resource (w, task, NULL, &outcome, error);
}

static gboolean
close_conflict (HcStoreWorker  *w,
                const char     *id,
                const char     *type,
                const char     *resource_id,
                const char     *resolution,
                GError        **error)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "UPDATE conflict SET resolved_at = ?, resolution = ? "
                                          "WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, w->tx_time, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, resolution, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "conflict", error))
    return FALSE;
  return write_conflict_task (w, id, type, resource_id, NULL, "completed", error);
}

static char *
elements_text (GPtrArray *elements)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; elements && i < elements->len; i++)
    json_array_add_string_element (array, elements->pdata[i]);
  json_node_set_array (node, array);
  return hc_json_to_string (node, FALSE);
}

/* Opens a conflict for @type/@id, or updates the open one with the newer remote version. */
static gboolean
record_conflict (HcStoreWorker  *w,
                 OpenConflict   *existing,
                 const char     *type,
                 const char     *id,
                 JsonObject     *base,
                 JsonObject     *local,
                 JsonObject     *remote,
                 GPtrArray      *elements,
                 GError        **error)
{
  g_autofree char *base_text = object_text (base);
  g_autofree char *local_text = object_text (local);
  g_autofree char *remote_text = object_text (remote);
  g_autofree char *elements_json = elements_text (elements);
  g_autofree char *new_id = NULL;
  sqlite3_stmt *stmt;
  g_autofree char *entity = g_strconcat (type, "/", id, NULL);

  if (existing->id != NULL)
    {
      stmt = _hc_store_stmt (w, "UPDATE conflict SET remote_json = ?, elements = ? WHERE id = ?",
                             error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, remote_text, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, elements_json, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, existing->id, -1, SQLITE_STATIC);
      return _hc_store_step_done (w, stmt, "conflict", error);
    }

  new_id = hc_fhir_new_id ();
  stmt = _hc_store_stmt (w, "INSERT INTO conflict (id, type, resource_id, base_json, local_json, "
                            "remote_json, elements, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, new_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, base_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, local_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, remote_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, elements_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, w->tx_time, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "conflict", error))
    return FALSE;
  g_debug ("sync conflict %s on %s", new_id, entity);
  return write_conflict_task (w, new_id, type, id, elements, "requested", error) &&
         _hc_store_audit (w, "sync", entity, "conflict", error);
}

/* ------------------------------------------------------------------------------------------ */
/* Remote versions */

typedef struct
{
  JsonArray         *entries;
  const char        *cursor;
  const char        *head;
  gboolean           resync;
  HcStoreMergeFunc   merge;
  gpointer           merge_data;
  HcStoreApplyStats  stats;
  gboolean           quiet;   /* no pending changeset and no open conflict in the store */
} ApplyData;

/* Writes the merged version on top of the remote one as a local change (queued, audited),
 * with its Provenance when something was queued. *@unusable when the store refuses the merged
 * version (invalid, or a change to a signed note): the caller keeps a conflict instead. */
static gboolean
queue_merged (HcStoreWorker  *w,
              const char     *type,
              const char     *id,
              HcStoreMerge   *m,
              gboolean       *unusable,
              GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  HcWriteOutcome outcome = HC_WRITE_UNCHANGED;
  gboolean ok;

  *unusable = FALSE;
  if (m->merged == NULL)
    ok = _hc_store_delete_resource (w, type, id, &outcome, &local_error);
  else
    {
      g_autofree char *text = object_text (m->merged);
      g_autoptr(JsonObject) copy = parse_text (text);

      ok = copy != NULL && _hc_store_write_resource (w, copy, NULL, &outcome, &local_error);
    }
  if (!ok)
    {
      if (local_error != NULL &&
          !g_error_matches (local_error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID) &&
          !g_error_matches (local_error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("merged %s/%s refused: %s", type, id, local_error ? local_error->message : "unreadable");
      *unusable = TRUE;
      return TRUE;
    }
  if (outcome != HC_WRITE_UNCHANGED && m->provenance != NULL)
    {
      g_autofree char *text = object_text (m->provenance);
      g_autoptr(JsonObject) copy = parse_text (text);

      if (!_hc_store_write_resource (w, copy, NULL, &outcome, error))
        return FALSE;
    }
  return TRUE;
}

static gpointer
mark_sent_job (HcStoreWorker  *w,
               gpointer        data,
               GCancellable   *cancellable,
               GError        **error)
{
  gint64 seq = *(gint64 *) data;
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  sqlite3_stmt *stmt;

  if (!_hc_store_begin (w, error))
    return NULL;
  stmt = _hc_store_stmt (w, "INSERT INTO sync_state (key, value) VALUES ('sent_through', ?1) "
                            "ON CONFLICT (key) DO UPDATE SET value = ?1 "
                            "WHERE CAST (value AS INTEGER) < CAST (?1 AS INTEGER)", error);
  if (stmt == NULL)
    {
      _hc_store_rollback (w);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "sent", error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  /* the charts showing those records change: "changed", but only when something moved (a
   * push retried while offline says nothing new) */
  if (sqlite3_changes (w->db) > 0)
    w->wrote = TRUE;
  if (!_hc_store_commit (w, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_mark_sent_sync (HcStore       *self,
                         gint64         seq,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  return _hc_store_run_sync (self, mark_sent_job, &seq, cancellable, error) != NULL;
}

static gboolean
apply_entry (HcStoreWorker  *w,
             ApplyData      *ad,
             JsonObject     *entry,
             GError        **error)
{
  JsonObject *request = hc_json_get_object (entry, "request");
  JsonObject *response = hc_json_get_object (entry, "response");
  /* the resource, or its JSON text (hc_json_parse_keeping_text) */
  JsonObject *remote = hc_json_get_object (entry, "resource");
  const char *given_text = hc_json_get_string (entry, "resource");
  g_autoptr(JsonObject) parsed = NULL;
  g_autofree char *type = NULL, *id = NULL;
  g_autofree char *remote_text = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(HcStoreMerge) m = NULL;
  g_auto(OpenConflict) conflict = { 0 };
  gint64 version, base_version = 0;
  gboolean in_conflict, unusable = FALSE, partial = FALSE;

  if (!split_url (hc_json_get_string (request, "url"), &type, &id) ||
      (version = etag_version (hc_json_get_string (response, "etag"))) == 0)
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                           "a sync entry without a record URL or version");
      return FALSE;
    }
  if (g_strcmp0 (hc_json_get_string (request, "method"), "DELETE") == 0)
    remote = NULL;
  else
    {
      if (given_text != NULL)
        {
          /* only what the index needs: most entries are stored as they came */
          remote = parsed = _hc_store_parse_for_index (type, given_text);
          partial = strcmp (type, "Patient") != 0;
        }
      if (remote == NULL || g_strcmp0 (hc_json_get_string (remote, "resourceType"), type) != 0 ||
          g_strcmp0 (hc_json_get_string (remote, "id"), id) != 0)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                       "a sync entry for %s/%s carries another resource", type, id);
          return FALSE;
        }
    }

  get_merge_base (w, type, id, &base_version, &base);
  /* an echo of our own acknowledged push, or a page applied twice */
  if (!ad->resync && base_version >= version)
    {
      ad->stats.skipped++;
      return TRUE;
    }

  remote_text = remote == NULL ? NULL : given_text != NULL ? g_strdup (given_text) : object_text (remote);
  /* in a quiet store nothing merges, so nothing becomes pending while the page applies */
  in_conflict = !ad->quiet && get_open_conflict (w, type, id, &conflict);
  if (!in_conflict && (ad->quiet || !has_pending (w, type, id)))
    {
      /* the row is the merge base: one copy until something changes it */
      if (!_hc_store_put_row (w, type, id, version, SYNC_STATE_SYNCED, remote, remote_text, error) ||
          !store_merge_base (w, type, id, version, remote_text, remote != NULL, error))
        return FALSE;
      ad->stats.applied++;
      return TRUE;
    }
  if (partial)
    {
      g_clear_pointer (&parsed, json_object_unref);
      remote = parsed = parse_text (remote_text);
      if (remote == NULL)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                       "a sync entry for %s/%s is unreadable", type, id);
          return FALSE;
        }
    }

  /* local changes the server has not seen: three-way merge */
  if (in_conflict)
    {
      g_clear_pointer (&base, json_object_unref);
      base = conflict.base ? json_object_ref (conflict.base) : NULL;
      local = conflict.local ? json_object_ref (conflict.local) : NULL;
    }
  else
    get_local (w, type, id, &local);

  if (!drop_pending (w, type, id, error) ||
      !set_merge_base (w, type, id, version, remote_text, error) ||
      !_hc_store_put_row (w, type, id, version, SYNC_STATE_SYNCED, remote, remote_text, error))
    return FALSE;

  if ((local == NULL && remote == NULL) || (local != NULL && remote != NULL &&
                                            same_content (local, remote)))
    {
      /* both sides say the same: nothing to merge */
      if (in_conflict && !close_conflict (w, conflict.id, type, id, "converged", error))
        return FALSE;
      ad->stats.applied++;
      return TRUE;
    }

  if (ad->merge != NULL)
    m = ad->merge (type, id, base, local, remote, base_version, version, ad->merge_data);
  if (m != NULL && m->outcome != HC_STORE_MERGE_CONFLICT)
    {
      if (in_conflict && !close_conflict (w, conflict.id, type, id, "merged", error))
        return FALSE;
      if (!queue_merged (w, type, id, m, &unusable, error))
        return FALSE;
      if (!unusable)
        {
          ad->stats.merged++;
          return TRUE;
        }
      /* the merged version cannot be stored: a human decides */
      if (in_conflict)
        g_clear_pointer (&conflict.id, g_free);
    }

  {
    JsonObject *provisional = m && !unusable ? m->merged : remote;

    if (!_hc_store_put_row (w, type, id, version, SYNC_STATE_MODIFIED, provisional, NULL, error) ||
        !record_conflict (w, &conflict, type, id, base, local, remote, m ? m->elements : NULL,
                          error))
      return FALSE;
  }
  ad->stats.conflicts++;
  return TRUE;
}


/* No local change waits to be sent and no conflict is open: then no pulled version has
 * anything to merge with. */
static gboolean
is_quiet (HcStoreWorker *w)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT EXISTS (SELECT 1 FROM changeset WHERE "
                                          "state = 'pending') OR EXISTS (SELECT 1 FROM conflict "
                                          "WHERE resolved_at IS NULL)", NULL);
  gboolean quiet;

  if (stmt == NULL)
    return FALSE;
  quiet = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) == 0;
  sqlite3_reset (stmt);
  return quiet;
}

static gpointer
apply_job (HcStoreWorker  *w,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  ApplyData *ad = data;
  guint n = ad->entries ? json_array_get_length (ad->entries) : 0;

  memset (&ad->stats, 0, sizeof ad->stats);
  if (!_hc_store_begin (w, error))
    return NULL;
  ad->quiet = is_quiet (w);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = hc_json_array_get_object (ad->entries, i);

      if (entry == NULL || !apply_entry (w, ad, entry, error))
        {
          if (entry == NULL)
            g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                                 "a sync entry is not an object");
          _hc_store_rollback (w);
          return NULL;
        }
    }
  if (ad->cursor != NULL &&
      (!set_value (w, "cursor", ad->cursor, error) || !set_value (w, "head", ad->head, error)))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  if (n > 0)
    {
      g_autofree char *detail = g_strdup_printf ("pulled %u: %u applied, %u merged, %u conflicts",
                                                 n, ad->stats.applied, ad->stats.merged,
                                                 ad->stats.conflicts);
      if (!_hc_store_audit (w, "sync", NULL, detail, error))
        {
          _hc_store_rollback (w);
          return NULL;
        }
    }
  if (!_hc_store_commit (w, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_apply_remote_sync (HcStore            *self,
                            JsonArray          *entries,
                            const char         *cursor,
                            const char         *head,
                            gboolean            resync,
                            HcStoreMergeFunc    merge,
                            gpointer            merge_data,
                            HcStoreApplyStats  *stats,
                            GCancellable       *cancellable,
                            GError            **error)
{
  ApplyData ad = { entries, cursor, head, resync, merge, merge_data, { 0 }, FALSE };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  if (stats)
    memset (stats, 0, sizeof *stats);
  if (_hc_store_run_sync (self, apply_job, &ad, cancellable, error) == NULL)
    return FALSE;
  if (stats)
    *stats = ad.stats;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Resync: the server's database was replaced */

#define SYNC_STATE_UNCONFIRMED 4   /* acknowledged by the old server, not yet seen in the new one */

static gpointer
start_resync_job (HcStoreWorker  *w,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  if (!_hc_store_begin (w, error))
    return NULL;
  if (!set_value (w, "cursor", NULL, error) || !set_value (w, "head", NULL, error) ||
      !set_value (w, "resync", "1", error) ||
      !_hc_store_exec (w, "UPDATE resource SET sync_state = 4 WHERE sync_state = 0 "
                          "AND version_id IS NOT NULL", error) ||
      !_hc_store_audit (w, "sync", NULL, "the server's database was replaced: resync", error) ||
      !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_start_resync_sync (HcStore       *self,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  return _hc_store_run_sync (self, start_resync_job, NULL, cancellable, error) != NULL;
}

static gpointer
finish_resync_job (HcStoreWorker  *w,
                   gpointer        data,
                   GCancellable   *cancellable,
                   GError        **error)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!_hc_store_begin (w, error))
    return NULL;
  stmt = _hc_store_stmt (w, "SELECT type, id FROM resource WHERE sync_state = 4", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (gone, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (gone, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  /* what the new server does not have (and nobody here changed) goes, as on the server */
  for (guint i = 0; i + 1 < gone->len; i += 2)
    {
      stmt = _hc_store_stmt (w, "DELETE FROM merge_base WHERE type = ? AND id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, gone->pdata[i], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, gone->pdata[i + 1], -1, SQLITE_STATIC);
      if (!_hc_store_step_done (w, stmt, "resync", error) ||
          !_hc_store_put_row (w, gone->pdata[i], gone->pdata[i + 1], 0, SYNC_STATE_SYNCED, NULL, NULL,
                              error))
        goto fail;
    }
  if (!set_value (w, "resync", NULL, error) || !_hc_store_commit (w, error))
    goto fail;
  return GINT_TO_POINTER (1);

fail:
  _hc_store_rollback (w);
  return NULL;
}

gboolean
hc_store_finish_resync_sync (HcStore       *self,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  return _hc_store_run_sync (self, finish_resync_job, NULL, cancellable, error) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Acknowledged and rejected changesets */

typedef struct
{
  gint64      seq;
  JsonArray  *responses;
  const char *reason;
} AckData;

/* Location "Type/id/_history/v" -> type, id, v */
static gboolean
parse_location (const char  *location,
                char       **type,
                char       **id,
                gint64      *version)
{
  g_auto(GStrv) parts = location ? g_strsplit (location, "/", -1) : NULL;
  guint64 v;

  if (parts == NULL || g_strv_length (parts) != 4 || strcmp (parts[2], "_history") != 0 ||
      !g_ascii_string_to_unsigned (parts[3], 10, 1, G_MAXINT64, &v, NULL))
    return FALSE;
  *type = g_strdup (parts[0]);
  *id = g_strdup (parts[1]);
  *version = (gint64) v;
  return TRUE;
}

/* Sets meta.versionId and meta.lastUpdated of @res. */
static void
set_server_meta (JsonObject *res,
                 gint64      version,
                 const char *last_updated)
{
  JsonObject *meta = hc_json_get_object (res, "meta");
  g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, version);

  if (meta == NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (res, "meta", meta);
    }
  json_object_set_string_member (meta, "versionId", v);
  if (last_updated != NULL)
    json_object_set_string_member (meta, "lastUpdated", last_updated);
}

static gboolean
ack_entry (HcStoreWorker  *w,
           gint64          seq,
           int             ord,
           JsonObject     *response,
           GError        **error)
{
  const char *last_updated = hc_json_get_string (response, "lastModified");
  g_autofree char *type = NULL, *id = NULL, *text = NULL, *local_text = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) local = NULL;
  sqlite3_stmt *stmt;
  gboolean deleted_local = FALSE, found;
  gint64 version;

  if (!parse_location (hc_json_get_string (response, "location"), &type, &id, &version))
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                           "the server's answer to a changeset has no version location");
      return FALSE;
    }
  /* the @ord-th entry still in the changeset: a merge may have taken earlier ones out (their
   * record was superseded) before the changeset was sent */
  stmt = _hc_store_stmt (w, "SELECT json, type, id FROM changeset_entry WHERE changeset = ? "
                            "ORDER BY ord LIMIT 1 OFFSET ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int (stmt, 2, ord);
  found = sqlite3_step (stmt) == SQLITE_ROW &&
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), type) == 0 &&
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), id) == 0;
  if (found)
    sent = column_object (stmt, 0);
  sqlite3_reset (stmt);
  if (!found)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "the server acknowledged %s/%s, which changeset %" G_GINT64_FORMAT
                   " does not hold at that place", type, id, seq);
      return FALSE;
    }

  /* the merge base: what the server now holds */
  if (sent != NULL)
    {
      set_server_meta (sent, version, last_updated);
      text = object_text (sent);
    }
  if (!set_merge_base (w, type, id, version, text, error))
    return FALSE;

  /* the local row: the server's version number, and synced unless newer changes wait */
  if (get_local (w, type, id, &local) && local != NULL)
    {
      set_server_meta (local, version, last_updated);
      local_text = object_text (local);
    }
  else
    deleted_local = TRUE;
  stmt = _hc_store_stmt (w, "UPDATE resource SET version_id = ?, json = coalesce(?, json), "
                            "sync_state = CASE WHEN EXISTS (SELECT 1 FROM changeset_entry e "
                            "JOIN changeset c ON c.seq = e.changeset WHERE c.state = 'pending' "
                            "AND c.seq <> ? AND e.type = resource.type AND e.id = resource.id) "
                            "THEN sync_state ELSE 0 END WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, version);
  if (local_text && !deleted_local)
    sqlite3_bind_text (stmt, 2, local_text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int64 (stmt, 3, seq);
  sqlite3_bind_text (stmt, 4, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, id, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "acknowledge", error))
    return FALSE;

  /* later local changes of the record build on the acknowledged version */
  stmt = _hc_store_stmt (w, "UPDATE changeset_entry SET base_version = ? WHERE type = ? AND id = ? "
                            "AND (changeset > ? OR (changeset = ? AND ord > ?)) AND changeset IN "
                            "(SELECT seq FROM changeset WHERE state = 'pending')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, version);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, seq);
  sqlite3_bind_int64 (stmt, 5, seq);
  sqlite3_bind_int (stmt, 6, ord);
  return _hc_store_step_done (w, stmt, "acknowledge", error);
}

static gboolean
set_changeset_state (HcStoreWorker  *w,
                     gint64          seq,
                     const char     *state,
                     GError        **error)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "UPDATE changeset SET state = ? WHERE seq = ? "
                                          "AND state = 'pending'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, seq);
  if (!_hc_store_step_done (w, stmt, "outbox", error))
    return FALSE;
  if (sqlite3_changes (w->db) != 1)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND,
                   "changeset %" G_GINT64_FORMAT " is not pending", seq);
      return FALSE;
    }
  return TRUE;
}

static gpointer
ack_job (HcStoreWorker  *w,
         gpointer        data,
         GCancellable   *cancellable,
         GError        **error)
{
  AckData *ad = data;
  guint n = json_array_get_length (ad->responses);
  g_autofree char *detail = g_strdup_printf ("pushed changeset %" G_GINT64_FORMAT, ad->seq);
  sqlite3_stmt *stmt;

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!set_changeset_state (w, ad->seq, "acknowledged", error))
    goto fail;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *response = hc_json_get_object (hc_json_array_get_object (ad->responses, i),
                                                 "response");
      if (!ack_entry (w, ad->seq, (int) i, response, error))
        goto fail;
    }
  /* what was sent is on the server now: keep the list of records, not their contents */
  stmt = _hc_store_stmt (w, "UPDATE changeset_entry SET json = NULL WHERE changeset = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, ad->seq);
  if (!_hc_store_step_done (w, stmt, "outbox", error) ||
      !_hc_store_audit (w, "sync", NULL, detail, error) ||
      !_hc_store_commit (w, error))
    goto fail;
  return GINT_TO_POINTER (1);

fail:
  _hc_store_rollback (w);
  return NULL;
}

gboolean
hc_store_ack_changeset_sync (HcStore       *self,
                             gint64         seq,
                             JsonArray     *responses,
                             GCancellable  *cancellable,
                             GError       **error)
{
  AckData ad = { seq, responses, NULL };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (responses != NULL, FALSE);

  return _hc_store_run_sync (self, ack_job, &ad, cancellable, error) != NULL;
}

static gpointer
reject_job (HcStoreWorker  *w,
            gpointer        data,
            GCancellable   *cancellable,
            GError        **error)
{
  AckData *ad = data;
  g_autofree char *detail = g_strdup_printf ("changeset %" G_GINT64_FORMAT " rejected: %s",
                                             ad->seq, ad->reason ? ad->reason : "");

  if (!_hc_store_begin (w, error))
    return NULL;
  if (!set_changeset_state (w, ad->seq, "rejected", error) ||
      !_hc_store_audit (w, "sync", NULL, detail, error) ||
      !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_reject_changeset_sync (HcStore       *self,
                                gint64         seq,
                                const char    *reason,
                                GCancellable  *cancellable,
                                GError       **error)
{
  AckData ad = { seq, NULL, reason };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  return _hc_store_run_sync (self, reject_job, &ad, cancellable, error) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The conflict inbox */

static gpointer
list_conflicts_job (HcStoreWorker  *w,
                    gpointer        data,
                    GCancellable   *cancellable,
                    GError        **error)
{
  gboolean all = GPOINTER_TO_INT (data);
  g_autoptr(JsonArray) array = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  if (all)
    stmt = _hc_store_stmt (w, "SELECT id, type, resource_id, elements, created_at, base_json, "
                              "local_json, remote_json, resolved_at, resolution FROM conflict "
                              "ORDER BY created_at, id", error);
  else
    stmt = _hc_store_stmt (w, "SELECT id, type, resource_id, elements, created_at, base_json, "
                              "local_json, remote_json, resolved_at, resolution FROM conflict "
                              "WHERE resolved_at IS NULL ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *c = json_object_new ();
      g_autofree char *resource = g_strdup_printf ("%s/%s", sqlite3_column_text (stmt, 1),
                                                   sqlite3_column_text (stmt, 2));
      const char *elements = (const char *) sqlite3_column_text (stmt, 3);
      g_autoptr(JsonNode) el = elements ? hc_json_parse (elements, strlen (elements), NULL) : NULL;
      static const char * const sides[] = { "base", "local", "remote" };

      json_object_set_string_member (c, "id", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (c, "resource", resource);
      if (el != NULL && JSON_NODE_HOLDS_ARRAY (el))
        json_object_set_member (c, "elements", g_steal_pointer (&el));
      else
        json_object_set_array_member (c, "elements", json_array_new ());
      json_object_set_string_member (c, "createdAt", (const char *) sqlite3_column_text (stmt, 4));
      for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
        {
          JsonObject *side = column_object (stmt, 5 + (int) i);
          if (side != NULL)
            json_object_set_object_member (c, sides[i], side);
        }
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        {
          json_object_set_string_member (c, "resolvedAt", (const char *) sqlite3_column_text (stmt, 8));
          json_object_set_string_member (c, "resolution", (const char *) sqlite3_column_text (stmt, 9));
        }
      json_array_add_object_element (array, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "conflicts", error), NULL;
  return g_steal_pointer (&array);
}

JsonArray *
hc_store_list_conflicts_sync (HcStore       *self,
                              gboolean       include_resolved,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (HC_IS_STORE (self), NULL);

  return _hc_store_run_sync (self, list_conflicts_job, GINT_TO_POINTER (include_resolved),
                             cancellable, error);
}

typedef struct
{
  const char        *id;
  HcStoreResolution  how;
  JsonObject        *merged;
  JsonObject        *provenance;
  HcStoreResolveFunc resolve;
  gpointer           resolve_data;
  /* get_conflict */
  char              *type;
  char              *resource_id;
  gint64             base_version;
  gint64             remote_version;
} ResolveData;

static gboolean
load_conflict (HcStoreWorker  *w,
               ResolveData    *rd,
               JsonObject    **base_out,
               JsonObject    **local,
               GError        **error)
{
  sqlite3_stmt *stmt = _hc_store_stmt (w, "SELECT type, resource_id, base_json, local_json "
                                          "FROM conflict WHERE id = ? AND resolved_at IS NULL",
                                       error);
  g_autoptr(JsonObject) base = NULL;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, rd->id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND,
                   "no open conflict %s (housecall-cli conflicts lists them)", rd->id);
      return FALSE;
    }
  rd->type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  rd->resource_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  base = column_object (stmt, 2);
  if (local)
    *local = column_object (stmt, 3);
  sqlite3_reset (stmt);
  {
    const char *v = hc_json_get_string (hc_json_get_object (base, "meta"), "versionId");
    rd->base_version = v ? g_ascii_strtoll (v, NULL, 10) : 0;
  }
  if (base_out)
    *base_out = g_steal_pointer (&base);
  get_merge_base (w, rd->type, rd->resource_id, &rd->remote_version, NULL);
  return TRUE;
}

static gpointer
get_conflict_job (HcStoreWorker  *w,
                  gpointer        data,
                  GCancellable   *cancellable,
                  GError        **error)
{
  return load_conflict (w, data, NULL, NULL, error) ? GINT_TO_POINTER (1) : NULL;
}

gboolean
hc_store_get_conflict_sync (HcStore       *self,
                            const char    *id,
                            char         **type,
                            char         **resource_id,
                            gint64        *base_version,
                            gint64        *remote_version,
                            GCancellable  *cancellable,
                            GError       **error)
{
  ResolveData rd = { id, 0, NULL, NULL, NULL, NULL, 0, 0 };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (_hc_store_run_sync (self, get_conflict_job, &rd, cancellable, error) == NULL)
    return FALSE;
  *type = rd.type;
  *resource_id = rd.resource_id;
  *base_version = rd.base_version;
  *remote_version = rd.remote_version;
  return TRUE;
}

static gboolean
resolve (HcStoreWorker  *w,
         ResolveData    *rd,
         GError        **error)
{
  static const char * const names[] = { "take local", "take remote", "merged" };
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) remote = NULL;
  g_autoptr(JsonObject) resolved = NULL;
  g_autofree char *entity = NULL;
  g_autofree char *detail = NULL;
  JsonObject *chosen = NULL;
  HcWriteOutcome outcome = HC_WRITE_UNCHANGED;
  gint64 remote_version;

  if (!load_conflict (w, rd, &base, &local, error))
    return FALSE;
  entity = g_strconcat (rd->type, "/", rd->resource_id, NULL);
  detail = g_strdup_printf ("conflict resolved: %s", names[rd->how]);
  get_merge_base (w, rd->type, rd->resource_id, &remote_version, &remote);

  if (rd->how == HC_STORE_RESOLVE_MERGED &&
      (g_strcmp0 (hc_json_get_string (rd->merged, "resourceType"), rd->type) != 0 ||
       g_strcmp0 (hc_json_get_string (rd->merged, "id"), rd->resource_id) != 0))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                   "the merged version must be %s", entity);
      return FALSE;
    }

  /* start from the server's version, so what differs from it is queued */
  if (!close_conflict (w, rd->id, rd->type, rd->resource_id, names[rd->how], error) ||
      !_hc_store_put_row (w, rd->type, rd->resource_id, remote_version, SYNC_STATE_SYNCED,
                          remote, NULL, error))
    return FALSE;

  if (rd->how == HC_STORE_RESOLVE_TAKE_LOCAL)
    chosen = local;
  else if (rd->how == HC_STORE_RESOLVE_MERGED)
    chosen = rd->merged;
  /* a side chosen for the elements in conflict, the rest as merged (the current server version
   * is the remote side: what reached it since the conflict stays too) */
  if (rd->how != HC_STORE_RESOLVE_MERGED && rd->resolve != NULL)
    chosen = resolved = rd->resolve (base, local, remote,
                                     rd->how == HC_STORE_RESOLVE_TAKE_LOCAL, rd->resolve_data);

  if (rd->how != HC_STORE_RESOLVE_TAKE_REMOTE || rd->resolve != NULL)
    {
      if (chosen == NULL)
        {
          if (remote != NULL &&
              !_hc_store_delete_resource (w, rd->type, rd->resource_id, &outcome, error))
            return FALSE;
        }
      else
        {
          g_autofree char *text = object_text (chosen);
          g_autoptr(JsonObject) copy = parse_text (text);

          if (!_hc_store_write_resource (w, copy, NULL, &outcome, error))
            return FALSE;
        }
    }
  if (rd->provenance != NULL)
    {
      g_autofree char *text = object_text (rd->provenance);
      g_autoptr(JsonObject) copy = parse_text (text);
      HcWriteOutcome ignored;

      if (!_hc_store_write_resource (w, copy, NULL, &ignored, error))
        return FALSE;
    }
  return _hc_store_audit (w, "update", entity, detail, error);
}

static gpointer
resolve_job (HcStoreWorker  *w,
             gpointer        data,
             GCancellable   *cancellable,
             GError        **error)
{
  if (!_hc_store_begin (w, error))
    return NULL;
  if (!resolve (w, data, error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return NULL;
    }
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_resolve_conflict_sync (HcStore            *self,
                                const char         *id,
                                HcStoreResolution   how,
                                JsonObject         *merged,
                                JsonObject         *provenance,
                                HcStoreResolveFunc  resolve_func,
                                gpointer            resolve_data,
                                GCancellable       *cancellable,
                                GError            **error)
{
  ResolveData rd = { id, how, merged, provenance, resolve_func, resolve_data, NULL, NULL, 0, 0 };
  gboolean ok;

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (how != HC_STORE_RESOLVE_MERGED || merged != NULL, FALSE);

  ok = _hc_store_run_sync (self, resolve_job, &rd, cancellable, error) != NULL;
  g_free (rd.type);
  g_free (rd.resource_id);
  return ok;
}
