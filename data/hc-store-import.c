/* hc-store-import.c: FHIR import (resources, Bundles, NDJSON) and export
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An import is one SQLite transaction and one outbox changeset: the first bad line or entry
 * rolls all of it back, so the store stays exactly as it was.
 */

#define G_LOG_DOMAIN "hc-store-import"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <gio/gunixinputstream.h>

#include "hc-fhir.h"
#include "hc-import.h"
#include "hc-json.h"
#include "hc-store-private.h"

/* A whole JSON document (a resource or Bundle) larger than this is refused: json-glib holds
 * the tree in memory. NDJSON streams, so it has no limit but the per-line one. */
#define MAX_DOCUMENT_BYTES (64 * 1024 * 1024)
#define MAX_LINE_BYTES     (16 * 1024 * 1024)

typedef struct
{
  const HcImportSink *sink;
  gpointer            sink_data;
  GCancellable       *cancellable;
  const char         *origin;    /* file name for messages */
} Import;

static gboolean
fail_invalid (GError     **error,
              const char  *fmt,
              ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail_invalid (GError     **error,
              const char  *fmt,
              ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID, msg);
  return FALSE;
}

static gboolean
write_one (Import      *im,
           JsonObject  *resource,
           const char  *prepared,
           GError     **error)
{
  if (g_cancellable_set_error_if_cancelled (im->cancellable, error))
    return FALSE;
  return im->sink->write (im->sink_data, resource, prepared, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Bundles */

typedef struct
{
  JsonObject *resource;   /* borrowed from the Bundle */
  char       *method;     /* POST PUT DELETE, or NULL for plain entries */
  char       *type;
  char       *id;
  guint       index;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *e = data;
  g_free (e->method);
  g_free (e->type);
  g_free (e->id);
}

/* "Type/id" from a request url (relative or absolute, with or without _history). */
static gboolean
split_url (const char  *url,
           char       **type,
           char       **id)
{
  g_auto(GStrv) parts = NULL;
  guint n;
  const char *q = strchr (url, '?');

  if (q != NULL)
    return FALSE;
  parts = g_strsplit (url, "/", -1);
  n = g_strv_length (parts);
  if (n >= 4 && strcmp (parts[n - 2], "_history") == 0)
    n -= 2;
  if (n < 2 || !hc_fhir_is_known_type (parts[n - 2]) || !hc_fhir_is_valid_id (parts[n - 1]))
    return FALSE;
  *type = g_strdup (parts[n - 2]);
  *id = g_strdup (parts[n - 1]);
  return TRUE;
}

/* Rewrites references to Bundle-internal fullUrls; refuses urn:uuid references that point
 * to no entry. @path is the FHIRPath so far, for the message. */
static gboolean
resolve_references (JsonNode    *node,
                    GHashTable  *map,
                    GString     *path,
                    GError     **error)
{
  gsize len = path->len;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &child))
        {
          if (JSON_NODE_HOLDS_VALUE (child))
            {
              const char *ref, *target;

              if (strcmp (name, "reference") != 0 ||
                  json_node_get_value_type (child) != G_TYPE_STRING)
                continue;
              ref = json_node_get_string (child);
              target = g_hash_table_size (map) ? g_hash_table_lookup (map, ref) : NULL;
              if (target != NULL)
                json_node_set_string (child, target);
              else if (g_str_has_prefix (ref, "urn:uuid:") || g_str_has_prefix (ref, "urn:oid:"))
                return fail_invalid (error, "%s.reference: %s points to no entry in the Bundle",
                                     path->str, ref);
              continue;
            }
          if (strcmp (name, "contained") == 0)
            continue;
          g_string_append_c (path, '.');
          g_string_append (path, name);
          if (!resolve_references (child, map, path, error))
            return FALSE;
          g_string_truncate (path, len);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *child = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (child))
            continue;
          g_string_append_printf (path, "[%u]", i);
          if (!resolve_references (child, map, path, error))
            return FALSE;
          g_string_truncate (path, len);
        }
    }
  return TRUE;
}

