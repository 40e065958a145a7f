/* hc-encounter-data.h: what the encounter editor needs that is not a widget
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The diagnosis subset (icd10cm.json), note templates and snippets (note-templates.json),
 * vital signs as typed (units checked, plausible ranges) and the FHIR resources of a visit:
 * Encounter, Composition (SOAP note, addendum), Condition (encounter diagnosis) and vital-signs
 * Observations, shaped as the demo data shapes them (data/hc-demo.c).
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------------------------------ */
/* Clinical catalogs */

typedef struct
{
  const char *code;       /* "E11.9" */
  const char *display;    /* the exact ICD-10-CM description */
} HcIcd10Code;

typedef struct
{
  const char *id;
  const char *title;
  const char *subjective;
  const char *objective;
  const char *assessment;
  const char *plan;
} HcNoteTemplate;

typedef struct
{
  const char *trigger;    /* ".nad" */
  const char *text;       /* "No acute distress." */
} HcSnippet;

typedef struct _HcEncounterData HcEncounterData;

/* Loads icd10cm.json and note-templates.json through hc_clinical_data_load(). */
HcEncounterData     *hc_encounter_data_load          (GError          **error);
/* The same from parsed documents (tests); @templates may be NULL. */
HcEncounterData     *hc_encounter_data_new           (JsonNode         *icd10,
                                                      JsonNode         *templates,
                                                      GError          **error);
HcEncounterData     *hc_encounter_data_ref           (HcEncounterData  *self);
void                 hc_encounter_data_unref         (HcEncounterData  *self);

/* Codes matching @query, best first, at most @limit: a code typed with or without its dot
 * ("e119", "E11.9") ranks first, then codes starting with it, then codes whose description
 * (or a synonym, e.g. "HTN") has a word starting with every word of @query, shorter
 * descriptions first. Case and accents do not matter. Returns borrowed entries. */
GPtrArray           *hc_encounter_data_search_icd10  (HcEncounterData  *self,
                                                      const char       *query,
                                                      guint             limit);
const HcIcd10Code   *hc_encounter_data_lookup_icd10  (HcEncounterData  *self,
                                                      const char       *code);

guint                hc_encounter_data_get_n_templates (HcEncounterData *self);
const HcNoteTemplate *hc_encounter_data_get_template (HcEncounterData  *self,
                                                      guint             index);
const HcNoteTemplate *hc_encounter_data_find_template (HcEncounterData *self,
                                                      const char       *id);
guint                hc_encounter_data_get_n_snippets (HcEncounterData *self);
const HcSnippet     *hc_encounter_data_get_snippet   (HcEncounterData  *self,
                                                      guint             index);
/* When the @length bytes of @text end in a snippet trigger standing as a word of its own
 * (at the start or after a space, line break or opening bracket), returns the snippet and sets
 * *@start to the byte offset where the trigger begins. */
const HcSnippet     *hc_encounter_data_match_snippet (HcEncounterData  *self,
                                                      const char       *text,
                                                      gsize             length,
                                                      gsize            *start);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcEncounterData, hc_encounter_data_unref)

/* ------------------------------------------------------------------------------------------ */
/* Vital signs */

#define HC_VITAL_ERROR (hc_vital_error_quark ())

typedef enum
{
  HC_VITAL_ERROR_SYNTAX,    /* not a number (or not "120/80") */
  HC_VITAL_ERROR_UNIT,      /* a unit missing, unknown, or of another quantity */
  HC_VITAL_ERROR_RANGE,     /* outside what a living patient can measure */
} HcVitalError;

typedef enum
{
  HC_VITAL_WEIGHT,
  HC_VITAL_HEIGHT,
  HC_VITAL_TEMPERATURE,
  HC_VITAL_BLOOD_PRESSURE,
  HC_VITAL_PULSE,
  HC_VITAL_RESPIRATORY_RATE,
  HC_VITAL_OXYGEN_SATURATION,
  HC_VITAL_BMI,             /* computed from weight and height, never typed */
  HC_N_VITALS
} HcVital;

/* A measurement in the stored unit: kg, cm, °C, mmHg, /min, %, kg/m2. */
typedef struct
{
  HcVital kind;
  double  value;            /* systolic for blood pressure */
  double  value2;           /* diastolic */
} HcVitalValue;

GQuark       hc_vital_error_quark        (void);

