/* hc-outcome.c: errors as FHIR OperationOutcome resources
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-outcome"

#include "config.h"

#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-outcome.h"
#include "hc-store.h"

const char *
hc_operation_outcome_code (const GError *error)
{
  if (error->domain == HC_FHIR_ERROR || error->domain == HC_JSON_ERROR)
    return error->domain == HC_JSON_ERROR ? "structure" : "invalid";
  if (error->domain == HC_STORE_ERROR)
    switch (error->code)
      {
      case HC_STORE_ERROR_NOT_FOUND: return "not-found";
      case HC_STORE_ERROR_GONE: return "deleted";
      case HC_STORE_ERROR_INVALID: return "invalid";
      case HC_STORE_ERROR_IMMUTABLE: return "business-rule";
      case HC_STORE_ERROR_TOO_LARGE: return "too-costly";
      case HC_STORE_ERROR_BUSY: return "transient";
      case HC_STORE_ERROR_DISK_FULL: return "exception";
      default: return "exception";
      }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "incomplete";
  return "exception";
}

/* The first "Type.element…" path in @message: each ": "-separated part is tried, so
 * "panel.ndjson:3: Patient.gender: 'x' is not …" and "Bundle.entry[2].resource: …" work. */
static char *
find_expression (const char *message)
{
  g_auto(GStrv) parts = g_strsplit (message, ": ", -1);
  g_autofree char *prefix = NULL;

  for (guint i = 0; parts[i] && parts[i + 1]; i++)
    {
      const char *p = parts[i];
      const char *dot = strchr (p, '.');
      g_autofree char *type = NULL;

      if (dot == NULL || strchr (p, ' ') != NULL)
        continue;
      type = g_strndup (p, dot - p);
      if (strcmp (type, "Bundle") == 0)
        {
          /* keep the entry, then look for the resource's own path */
          g_free (prefix);
          prefix = g_strdup (p);
          continue;
        }
      if (hc_fhir_is_known_type (type))
        return prefix ? g_strconcat (prefix, dot, NULL) : g_strdup (p);
    }
  return g_steal_pointer (&prefix);
}

JsonObject *
hc_operation_outcome_new (const GError *error)
{
  JsonObject *outcome = json_object_new ();
  JsonArray *issues = json_array_new ();
  JsonObject *issue = json_object_new ();
  g_autofree char *expression = NULL;

  g_return_val_if_fail (error != NULL, outcome);

  json_object_set_string_member (outcome, "resourceType", "OperationOutcome");
  json_object_set_string_member (issue, "severity", "error");
  json_object_set_string_member (issue, "code", hc_operation_outcome_code (error));
  json_object_set_string_member (issue, "diagnostics", error->message);
  expression = find_expression (error->message);
  if (expression != NULL)
    {
      JsonArray *expressions = json_array_new ();
      json_array_add_string_element (expressions, expression);
      json_object_set_array_member (issue, "expression", expressions);
    }
  json_array_add_object_element (issues, issue);
  json_object_set_array_member (outcome, "issue", issues);
  return outcome;
}