static gboolean import_object (Import *im, JsonObject *object, const char *prepared,
                               GError **error);

static gboolean
import_bundle (Import      *im,
               JsonObject  *bundle,
               GError     **error)
{
  static const char * const importable[] = {
    "collection", "transaction", "batch", "searchset", "history", "document",
    "transaction-response", "batch-response", NULL
  };
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_autoptr(GHashTable) map = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const char *type = hc_json_get_string (bundle, "type");
  gboolean with_requests;
  JsonNode *entry_node;
  JsonArray *array;

  g_array_set_clear_func (entries, entry_clear);

  if (type == NULL)
    return fail_invalid (error, "Bundle.type: missing");
  if (!g_strv_contains (importable, type))
    return fail_invalid (error, "Bundle.type: a '%s' Bundle cannot be imported", type);
  with_requests = strcmp (type, "transaction") == 0 || strcmp (type, "batch") == 0 ||
                  strcmp (type, "history") == 0;

  entry_node = json_object_get_member (bundle, "entry");
  if (entry_node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (entry_node))
    return fail_invalid (error, "Bundle.entry: expected an array");
  array = json_node_get_array (entry_node);

  /* First pass: what each entry does, and the id each one gets. */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry, *request, *search;
      const char *full_url, *rtype;
      Entry *e;

      /* the array owns the entry from here: every return frees it */
      g_array_set_size (entries, entries->len + 1);
      e = &g_array_index (entries, Entry, entries->len - 1);
      e->index = i;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail_invalid (error, "Bundle.entry[%u]: expected an object", i);
      entry = json_node_get_object (node);
      e->resource = hc_json_get_object (entry, "resource");
      request = hc_json_get_object (entry, "request");
      search = hc_json_get_object (entry, "search");
      full_url = hc_json_get_string (entry, "fullUrl");

      if (json_object_has_member (entry, "resource") && e->resource == NULL)
        return fail_invalid (error, "Bundle.entry[%u].resource: expected an object", i);
      if (search && g_strcmp0 (hc_json_get_string (search, "mode"), "outcome") == 0)
        {
          g_array_remove_index (entries, entries->len - 1);
          continue;
        }
      rtype = e->resource ? hc_json_get_string (e->resource, "resourceType") : NULL;
      if (g_strcmp0 (rtype, "OperationOutcome") == 0 && !with_requests)
        {
          g_array_remove_index (entries, entries->len - 1);
          continue;
        }

      if (with_requests)
        {
          const char *method, *url;

          if (request == NULL)
            return fail_invalid (error, "Bundle.entry[%u].request: missing in a %s Bundle", i, type);
          method = hc_json_get_string (request, "method");
          url = hc_json_get_string (request, "url");
          if (method == NULL || url == NULL)
            return fail_invalid (error, "Bundle.entry[%u].request: method and url are required", i);
          if (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
            {
              g_array_remove_index (entries, entries->len - 1);
              continue;
            }
          e->method = g_strdup (method);
          if (strcmp (method, "DELETE") == 0)
            {
              if (!split_url (url, &e->type, &e->id))
                return fail_invalid (error, "Bundle.entry[%u].request.url: '%s' is not Type/id "
                                     "(conditional deletes are not supported)", i, url);
            }
          else if (strcmp (method, "POST") == 0 || strcmp (method, "PUT") == 0)
            {
              if (e->resource == NULL)
                return fail_invalid (error, "Bundle.entry[%u].resource: missing for %s", i, method);
              if (strcmp (method, "PUT") == 0)
                {
                  const char *rid = hc_json_get_string (e->resource, "id");

                  if (!split_url (url, &e->type, &e->id))
                    return fail_invalid (error, "Bundle.entry[%u].request.url: '%s' is not Type/id "
                                         "(conditional updates are not supported)", i, url);
                  if (g_strcmp0 (e->type, rtype) != 0 || (rid && strcmp (rid, e->id) != 0))
                    return fail_invalid (error, "Bundle.entry[%u]: request.url %s does not match "
                                         "the resource's type and id", i, url);
                }
              else
                {
                  /* POST: the store assigns the id, as a server would */
                  e->type = g_strdup (rtype);
                  e->id = hc_fhir_new_id ();
                }
            }
          else
            return fail_invalid (error, "Bundle.entry[%u].request.method: %s is not supported",
                                 i, method);
        }
      else
        {
          const char *rid;

          if (e->resource == NULL)
            return fail_invalid (error, "Bundle.entry[%u].resource: missing", i);
          rid = hc_json_get_string (e->resource, "id");
          e->type = g_strdup (rtype);
          e->id = rid ? g_strdup (rid) : hc_fhir_new_id ();
        }

      if (e->resource != NULL && e->type != NULL && hc_fhir_is_valid_id (e->id))
        {
          json_object_set_string_member (e->resource, "id", e->id);
          if (full_url != NULL)
            g_hash_table_insert (map, (gpointer) full_url, g_strconcat (e->type, "/", e->id, NULL));
        }
    }

  /* Second pass: Bundle-internal references become Type/id. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      g_autoptr(GString) path = NULL;
      g_autoptr(JsonNode) node = NULL;

      if (e->resource == NULL)
        continue;
      path = g_string_new (NULL);
      g_string_printf (path, "Bundle.entry[%u].resource", e->index);
      node = json_node_init_object (json_node_alloc (), e->resource);
      if (!resolve_references (node, map, path, error))
        return FALSE;
    }

  /* Third pass: deletes first, then the rest in order (FHIR transaction processing order). */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < entries->len; i++)
      {
        Entry *e = &g_array_index (entries, Entry, i);
        gboolean is_delete = g_strcmp0 (e->method, "DELETE") == 0;
        g_autoptr(GError) local_error = NULL;

        if (is_delete != (pass == 0))
          continue;
        if (is_delete)
          {
            if (!im->sink->remove (im->sink_data, e->type, e->id, &local_error))
              {
                g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                            "Bundle.entry[%u]: ", e->index);
                return FALSE;
              }
          }
        else if (strcmp (hc_json_get_string (e->resource, "resourceType") ?: "", "Bundle") == 0)
          {
            if (!import_object (im, e->resource, NULL, &local_error))
              {
                g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                            "Bundle.entry[%u].resource: ", e->index);
                return FALSE;
              }
          }
        else if (!write_one (im, e->resource, NULL, &local_error))
          {
            g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                        "Bundle.entry[%u].resource: ", e->index);
            return FALSE;
          }
      }
  return TRUE;
}

