/* fuzz-import.c: the resource, Bundle and NDJSON reader on any text
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sink validates each resource as the chart store does (an invalid one stops the import)
 * and accepts every delete. Properties: no crash or leak; FALSE exactly when an error is set;
 * deletes name a known type and a valid id; every written resource serializes.
 */

#define G_LOG_DOMAIN "fuzz-import"

#include "config.h"

#include "hc-fhir.h"
#include "hc-fuzz.h"
#include "hc-import.h"
#include "hc-json.h"

typedef struct
{
  guint written;
  guint invalid;
  guint removed;
} Counts;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  hc_fuzz_init ();
  return 0;
}

static gboolean
sink_write (gpointer     data,
            JsonObject  *resource,
            const char  *prepared,
            GError     **error)
{
  Counts *counts = data;
  g_autofree char *text = NULL;

  HC_FUZZ_CHECK (resource != NULL, "write without a resource");
  /* what the store would keep must serialize */
  text = hc_json_object_to_string (resource, FALSE);
  HC_FUZZ_CHECK (text != NULL && g_utf8_validate (text, -1, NULL), "unwritable resource");
  if (!hc_fhir_validate (resource, error))
    {
      counts->invalid++;
      return FALSE;
    }
  counts->written++;
  return TRUE;
}

static gboolean
sink_remove (gpointer     data,
             const char  *type,
             const char  *id,
             GError     **error)
{
  Counts *counts = data;

  HC_FUZZ_CHECK (type != NULL && hc_fhir_is_known_type (type), "delete of type %s", type);
  HC_FUZZ_CHECK (id != NULL && hc_fhir_is_valid_id (id), "delete of id %s", id);
  counts->removed++;
  return TRUE;
}

static const HcImportSink sink = { sink_write, sink_remove };

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  Counts counts = { 0, };
  gboolean ok;

  ok = hc_import_text ("fuzz", (const char *) data, size, &sink, &counts, NULL, &error);
  HC_FUZZ_CHECK (ok == (error == NULL), "import said %d with error %s", ok,
                 error ? error->message : "(none)");
  HC_FUZZ_CHECK (ok || counts.invalid <= 1, "the import went on after a refused write");
  return 0;
}
