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

/* Data type builders, each a new object. A Coding {system, code, display} (NULL members left
 * out); a CodeableConcept with that one coding when @code is set, and @text when set; a
 * Reference "@type/@id" with @display when set; a Quantity with @value (an integer when it is
 * whole), @unit when set, and UCUM system and code when @ucum is set. */
JsonObject  *hc_fhir_coding_new           (const char  *system,
                                           const char  *code,
                                           const char  *display);
JsonObject  *hc_fhir_concept_new          (const char  *system,
                                           const char  *code,
                                           const char  *display,
                                           const char  *text);
JsonObject  *hc_fhir_reference_new        (const char  *type,
                                           const char  *id,
                                           const char  *display);
JsonObject  *hc_fhir_quantity_new         (double       value,
                                           const char  *unit,
                                           const char  *ucum);

/* @text lowercase (Unicode case folding), accents removed (NFD, combining marks dropped): how
 * names are compared and sorted, in the client's patient lists and the server's FHIR string
 * search. "" for NULL or text that is not UTF-8. */
char        *hc_fhir_fold                 (const char  *text);


/* Private to data/: the element tables generated into hc-fhir-schema.c by
 * data/gen-fhir-schema.py from the official FHIR R4 JSON schema. */
typedef enum
{
  _HC_FHIR_COMPLEX,       /* a datatype or BackboneElement: ref is its index in _hc_fhir_types */
  _HC_FHIR_RESOURCE,      /* contained resource */
  _HC_FHIR_BOOLEAN,
  _HC_FHIR_INTEGER,
  _HC_FHIR_DECIMAL,
  _HC_FHIR_STRING,
  _HC_FHIR_CODE,          /* ref: index in _hc_fhir_enums of a required binding, or 0 */
  _HC_FHIR_ID,
  _HC_FHIR_URI,
  _HC_FHIR_URL,
  _HC_FHIR_CANONICAL,
  _HC_FHIR_OID,
  _HC_FHIR_UUID,
  _HC_FHIR_DATE,
  _HC_FHIR_DATETIME,
  _HC_FHIR_INSTANT,
  _HC_FHIR_TIME,
  _HC_FHIR_POSITIVE_INT,
  _HC_FHIR_UNSIGNED_INT,
  _HC_FHIR_BASE64_BINARY,
  _HC_FHIR_MARKDOWN,
  _HC_FHIR_XHTML,
} _HcFhirKind;

enum
{
  _HC_FHIR_ELEMENT_ARRAY    = 1 << 0,
  _HC_FHIR_ELEMENT_REQUIRED = 1 << 1,
};

enum
{
  _HC_FHIR_TYPE_RESOURCE  = 1 << 0,
  _HC_FHIR_TYPE_REFERENCE = 1 << 1,
  _HC_FHIR_TYPE_EXTENSION = 1 << 2,
};

typedef struct
{
  const char *name;
  guint8      kind;        /* _HcFhirKind */
  guint8      flags;       /* _HC_FHIR_ELEMENT_* */
  guint8      choice;      /* 1-based choice group (value[x]) within the type, 0: none */
  guint16     ref;
} _HcFhirElement;

typedef struct
{
  const char           *name;
  const _HcFhirElement *elements;      /* sorted by strcmp() of name */
  guint                 n_elements;
  const guint8         *required;      /* indices of required elements */
  guint                 n_required;
  guint32               required_choices;
  const char * const   *choice_names;  /* "value[x]" for group 1, … */
  guint                 flags;         /* _HC_FHIR_TYPE_* */
} _HcFhirType;

typedef struct
{
  const char * const *codes;           /* NULL-terminated */
  const char         *joined;          /* "a, b, c" for messages */
} _HcFhirEnum;

extern const _HcFhirType _hc_fhir_types[];   /* sorted by strcmp() of name */
extern const guint       _hc_fhir_n_types;
extern const _HcFhirEnum _hc_fhir_enums[];
extern const guint16     _hc_fhir_element_type;
extern const guint16     _hc_fhir_extension_type;

G_END_DECLS