/* @prepared: see _hc_store_write_resource() */
static gboolean
import_object (Import      *im,
               JsonObject  *object,
               const char  *prepared,
               GError     **error)
{
  if (g_strcmp0 (hc_json_get_string (object, "resourceType"), "Bundle") == 0)
    return import_bundle (im, object, error);

  /* urn:uuid references cannot resolve outside a Bundle */
  {
    g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GString) path = g_string_new (hc_json_get_string (object, "resourceType") ?: "resource");
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

    if (!resolve_references (node, none, path, error))
      return FALSE;
  }
  return write_one (im, object, prepared, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Text and files */

static JsonObject *
parse_document (const char  *data,
                gsize        length,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = hc_json_parse (data, length, &local_error);

  if (root == NULL)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID, "malformed JSON: %s",
                   local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                           "expected a JSON object (a FHIR resource or Bundle)");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static gboolean
is_blank (const char *line,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

static gboolean
import_ndjson_line (Import      *im,
                    const char  *line,
                    gsize        length,
                    guint        lineno,
                    GError     **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) local_error = NULL;

  if (is_blank (line, length))
    return TRUE;
  if (length > MAX_LINE_BYTES)
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_LARGE,
                   "%s:%u: the line is longer than %d MB", im->origin, lineno,
                   MAX_LINE_BYTES / (1024 * 1024));
      return FALSE;
    }
  object = parse_document (line, length, &local_error);
  if (object == NULL || !import_object (im, object, NULL, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s:%u: ", im->origin, lineno);
      return FALSE;
    }
  return TRUE;
}

