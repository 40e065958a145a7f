/* hc-import.h: reading FHIR resources, Bundles and NDJSON into any store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where imported resources go: the client's chart store or the server's database. */
typedef struct
{
  /* @prepared, when not NULL, is @resource serialized already (another thread did it). */
  gboolean (*write)  (gpointer     data,
                      JsonObject  *resource,
                      const char  *prepared,
                      GError     **error);
  /* A DELETE entry of a transaction Bundle; deleting what is not there should succeed. */
  gboolean (*remove) (gpointer     data,
                      const char  *type,
                      const char  *id,
                      GError     **error);
} HcImportSink;

/* Reads a resource, a Bundle (transaction semantics: deletes first, POST gets a new id,
 * Bundle-internal references resolved) or NDJSON (streamed) from @path ("-" is standard
 * input) and hands every resource to @sink in order. Stops at the first error, whose message
 * names the line or entry. Transactions are the caller's: wrap the call in one. */
gboolean hc_import_path (const char          *path,
                         const HcImportSink  *sink,
                         gpointer             sink_data,
                         GCancellable        *cancellable,
                         GError             **error);
/* The same for text in memory; @origin names it in messages. */
gboolean hc_import_text (const char          *origin,
                         const char          *data,
                         gsize                length,
                         const HcImportSink  *sink,
                         gpointer             sink_data,
                         GCancellable        *cancellable,
                         GError             **error);

/* The same for a resource or Bundle already parsed. The Bundle's entries are changed in place:
 * each resource gets the id it was stored with and its Bundle-internal references resolved,
 * so a caller can answer entry by entry. */
gboolean hc_import_object (const char          *origin,
                           JsonObject          *object,
                           const HcImportSink  *sink,
                           gpointer             sink_data,
                           GCancellable        *cancellable,
                           GError             **error);

G_END_DECLS
