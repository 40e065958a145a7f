/* hc-fhir.c: the FHIR R4 resource model
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-fhir"

#include "config.h"

#include <string.h>
#include <gnutls/crypto.h>

#include "hc-fhir.h"

G_DEFINE_QUARK (hc-fhir-error, hc_fhir_error)

static const char * const resource_types[] = {
  "AllergyIntolerance", "Appointment", "AuditEvent", "Communication", "Composition",
  "Condition", "Coverage", "DiagnosticReport", "Encounter", "MedicationRequest",
  "Observation", "Organization", "Patient", "Practitioner", "Provenance",
  "ServiceRequest", "Task", NULL
};

const char * const *
hc_fhir_resource_types (void)
{
  return resource_types;
}

gboolean
hc_fhir_is_known_type (const char *type)
{
  if (type == NULL)
    return FALSE;
  for (guint i = 0; resource_types[i]; i++)
    if (strcmp (resource_types[i], type) == 0)
      return TRUE;
  return FALSE;
}

gboolean
hc_fhir_is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '.')
      return FALSE;
  return TRUE;
}

gboolean
hc_fhir_is_valid_reference (const char *reference)
{
  const char *slash;
  g_autofree char *type = NULL;

  if (reference == NULL || *reference == '\0')
    return FALSE;
  if (reference[0] == '#')
    return TRUE;
  if (g_str_has_prefix (reference, "urn:uuid:") || g_str_has_prefix (reference, "urn:oid:") ||
      g_str_has_prefix (reference, "http://") || g_str_has_prefix (reference, "https://"))
    return strchr (reference, ' ') == NULL;
  slash = strchr (reference, '/');
  if (slash == NULL || slash == reference)
    return FALSE;
  type = g_strndup (reference, slash - reference);
  for (const char *p = type; *p; p++)
    if (!g_ascii_isalpha (*p))
      return FALSE;
  /* Type/id or Type/id/_history/vid */
  {
    g_auto(GStrv) parts = g_strsplit (slash + 1, "/", -1);
    guint n = g_strv_length (parts);

    if (n == 1)
      return hc_fhir_is_valid_id (parts[0]);
    if (n == 3)
      return hc_fhir_is_valid_id (parts[0]) && strcmp (parts[1], "_history") == 0 &&
             hc_fhir_is_valid_id (parts[2]);
    return FALSE;
  }
}

gboolean
hc_fhir_validate (JsonObject  *resource,
                  GError     **error)
{
  const char *type;
  JsonNode *node;

  g_return_val_if_fail (resource != NULL, FALSE);

  node = json_object_get_member (resource, "resourceType");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error_literal (error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID,
                           "resourceType: missing or not a string");
      return FALSE;
    }
  type = json_node_get_string (node);
  if (!hc_fhir_is_known_type (type))
    {
      g_set_error (error, HC_FHIR_ERROR, HC_FHIR_ERROR_UNKNOWN_TYPE,
                   "resourceType: '%s' is not a resource type Housecall stores", type);
      return FALSE;
    }
  node = json_object_get_member (resource, "id");
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                       json_node_get_value_type (node) != G_TYPE_STRING ||
                       !hc_fhir_is_valid_id (json_node_get_string (node))))
    {
      g_set_error (error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID_ID,
                   "%s.id: not a valid FHIR id ([A-Za-z0-9-.]{1,64})", type);
      return FALSE;
    }
  return TRUE;
}

static const char *
reference_of (JsonObject *object,
              const char *member)
{
  JsonObject *ref;

  if (!json_object_has_member (object, member))
    return NULL;
  ref = json_object_get_object_member (object, member);
  if (ref == NULL || !json_object_has_member (ref, "reference"))
    return NULL;
  return json_object_get_string_member_with_default (ref, "reference", NULL);
}

char *
hc_fhir_patient_reference (JsonObject *resource)
{
  static const char * const members[] = { "subject", "patient", "beneficiary", "for", NULL };
  const char *type = json_object_get_string_member_with_default (resource, "resourceType", "");

  if (strcmp (type, "Patient") == 0)
    {
      const char *id = json_object_get_string_member_with_default (resource, "id", NULL);
      return id ? g_strconcat ("Patient/", id, NULL) : NULL;
    }
  for (guint i = 0; members[i]; i++)
    {
      const char *ref = reference_of (resource, members[i]);
      if (ref && g_str_has_prefix (ref, "Patient/"))
        return g_strdup (ref);
    }
  return NULL;
}

char *
hc_fhir_new_id (void)
{
  guint8 b[16];
  gint64 ms = g_get_real_time () / 1000;

  gnutls_rnd (GNUTLS_RND_NONCE, b, sizeof b);
  for (int i = 0; i < 6; i++)
    b[i] = (guint8) (ms >> (8 * (5 - i)));
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}