/* NDJSON when the first line is a complete JSON value and more non-blank text follows;
 * otherwise one JSON document. */
static gboolean
looks_like_ndjson (const char *data,
                   gsize       length)
{
  const char *nl = memchr (data, '\n', length);
  g_autoptr(JsonParser) parser = NULL;

  if (nl == NULL || is_blank (nl, length - (nl - data)))
    return FALSE;
  parser = json_parser_new_immutable ();
  return json_parser_load_from_data (parser, data, nl - data, NULL);
}

static gboolean
import_text (Import      *im,
             const char  *data,
             gsize        length,
             GError     **error)
{
  if (is_blank (data, length))
    {
      g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID, "%s: empty input", im->origin);
      return FALSE;
    }
  if (looks_like_ndjson (data, length))
    {
      const char *p = data, *end = data + length;
      guint lineno = 0;

      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          const char *line_end = nl ? nl : end;

          if (!import_ndjson_line (im, p, line_end - p, ++lineno, error))
            return FALSE;
          p = nl ? nl + 1 : end;
        }
      return TRUE;
    }
  else
    {
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(GError) local_error = NULL;

      if (length > MAX_DOCUMENT_BYTES)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_LARGE,
                       "%s: a single JSON document of %" G_GSIZE_FORMAT " MB is over the %d MB "
                       "limit; import it as NDJSON (one resource per line)", im->origin,
                       length / (1024 * 1024), MAX_DOCUMENT_BYTES / (1024 * 1024));
          return FALSE;
        }
      object = parse_document (data, length, &local_error);
      if (object == NULL || !import_object (im, object, NULL, &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", im->origin);
          return FALSE;
        }
      return TRUE;
    }
}

/* The chart store as an import sink: every import is one transaction, one changeset and one
 * audit entry. */
typedef struct
{
  HcStoreWorker *w;
  HcImportStats *stats;
} StoreSink;

static gboolean
store_write (gpointer     data,
             JsonObject  *resource,
             const char  *prepared,
             GError     **error)
{
  StoreSink *ss = data;
  HcWriteOutcome outcome;

  if (!_hc_store_write_resource (ss->w, resource, prepared, &outcome, error))
    return FALSE;
  _hc_store_count_outcome (ss->stats, outcome);
  return TRUE;
}

