/* hc-clinical.h: formulary, order catalog and prescribing safety checks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The catalogs come from the replaceable JSON files in resources/clinical/ (formulary.json,
 * allergy-classes.json, interactions.json, lab-catalog.json; see hc-clinical-data.h and the
 * README there). Once loaded an HcClinical is immutable, so any thread may use it. The checks
 * read nothing but the catalogs and the chart they are given: they work offline.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_CLINICAL_ERROR (hc_clinical_error_quark ())

typedef enum
{
  HC_CLINICAL_ERROR_INVALID,    /* a data file is malformed: the message names file and entry */
} HcClinicalError;

typedef enum
{
  HC_CLINICAL_SEVERITY_LOW,
  HC_CLINICAL_SEVERITY_MODERATE,
  HC_CLINICAL_SEVERITY_HIGH,    /* signing needs an override reason */
} HcClinicalSeverity;

typedef enum
{
  HC_CLINICAL_WARNING_ALLERGY,
  HC_CLINICAL_WARNING_INTERACTION,
  HC_CLINICAL_WARNING_DUPLICATE, /* the same ingredient is already prescribed */
} HcClinicalWarningKind;

typedef struct
{
  char   *id;
  char   *name;          /* "Amoxicillin 500 mg oral capsule" */
  char  **ingredients;   /* ingredient names, as in the formulary's "ingredients" */
  char   *rxnorm;        /* the product's RxNorm code, or NULL */
  char   *strength;
  char   *form;
  char   *route;         /* "oral", "sublingual", "inhalation", ... */
  /* the default sig */
  double  dose;
  char   *dose_unit;     /* "tablet" */
  char   *frequency;     /* an id of hc_clinical_frequencies() */
  gboolean as_needed;
  guint   days;          /* 0: long-term */
  double  quantity;
  char   *quantity_unit;
  guint   refills;
  char   *instructions;  /* added to the sig, or NULL */
} HcDrug;

typedef struct
{
  char   *id;
  char   *name;          /* "Basic metabolic panel (BMP)" */
  char   *kind;          /* "lab", "imaging" or "procedure" */
  char   *specimen;      /* or NULL */
  char   *loinc;         /* or NULL */
  char   *display;       /* the LOINC display, or NULL */
  char  **aliases;
} HcOrderable;

typedef struct
{
  const char *id;        /* "BID" */
  const char *label;     /* "twice daily" (English; the UI translates with the same msgid) */
  guint       frequency;
  guint       period;
  const char *period_unit; /* UCUM: "min", "h", "d", "wk" */
  const char *when;      /* EventTiming or NULL */
} HcFrequency;

typedef struct
{
  HcClinicalWarningKind kind;
  HcClinicalSeverity    severity;
  char                 *rule;         /* the allergen, ingredient or interaction rule id */
  char                 *message;      /* the clinical message, from the data file */
  char                 *culprit;      /* "AllergyIntolerance/id" or "MedicationRequest/id" */
  char                 *culprit_text; /* what the chart calls it, with "unconfirmed" etc. */
} HcClinicalWarning;

/* What the prescriber chose; strings are borrowed. */
typedef struct
{
  const HcDrug *drug;
  double        dose;
  const char   *dose_unit;
  const char   *route;
  const char   *frequency;   /* an id of hc_clinical_frequencies() */
  gboolean      as_needed;
  guint         days;        /* 0: long-term */
  double        quantity;
  const char   *quantity_unit;
  guint         refills;
  const char   *instructions; /* or NULL */
} HcPrescription;

typedef struct _HcClinical HcClinical;

GQuark             hc_clinical_error_quark      (void);

/* Loads and checks the four catalogs. */
HcClinical        *hc_clinical_load             (GError            **error);
HcClinical        *hc_clinical_ref              (HcClinical         *self);
void               hc_clinical_unref            (HcClinical         *self);

/* Entries whose name, an ingredient or an alias has a word starting with @prefix
 * (case-insensitive), in catalog order; at most @limit (0: all). Borrowed pointers. */
GPtrArray         *hc_clinical_search_drugs     (HcClinical         *self,
                                                 const char         *prefix,
                                                 guint               limit);
GPtrArray         *hc_clinical_search_orderables (HcClinical        *self,
                                                 const char         *prefix,
                                                 guint               limit);
const HcDrug      *hc_clinical_get_drug         (HcClinical         *self,
                                                 const char         *id);
const HcOrderable *hc_clinical_get_orderable    (HcClinical         *self,
                                                 const char         *id);
/* The formulary entry a MedicationRequest was written from, or NULL. */
const HcDrug      *hc_clinical_drug_for_request (HcClinical         *self,
                                                 JsonObject         *request);
/* The ingredients (formulary names) a MedicationRequest contains, from its codes or text. */
GStrv              hc_clinical_request_ingredients (HcClinical      *self,
                                                 JsonObject         *request);

/* The frequencies a sig may use, ended by an entry with a NULL id. */
const HcFrequency *hc_clinical_frequencies      (void);
const HcFrequency *hc_clinical_get_frequency    (const char         *id);

/* "Take 1 capsule by mouth three times daily for 7 days. <instructions>" */
char              *hc_clinical_format_sig       (const HcPrescription *rx);

/* A MedicationRequest (status active, intent order, no id) for @patient_id. The requester is
 * a reference with @requester_display; @authored_on is an ISO 8601 date-time. */
JsonObject        *hc_clinical_build_medication_request (const HcPrescription *rx,
                                                 const char         *patient_id,
                                                 const char         *requester_display,
                                                 const char         *authored_on);
/* Reads a MedicationRequest back into @rx (drug from the formulary, or NULL); the strings
 * stay owned by @request. FALSE when it has no usable dosage. */
gboolean           hc_clinical_read_prescription (HcClinical        *self,
                                                 JsonObject         *request,
                                                 HcPrescription     *rx);

/* Checks the MedicationRequest @proposed against @chart: an array of resources or of
 * hc_store_list_chart() elements ({"resource", "state"}). Allergies count unless refuted or
 * entered in error (unconfirmed ones too; resolved ones at low severity); medications count
 * while active or on hold, except those whose ids are in @ignore_ids (e.g. the order being
 * changed). Returns HcClinicalWarning, most severe first. */
GPtrArray         *hc_clinical_check            (HcClinical         *self,
                                                 JsonObject         *proposed,
                                                 JsonArray          *chart,
                                                 const char * const *ignore_ids);

/* A CodeableConcept's text, else its first coding's display, or NULL. */
const char        *hc_clinical_concept_label    (JsonObject         *concept);

const char        *hc_clinical_severity_to_string (HcClinicalSeverity severity);
void               hc_clinical_warning_free     (HcClinicalWarning  *warning);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcClinical, hc_clinical_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcClinicalWarning, hc_clinical_warning_free)

G_END_DECLS
