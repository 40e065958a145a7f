/* hc-fhir.h: the FHIR R4 resource model: validation and index extraction
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_FHIR_ERROR (hc_fhir_error_quark ())

typedef enum
{
  HC_FHIR_ERROR_INVALID,        /* structurally wrong: the message names the element */
  HC_FHIR_ERROR_UNKNOWN_TYPE,   /* resourceType not in scope */
  HC_FHIR_ERROR_INVALID_ID,     /* id syntax */
} HcFhirError;

/* Receives resources one at a time, e.g. from the demo generator into the store. */
typedef gboolean (*HcResourceSink) (JsonObject  *resource,
                                    gpointer     user_data,
                                    GError     **error);

GQuark       hc_fhir_error_quark          (void);

/* The resource types Housecall stores (DESIGN.md §3), NULL-terminated. */
const char * const *hc_fhir_resource_types (void);
gboolean     hc_fhir_is_known_type        (const char  *type);
gboolean     hc_fhir_is_valid_id          (const char  *id);
/* True for Patient.id-style references "Type/id", absolute URLs, "urn:uuid:…" and "#local". */
gboolean     hc_fhir_is_valid_reference   (const char  *reference);

/* Validates @resource against the FHIR R4 structure of its type: known resourceType, id syntax,
 * every element known to the type with the right JSON type and primitive syntax, required
 * elements present, references well-formed, and the status codes we enforce. On failure sets an
 * HC_FHIR_ERROR whose message starts with the FHIRPath of the bad element, e.g.
 * "Patient.birthDate: '1970-13-01' is not a valid date". */
gboolean     hc_fhir_validate             (JsonObject  *resource,
                                           GError     **error);

/* The "Patient/id" reference of the patient whose compartment @resource belongs to (subject,
 * patient, beneficiary, for, …), or NULL. For a Patient, its own reference. */
char        *hc_fhir_patient_reference    (JsonObject  *resource);

/* A new lowercase UUIDv7 string. */
char        *hc_fhir_new_id               (void);

G_END_DECLS