static gboolean
store_remove (gpointer     data,
              const char  *type,
              const char  *id,
              GError     **error)
{
  StoreSink *ss = data;
  g_autoptr(GError) local_error = NULL;
  HcWriteOutcome outcome;

  if (!_hc_store_delete_resource (ss->w, type, id, &outcome, &local_error))
    {
      if (!g_error_matches (local_error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      outcome = HC_WRITE_UNCHANGED;   /* deleting what is not there: done already */
    }
  _hc_store_count_outcome (ss->stats, outcome);
  return TRUE;
}

static const HcImportSink store_sink = { store_write, store_remove };

static gboolean
store_begin (StoreSink  *ss,
             GError    **error)
{
  if (!_hc_store_begin (ss->w, error))
    return FALSE;
  ss->w->bulk = TRUE;
  return TRUE;
}

static gboolean
store_finish (StoreSink   *ss,
              const char  *origin,
              gboolean     ok,
              GError     **error)
{
  /* One audit entry for the import; the changeset it names lists every record. */
  if (ok)
    {
      g_autofree char *detail = NULL;

      if (ss->stats)
        detail = g_strdup_printf ("%u created, %u updated, %u deleted, %u unchanged; changeset %"
                                  G_GINT64_FORMAT, ss->stats->created, ss->stats->updated,
                                  ss->stats->deleted, ss->stats->unchanged, ss->w->changeset);
      if (!_hc_store_audit (ss->w, "import", NULL, detail, error))
        ok = FALSE;
    }
  if (ok && !_hc_store_commit (ss->w, error))
    {
      g_prefix_error (error, "%s: ", origin);
      ok = FALSE;
    }
  if (!ok)
    {
      _hc_store_rollback (ss->w);
      if (ss->stats)
        memset (ss->stats, 0, sizeof *ss->stats);
    }
  return ok;
}

gboolean
hc_import_text (const char          *origin,
                const char          *data,
                gsize                length,
                const HcImportSink  *sink,
                gpointer             sink_data,
                GCancellable        *cancellable,
                GError             **error)
{
  Import im = { sink, sink_data, cancellable, origin };

  return import_text (&im, data, length, error);
}

gboolean
hc_import_object (const char          *origin,
                  JsonObject          *object,
                  const HcImportSink  *sink,
                  gpointer             sink_data,
                  GCancellable        *cancellable,
                  GError             **error)
{
  Import im = { sink, sink_data, cancellable, origin };

  return import_object (&im, object, NULL, error);
}

gboolean
_hc_store_import_text (HcStoreWorker  *w,
                       const char     *origin,
                       const char     *data,
                       gsize           length,
                       HcImportStats  *stats,
                       GCancellable   *cancellable,
                       GError        **error)
{
  StoreSink ss = { w, stats };

  if (!store_begin (&ss, error))
    return FALSE;
  return store_finish (&ss, origin, hc_import_text (origin, data, length, &store_sink, &ss,
                                                    cancellable, error), error);
}

/* NDJSON from a stream is a pipeline: a reader thread splits and parses lines in batches
 * while the store thread validates and writes the previous batch, in order. Parsing and
 * freeing json-glib trees is about 40% of an import, so this keeps both cores busy. Batches
 * go back to the reader to be freed, so each thread frees what it allocated. */

#define BATCH_LINES      256
#define BATCHES_IN_FLIGHT 4

typedef struct
{
  JsonObject *objects[BATCH_LINES];
  char       *prepared[BATCH_LINES];   /* serialized here, or NULL */
  guint       linenos[BATCH_LINES];
  guint       n;
  GError     *error;      /* after the objects, if any */
  gboolean    end;
} Batch;

typedef struct
{
  GInputStream *in;
  GString      *head;      /* what was read before the format was known */
  const char   *origin;
  GCancellable *cancellable;

  GAsyncQueue  *full;      /* reader -> store thread */
  GAsyncQueue  *done;      /* store thread -> reader, to free and reuse */
  Batch        *batch;     /* being filled by the reader */
  gint          stop;      /* atomic: the store thread wants no more */
} Pipeline;

static void
batch_clear (Batch *batch)
{
  for (guint i = 0; i < batch->n; i++)
    {
      g_clear_pointer (&batch->objects[i], json_object_unref);
      g_clear_pointer (&batch->prepared[i], g_free);
    }
  batch->n = 0;
  g_clear_error (&batch->error);
  batch->end = FALSE;
}

/* Sends the batch being filled and takes a free one; FALSE when the store thread wants no
 * more. */
static gboolean
send_batch (Pipeline *pl)
{
  g_async_queue_push (pl->full, pl->batch);
  pl->batch = g_async_queue_pop (pl->done);
  batch_clear (pl->batch);
  return !g_atomic_int_get (&pl->stop);
}

static gboolean
read_line (Pipeline   *pl,
           const char *line,
           gsize       length,
           guint       lineno)
{
  Batch *batch = pl->batch;
  JsonObject *object;
  GError *error = NULL;

  if (is_blank (line, length))
    return TRUE;
  if (length > MAX_LINE_BYTES)
    {
      g_set_error (&batch->error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_LARGE,
                   "%s:%u: the line is longer than %d MB", pl->origin, lineno,
                   MAX_LINE_BYTES / (1024 * 1024));
      return FALSE;
    }
  object = parse_document (line, length, &error);
  if (object == NULL)
    {
      g_propagate_prefixed_error (&batch->error, error, "%s:%u: ", pl->origin, lineno);
      return FALSE;
    }
  /* a share of the store thread's work that needs nothing of the store: a resource that has
   * its id is serialized here (validating it too would leave the reader the slower thread) */
  if (hc_json_get_string (object, "id") != NULL &&
      g_strcmp0 (hc_json_get_string (object, "resourceType"), "Bundle") != 0)
    batch->prepared[batch->n] = hc_json_object_to_string (object, FALSE);
  batch->objects[batch->n] = object;
  batch->linenos[batch->n] = lineno;
  if (++batch->n == BATCH_LINES)
    return send_batch (pl);
  return TRUE;
}

static gpointer
reader_main (gpointer data)
{
  Pipeline *pl = data;
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (pl->in);
  g_autoptr(GString) partial = NULL;
  const char *p = pl->head->str, *end = pl->head->str + pl->head->len;
  guint lineno = 0;

  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (in), 1 << 20);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);

  /* complete lines of the head, then its unfinished last line joined to the stream's first */
  for (;;)
    {
      const char *nl = memchr (p, '\n', end - p);
      if (nl == NULL)
        break;
      if (!read_line (pl, p, nl - p, ++lineno))
        goto done;
      p = nl + 1;
    }
  partial = g_string_new_len (p, end - p);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize len = 0;
      g_autofree char *line = g_data_input_stream_read_upto (in, "\n", 1, &len, pl->cancellable,
                                                             &local_error);

      if (local_error != NULL)
        {
          g_set_error (&pl->batch->error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "%s: %s",
                       pl->origin, local_error->message);
          goto done;
        }
      if (line == NULL)
        {
          if (partial->len > 0)
            read_line (pl, partial->str, partial->len, ++lineno);
          goto done;
        }
      g_data_input_stream_read_byte (in, pl->cancellable, NULL);   /* the newline */
      if (partial->len > 0)
        {
          g_string_append_len (partial, line, len);
          if (!read_line (pl, partial->str, partial->len, ++lineno))
            goto done;
          g_string_truncate (partial, 0);
        }
      else if (!read_line (pl, line, len, ++lineno))
        goto done;
    }