/* Reads what was typed for @kind: "72.5 kg", "160 lb", "170 cm", "5'7\"", "67 in",
 * "37.2 °C", "99.1 F", "120/80", "72", "98 %". Weight, height and temperature need a unit;
 * the others have only one and may omit it. On failure the error is a translated sentence
 * saying what to type instead. */
gboolean     hc_vital_parse              (HcVital            kind,
                                          const char        *text,
                                          HcVitalValue      *out,
                                          GError           **error);
/* Body mass index from weight (kg) and height (cm), rounded to 0.1. */
gboolean     hc_vital_bmi                (const HcVitalValue *weight,
                                          const HcVitalValue *height,
                                          HcVitalValue       *out);
/* "72.5 kg", "120/80 mmHg", "37.2 °C": how the value reads back in its field. */
char        *hc_vital_format             (const HcVitalValue *value);
/* A translated label, "Weight", and a translated example for the field, "72.5 kg or 160 lb". */
const char  *hc_vital_get_label          (HcVital             kind);
const char  *hc_vital_get_example        (HcVital             kind);
/* A translated hint of what the field takes, without a value that could pass for one:
 * "kg or lb", "systolic/diastolic" */
const char  *hc_vital_get_units          (HcVital             kind);

/* A vital-signs Observation of @patient_id at @encounter_id: LOINC code, UCUM unit, blood
 * pressure as the 85354-9 panel with systolic and diastolic components. @status: "final" or
 * "preliminary". @id may be NULL (the store assigns one). @performer may be NULL. */
JsonObject  *hc_vital_to_observation     (const HcVitalValue *value,
                                          const char         *id,
                                          const char         *status,
                                          const char         *patient_id,
                                          const char         *encounter_id,
                                          const char         *effective,
                                          JsonObject         *performer);
/* The vital of a vital-signs Observation, or FALSE for another kind of Observation. */
gboolean     hc_vital_from_observation   (JsonObject         *observation,
                                          HcVitalValue       *out);

/* ------------------------------------------------------------------------------------------ */
/* The resources of a visit */

typedef enum
{
  HC_SOAP_SUBJECTIVE,
  HC_SOAP_OBJECTIVE,
  HC_SOAP_ASSESSMENT,
  HC_SOAP_PLAN,
  HC_N_SOAP
} HcSoapSection;

const char  *hc_soap_section_title       (HcSoapSection       section);

/* An ambulatory Encounter; @end NULL while in progress. @diagnosis_ids: Condition ids, ranked
 * in order (may be NULL). */
JsonObject  *hc_encounter_build          (const char         *id,
                                          const char         *status,
                                          const char         *patient_id,
                                          JsonObject         *practitioner,
                                          const char         *start,
                                          const char         *end,
                                          const char * const *diagnosis_ids);

/* A progress note with the four SOAP sections (plain text, written as XHTML narrative).
 * @signed_at NULL: status preliminary; else final, with an attester (mode legal, @signed_at,
 * @author as party). */
JsonObject  *hc_note_build               (const char         *id,
                                          const char         *patient_id,
                                          const char         *encounter_id,
                                          const char         *date,
                                          JsonObject         *author,
                                          const char * const  sections[HC_N_SOAP],
                                          const char         *signed_at);
/* An addendum to Composition @target_id: one section "Addendum", relatesTo code appends. */
JsonObject  *hc_addendum_build           (const char         *id,
                                          const char         *patient_id,
                                          const char         *encounter_id,
                                          const char         *target_id,
                                          const char         *date,
                                          JsonObject         *author,
                                          const char         *text,
                                          const char         *signed_at);
/* The plain text of a Composition section, by its title ("Subjective", "Addendum"): the
 * narrative with paragraphs and line breaks as new lines, list items as "- " lines. NULL when
 * the note has no such section. */
char        *hc_note_get_section_text    (JsonObject         *composition,
                                          const char         *title);
/* "final" with an attester */
gboolean     hc_note_is_signed           (JsonObject         *composition);

/* An encounter diagnosis: Condition with category encounter-diagnosis, active, confirmed. */
JsonObject  *hc_diagnosis_build          (const char         *id,
                                          const char         *patient_id,
                                          const char         *encounter_id,
                                          const HcIcd10Code  *code,
                                          const char         *recorded,
                                          JsonObject         *recorder);

/* A Reference {"display": @name} for the signing clinician, with an identifier
 * urn:housecall:user|@user when @user is not NULL. */
JsonObject  *hc_user_reference           (const char         *user,
                                          const char         *name);

/* Now as an RFC 3339 date-time with the local offset, to the second. */
char        *hc_encounter_now            (void);

G_END_DECLS