done:
  pl->batch->end = TRUE;
  g_async_queue_push (pl->full, g_steal_pointer (&pl->batch));
  /* free what the store thread hands back until it is done with the last batch */
  for (;;)
    {
      Batch *batch = g_async_queue_pop (pl->done);
      gboolean last = batch->end;

      batch_clear (batch);
      g_free (batch);
      if (last)
        break;
    }
  return NULL;
}

static gboolean
import_stream_ndjson (Import         *im,
                      GInputStream   *in,
                      GString        *head,
                      GError        **error)
{
  Pipeline pl = { in, head, im->origin, im->cancellable, g_async_queue_new (),
                  g_async_queue_new (), g_new0 (Batch, 1), 0 };
  GError *first_error = NULL;
  GThread *reader;

  for (guint i = 1; i < BATCHES_IN_FLIGHT; i++)
    g_async_queue_push (pl.done, g_new0 (Batch, 1));
  reader = g_thread_new ("hc-import-reader", reader_main, &pl);

  for (;;)
    {
      Batch *batch = g_async_queue_pop (pl.full);
      gboolean end = batch->end;

      for (guint i = 0; i < batch->n && first_error == NULL; i++)
        if (!import_object (im, batch->objects[i], batch->prepared[i], &first_error))
          g_prefix_error (&first_error, "%s:%u: ", im->origin, batch->linenos[i]);
      if (first_error == NULL && batch->error != NULL)
        first_error = g_steal_pointer (&batch->error);
      if (first_error != NULL)
        g_atomic_int_set (&pl.stop, 1);
      g_async_queue_push (pl.done, batch);
      if (end)
        break;
    }

  g_thread_join (reader);
  /* the spare batches the reader never took back */
  {
    Batch *spare;
    while ((spare = g_async_queue_try_pop (pl.done)) != NULL)
      {
        batch_clear (spare);
        g_free (spare);
      }
  }
  g_async_queue_unref (pl.full);
  g_async_queue_unref (pl.done);
  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
hc_import_path (const char          *path,
                const HcImportSink  *sink,
                gpointer             sink_data,
                GCancellable        *cancellable,
                GError             **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *origin = NULL;
  Import im = { sink, sink_data, cancellable, NULL };
  gboolean is_stdin = strcmp (path, "-") == 0;
  gboolean ok;
  char buf[65536];

  origin = is_stdin ? g_strdup ("stdin") : g_path_get_basename (path);
  im.origin = origin;

  if (is_stdin)
    in = g_unix_input_stream_new (0, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
      g_autoptr(GFileInputStream) fin = g_file_read (file, cancellable, &local_error);

      if (fin == NULL)
        {
          g_set_error (error, HC_STORE_ERROR,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                         ? HC_STORE_ERROR_NOT_FOUND : HC_STORE_ERROR_FAILED,
                       "%s: %s", path, local_error->message);
          return FALSE;
        }
      in = G_INPUT_STREAM (g_steal_pointer (&fin));
    }

  /* Read until the first line is complete (or the document limit) to tell NDJSON from one
   * document. */
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, cancellable, &local_error);

      if (n < 0)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "%s: %s", origin,
                       local_error->message);
          return FALSE;
        }
      if (n == 0)
        break;
      g_string_append_len (head, buf, n);
      if (memchr (buf, '\n', n) != NULL)
        {
          const char *nl = memchr (head->str, '\n', head->len);
          /* the first line and something after it */
          if (nl && !is_blank (nl, head->len - (nl - head->str)))
            break;
        }
      if (head->len > MAX_DOCUMENT_BYTES + 1)
        break;
    }

  if (looks_like_ndjson (head->str, head->len))
    ok = import_stream_ndjson (&im, in, head, error);
  else
    {
      /* one document: read it whole, within the limit */
      for (;;)
        {
          gssize n;

          if (head->len > MAX_DOCUMENT_BYTES)
            {
              goffset size = head->len;
              if (!is_stdin)
                {
                  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
                  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                                 0, NULL, NULL);
                  if (info)
                    size = g_file_info_get_size (info);
                }
              g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_TOO_LARGE,
                           "%s: a single JSON document of %" G_GINT64_FORMAT " MB is over the %d MB "
                           "limit; import it as NDJSON (one resource per line)", origin,
                           (gint64) (size / (1024 * 1024)), MAX_DOCUMENT_BYTES / (1024 * 1024));
              return FALSE;
            }
          n = g_input_stream_read (in, buf, sizeof buf, cancellable, &local_error);
          if (n < 0)
            {
              g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "%s: %s", origin,
                           local_error->message);
              return FALSE;
            }
          if (n == 0)
            break;
          g_string_append_len (head, buf, n);
        }
      ok = import_text (&im, head->str, head->len, error);
    }
  return ok;
}

gboolean
_hc_store_import_path (HcStoreWorker  *w,
                       const char     *path,
                       HcImportStats  *stats,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autofree char *origin = strcmp (path, "-") == 0 ? g_strdup ("stdin") : g_path_get_basename (path);
  StoreSink ss = { w, stats };

  if (!store_begin (&ss, error))
    return FALSE;
  return store_finish (&ss, origin, hc_import_path (path, &store_sink, &ss, cancellable, error),
                       error);
}

/* ------------------------------------------------------------------------------------------ */
/* Producers (demo data) */

typedef struct
{
  Import *im;
} ProducerSink;

static gboolean
producer_sink (JsonObject  *resource,
               gpointer     sink_data,
               GError     **error)
{
  return import_object (sink_data, resource, NULL, error);
}

typedef struct
{
  HcResourceProducer producer;
  gpointer           user_data;
  HcImportStats      stats;
} ProducerData;

static gpointer
producer_job (HcStoreWorker  *w,
              gpointer        data,
              GCancellable   *cancellable,
              GError        **error)
{
  ProducerData *pd = data;
  StoreSink ss = { w, &pd->stats };
  Import im = { &store_sink, &ss, cancellable, "demo data" };

  if (!store_begin (&ss, error))
    return NULL;
  if (!store_finish (&ss, im.origin, pd->producer (producer_sink, &im, pd->user_data, cancellable,
                                                   error), error))
    return NULL;
  return GINT_TO_POINTER (1);
}

gboolean
hc_store_import_producer_sync (HcStore             *self,
                               HcResourceProducer   producer,
                               gpointer             user_data,
                               HcImportStats       *stats,
                               GCancellable        *cancellable,
                               GError             **error)
{
  ProducerData pd = { producer, user_data, { 0 } };

  g_return_val_if_fail (HC_IS_STORE (self), FALSE);

  if (_hc_store_run_sync (self, producer_job, &pd, cancellable, error) == NULL)
    return FALSE;
  if (stats)
    *stats = pd.stats;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Export */

static gboolean
write_str (GOutputStream  *out,
           const char     *text,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_output_stream_write_all (out, text, strlen (text), NULL, cancellable, &local_error))
    {
      g_set_error (error, HC_STORE_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                     ? HC_STORE_ERROR_DISK_FULL : HC_STORE_ERROR_FAILED,
                   "export: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
_hc_store_export (HcStoreWorker  *w,
                  const char     *patient_id,
                  GOutputStream  *out,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *header = NULL;
  g_autofree char *patient_ref = NULL;
  g_autofree char *detail = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;
  int rc;

  if (patient_id != NULL)
    {
      if (!hc_fhir_is_valid_id (patient_id))
        return fail_invalid (error, "'%s' is not a valid FHIR id", patient_id);
      patient_ref = g_strconcat ("Patient/", patient_id, NULL);
      stmt = _hc_store_stmt (w, "SELECT 1 FROM resource WHERE type = 'Patient' AND id = ? "
                                "AND deleted = 0", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        {
          g_set_error (error, HC_STORE_ERROR, HC_STORE_ERROR_NOT_FOUND, "%s not found", patient_ref);
          return FALSE;
        }
      stmt = _hc_store_stmt (w, "SELECT json FROM resource WHERE deleted = 0 AND patient = ? "
                                "ORDER BY type <> 'Patient', type, date, rid", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, patient_ref, -1, SQLITE_STATIC);
    }
  else
    {
      stmt = _hc_store_stmt (w, "SELECT json FROM resource WHERE deleted = 0 ORDER BY rid", error);
      if (stmt == NULL)
        return FALSE;
    }

  header = g_strdup_printf ("{\"resourceType\":\"Bundle\",\"type\":\"collection\","
                            "\"timestamp\":\"%s\",\"entry\":[", stamp);
  if (!write_str (out, header, cancellable, error))
    {
      sqlite3_reset (stmt);
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *json = (const char *) sqlite3_column_text (stmt, 0);

      if (!write_str (out, n++ ? ",\n{\"resource\":" : "\n{\"resource\":", cancellable, error) ||
          !write_str (out, json, cancellable, error) ||
          !write_str (out, "}", cancellable, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _hc_store_sqlite_error (w, rc, "export", error);
  if (!write_str (out, "\n]}\n", cancellable, error))
    return FALSE;
  if (!g_output_stream_flush (out, cancellable, NULL))
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_FAILED, "export: write failed");
      return FALSE;
    }

  detail = g_strdup_printf ("%u resources", n);
  if (!_hc_store_begin (w, error))
    return FALSE;
  if (!_hc_store_audit (w, "export", patient_ref, detail, error) || !_hc_store_commit (w, error))
    {
      _hc_store_rollback (w);
      return FALSE;
    }
  return TRUE;
}
