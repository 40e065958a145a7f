/* hc-demo.c: the demo panel generator
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A deterministic outpatient panel: every random choice comes from one xoshiro256** stream
 * seeded from the caller's seed, every date from @today, so the same arguments give the same
 * bytes. Resources are built and handed to the sink one at a time; the generator keeps only
 * the current patient's plan, so memory stays flat however many patients are asked for.
 *
 * Measured values are kept in hundredths and are always multiples of 0.25: json-glib 1.6
 * prints doubles with 17 significant digits, so 72.3 would come out as 72.299999999999997,
 * while 72.25 or 72.5 print as written.
 */

#define G_LOG_DOMAIN "hc-demo"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hc-demo.h"

/* ------------------------------------------------------------------------------------------ */
/* Code tables. Sources, checked while writing:
 *  - ICD-10-CM: the CMS/NLM tabular list (FY2022 and later: M54.50 is the 2022 split of M54.5).
 *  - LOINC: vital signs as bound by the FHIR R4 vital-signs profile; note and SOAP section codes
 *    from the FHIR doc-section-codes value set; lab tests and panels from loinc.org.
 *  - RxNorm: clinical drugs (SCD) as used by Synthea's medication modules (statin, ace_arb,
 *    emergency_inhaler, diabetes); ingredients (IN) as listed in CPIC's drug table. Where a
 *    product's SCD could not be confirmed the ingredient is coded and the strength is in text;
 *    levothyroxine is text only.
 *  - SNOMED CT reaction manifestations: as used by Synthea's drug allergy module. */

typedef struct
{
  const char *code;
  const char *display;
} Code;

#define SYSTEM_ICD10   "http://hl7.org/fhir/sid/icd-10-cm"
#define SYSTEM_LOINC   "http://loinc.org"
#define SYSTEM_RXNORM  "http://www.nlm.nih.gov/research/umls/rxnorm"
#define SYSTEM_SNOMED  "http://snomed.info/sct"
#define SYSTEM_NPI     "http://hl7.org/fhir/sid/us-npi"
#define SYSTEM_MRN     "urn:housecall:mrn"
#define SYSTEM_V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"
#define SYSTEM_INTERP  "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#define SYSTEM_OBSCAT  "http://terminology.hl7.org/CodeSystem/observation-category"

enum
{
  ICD_I10, ICD_E11_9, ICD_E11_65, ICD_E78_5, ICD_E78_00, ICD_J45_909, ICD_E03_9, ICD_F41_1,
  ICD_F32_9, ICD_K21_9, ICD_E66_9, ICD_J30_9, ICD_G47_33, ICD_J44_9, ICD_I48_91, ICD_M17_11,
  ICD_E55_9, ICD_G43_909, ICD_J06_9, ICD_N39_0, ICD_M54_50, ICD_Z00_00, ICD_Z00_129,
};

static const Code icd10[] = {
  [ICD_I10] = { "I10", "Essential (primary) hypertension" },
  [ICD_E11_9] = { "E11.9", "Type 2 diabetes mellitus without complications" },
  [ICD_E11_65] = { "E11.65", "Type 2 diabetes mellitus with hyperglycemia" },
  [ICD_E78_5] = { "E78.5", "Hyperlipidemia, unspecified" },
  [ICD_E78_00] = { "E78.00", "Pure hypercholesterolemia, unspecified" },
  [ICD_J45_909] = { "J45.909", "Unspecified asthma, uncomplicated" },
  [ICD_E03_9] = { "E03.9", "Hypothyroidism, unspecified" },
  [ICD_F41_1] = { "F41.1", "Generalized anxiety disorder" },
  [ICD_F32_9] = { "F32.9", "Major depressive disorder, single episode, unspecified" },
  [ICD_K21_9] = { "K21.9", "Gastro-esophageal reflux disease without esophagitis" },
  [ICD_E66_9] = { "E66.9", "Obesity, unspecified" },
  [ICD_J30_9] = { "J30.9", "Allergic rhinitis, unspecified" },
  [ICD_G47_33] = { "G47.33", "Obstructive sleep apnea (adult) (pediatric)" },
  [ICD_J44_9] = { "J44.9", "Chronic obstructive pulmonary disease, unspecified" },
  [ICD_I48_91] = { "I48.91", "Unspecified atrial fibrillation" },
  [ICD_M17_11] = { "M17.11", "Unilateral primary osteoarthritis, right knee" },
  [ICD_E55_9] = { "E55.9", "Vitamin D deficiency, unspecified" },
  [ICD_G43_909] = { "G43.909", "Migraine, unspecified, not intractable, without status migrainosus" },
  [ICD_J06_9] = { "J06.9", "Acute upper respiratory infection, unspecified" },
  [ICD_N39_0] = { "N39.0", "Urinary tract infection, site not specified" },
  [ICD_M54_50] = { "M54.50", "Low back pain, unspecified" },
  [ICD_Z00_00] = { "Z00.00", "Encounter for general adult medical examination without abnormal findings" },
  [ICD_Z00_129] = { "Z00.129", "Encounter for routine child health examination without abnormal findings" },
};

enum
{
  L_WEIGHT, L_HEIGHT, L_BMI, L_BP, L_SBP, L_DBP, L_HR, L_RR, L_TEMP, L_SPO2, L_SPO2_PULSE_OX,
  L_PROGRESS_NOTE, L_SUBJECTIVE, L_OBJECTIVE, L_ASSESSMENT, L_PLAN,
  L_A1C, L_LIPID_PANEL, L_CHOLESTEROL, L_TRIGLYCERIDE, L_HDL, L_LDL,
  L_CMP, L_GLUCOSE, L_BUN, L_CREATININE, L_SODIUM, L_POTASSIUM,
  L_CBC, L_WBC, L_HEMOGLOBIN, L_HEMATOCRIT, L_PLATELETS, L_TSH,
};

static const Code loinc[] = {
  [L_WEIGHT] = { "29463-7", "Body weight" },
  [L_HEIGHT] = { "8302-2", "Body height" },
  [L_BMI] = { "39156-5", "Body mass index (BMI) [Ratio]" },
  [L_BP] = { "85354-9", "Blood pressure panel with all children optional" },
  [L_SBP] = { "8480-6", "Systolic blood pressure" },
  [L_DBP] = { "8462-4", "Diastolic blood pressure" },
  [L_HR] = { "8867-4", "Heart rate" },
  [L_RR] = { "9279-1", "Respiratory rate" },
  [L_TEMP] = { "8310-5", "Body temperature" },
  [L_SPO2] = { "2708-6", "Oxygen saturation in Arterial blood" },
  [L_SPO2_PULSE_OX] = { "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry" },
  [L_PROGRESS_NOTE] = { "11506-3", "Progress note" },
  [L_SUBJECTIVE] = { "61150-9", "Subjective Narrative" },
  [L_OBJECTIVE] = { "61149-1", "Objective Narrative" },
  [L_ASSESSMENT] = { "51848-0", "Evaluation note" },
  [L_PLAN] = { "18776-5", "Plan of care note" },
  [L_A1C] = { "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood" },
  [L_LIPID_PANEL] = { "57698-3", "Lipid panel with direct LDL - Serum or Plasma" },
  [L_CHOLESTEROL] = { "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma" },
  [L_TRIGLYCERIDE] = { "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma" },
  [L_HDL] = { "2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma" },
  [L_LDL] = { "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay" },
  [L_CMP] = { "24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma" },
  [L_GLUCOSE] = { "2345-7", "Glucose [Mass/volume] in Serum or Plasma" },
  [L_BUN] = { "3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma" },
  [L_CREATININE] = { "2160-0", "Creatinine [Mass/volume] in Serum or Plasma" },
  [L_SODIUM] = { "2951-2", "Sodium [Moles/volume] in Serum or Plasma" },
  [L_POTASSIUM] = { "2823-3", "Potassium [Moles/volume] in Serum or Plasma" },
  [L_CBC] = { "58410-2", "CBC panel - Blood by Automated count" },
  [L_WBC] = { "6690-2", "Leukocytes [#/volume] in Blood by Automated count" },
  [L_HEMOGLOBIN] = { "718-7", "Hemoglobin [Mass/volume] in Blood" },
  [L_HEMATOCRIT] = { "4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count" },
  [L_PLATELETS] = { "777-3", "Platelets [#/volume] in Blood by Automated count" },
  [L_TSH] = { "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma" },
};

enum
{
  RX_LISINOPRIL_10, RX_LISINOPRIL_20, RX_AMLODIPINE_5, RX_LOSARTAN_50, RX_HYDROCHLOROTHIAZIDE,
  RX_METFORMIN_ER_500, RX_ATORVASTATIN_10, RX_ATORVASTATIN_20, RX_ATORVASTATIN_40,
  RX_ALBUTEROL_PROAIR, RX_FLUTICASONE, RX_SERTRALINE, RX_ESCITALOPRAM, RX_OMEPRAZOLE,
  RX_TIOTROPIUM, RX_METOPROLOL, RX_WARFARIN, RX_IBUPROFEN, RX_NITROFURANTOIN,
  RX_PENICILLIN_V, RX_SULFAMETHOXAZOLE_TRIMETHOPRIM, RX_ASPIRIN, RX_CEPHALEXIN,
};

static const Code rxnorm[] = {
  [RX_LISINOPRIL_10] = { "314076", "lisinopril 10 MG Oral Tablet" },
  [RX_LISINOPRIL_20] = { "314077", "lisinopril 20 MG Oral Tablet" },
  [RX_AMLODIPINE_5] = { "197361", "amlodipine 5 MG Oral Tablet" },
  [RX_LOSARTAN_50] = { "979492", "losartan potassium 50 MG Oral Tablet" },
  [RX_HYDROCHLOROTHIAZIDE] = { "5487", "hydrochlorothiazide" },
  [RX_METFORMIN_ER_500] = { "860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet" },
  [RX_ATORVASTATIN_10] = { "617312", "atorvastatin 10 MG Oral Tablet" },
  [RX_ATORVASTATIN_20] = { "617310", "atorvastatin 20 MG Oral Tablet" },
  [RX_ATORVASTATIN_40] = { "617311", "atorvastatin 40 MG Oral Tablet" },
  [RX_ALBUTEROL_PROAIR] = { "745752", "NDA021457 200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [ProAir]" },
  [RX_FLUTICASONE] = { "50121", "fluticasone propionate" },
  [RX_SERTRALINE] = { "36437", "sertraline" },
  [RX_ESCITALOPRAM] = { "321988", "escitalopram" },
  [RX_OMEPRAZOLE] = { "7646", "omeprazole" },
  [RX_TIOTROPIUM] = { "69120", "tiotropium" },
  [RX_METOPROLOL] = { "6918", "metoprolol" },
  [RX_WARFARIN] = { "11289", "warfarin" },
  [RX_IBUPROFEN] = { "5640", "ibuprofen" },
  [RX_NITROFURANTOIN] = { "7454", "nitrofurantoin" },
  [RX_PENICILLIN_V] = { "7984", "penicillin V" },
  [RX_SULFAMETHOXAZOLE_TRIMETHOPRIM] = { "10831", "sulfamethoxazole / trimethoprim" },
  [RX_ASPIRIN] = { "1191", "aspirin" },
  [RX_CEPHALEXIN] = { "2231", "cephalexin" },
};

enum
{
  SCT_WHEAL, SCT_ERUPTION, SCT_ANAPHYLAXIS, SCT_ANGIOEDEMA, SCT_ITCHING, SCT_DYSPNEA,
  SCT_ABDOMINAL_PAIN,
};

static const Code snomed[] = {
  [SCT_WHEAL] = { "247472004", "Wheal (finding)" },
  [SCT_ERUPTION] = { "271807003", "Eruption of skin (disorder)" },
  [SCT_ANAPHYLAXIS] = { "39579001", "Anaphylaxis (disorder)" },
  [SCT_ANGIOEDEMA] = { "402387002", "Allergic angioedema (disorder)" },
  [SCT_ITCHING] = { "418290006", "Itching (finding)" },
  [SCT_DYSPNEA] = { "267036007", "Dyspnea (finding)" },
  [SCT_ABDOMINAL_PAIN] = { "21522001", "Abdominal pain (finding)" },
};

/* ------------------------------------------------------------------------------------------ */
/* Clinical content */

typedef enum
{
  ROUTE_ORAL,
  ROUTE_INHALED,
  ROUTE_NASAL,
} Route;

enum
{
  MED_LISINOPRIL_10, MED_LISINOPRIL_20, MED_AMLODIPINE_5, MED_LOSARTAN_50, MED_HCTZ_25,
  MED_METFORMIN_ER, MED_ATORVASTATIN_10, MED_ATORVASTATIN_20, MED_ATORVASTATIN_40,
  MED_ALBUTEROL, MED_FLUTICASONE_INHALER, MED_FLUTICASONE_NASAL, MED_LEVOTHYROXINE_50,
  MED_SERTRALINE_50, MED_ESCITALOPRAM_10, MED_OMEPRAZOLE_20, MED_TIOTROPIUM, MED_METOPROLOL_25,
  MED_WARFARIN_5, MED_IBUPROFEN_600, MED_NITROFURANTOIN_100,
  N_MEDS,
  MED_NONE = -1,
};

typedef struct
{
  int         rx;            /* index in rxnorm[], or -1: text only */
  const char *text;          /* the product as prescribed */
  const char *sig;
  const char *plan;          /* how the plan section names it */
  guint8      frequency;
  guint8      period;
  const char *period_unit;
  gboolean    as_needed;
  guint8      dose;
  const char *dose_unit;
  const char *dose_code;     /* UCUM */
  guint16     quantity;
  const char *quantity_unit;
  const char *quantity_code;
  guint8      supply_days;
  guint8      refills;
  guint8      course_days;   /* 0: long-term */
  Route       route;
} MedDef;

static const MedDef meds[N_MEDS] = {
  [MED_LISINOPRIL_10] = { RX_LISINOPRIL_10, "Lisinopril 10 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "lisinopril 10 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_LISINOPRIL_20] = { RX_LISINOPRIL_20, "Lisinopril 20 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "lisinopril 20 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_AMLODIPINE_5] = { RX_AMLODIPINE_5, "Amlodipine 5 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "amlodipine 5 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_LOSARTAN_50] = { RX_LOSARTAN_50, "Losartan potassium 50 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "losartan 50 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_HCTZ_25] = { RX_HYDROCHLOROTHIAZIDE, "Hydrochlorothiazide 25 mg oral tablet",
    "Take 1 tablet by mouth every morning.", "hydrochlorothiazide 25 mg every morning",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_METFORMIN_ER] = { RX_METFORMIN_ER_500, "Metformin ER 500 mg 24-hour oral tablet",
    "Take 2 tablets by mouth once daily with the evening meal.", "metformin ER 1000 mg with supper",
    1, 1, "d", FALSE, 2, "tablet", "{tbl}", 180, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_ATORVASTATIN_10] = { RX_ATORVASTATIN_10, "Atorvastatin 10 mg oral tablet",
    "Take 1 tablet by mouth at bedtime.", "atorvastatin 10 mg at bedtime",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_ATORVASTATIN_20] = { RX_ATORVASTATIN_20, "Atorvastatin 20 mg oral tablet",
    "Take 1 tablet by mouth at bedtime.", "atorvastatin 20 mg at bedtime",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_ATORVASTATIN_40] = { RX_ATORVASTATIN_40, "Atorvastatin 40 mg oral tablet",
    "Take 1 tablet by mouth at bedtime.", "atorvastatin 40 mg at bedtime",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_ALBUTEROL] = { RX_ALBUTEROL_PROAIR, "ProAir HFA (albuterol 90 mcg/actuation) inhaler, 200 actuations",
    "Inhale 2 puffs every 4 to 6 hours as needed for wheezing or shortness of breath.",
    "albuterol inhaler 2 puffs as needed",
    1, 4, "h", TRUE, 2, "puff", "{puff}", 1, "inhaler", "{inhaler}", 30, 2, 0, ROUTE_INHALED },
  [MED_FLUTICASONE_INHALER] = { RX_FLUTICASONE, "Fluticasone propionate HFA 110 mcg/actuation inhaler",
    "Inhale 2 puffs twice daily. Rinse mouth after use.", "fluticasone 110 mcg 2 puffs twice daily",
    2, 1, "d", FALSE, 2, "puff", "{puff}", 1, "inhaler", "{inhaler}", 30, 5, 0, ROUTE_INHALED },
  [MED_FLUTICASONE_NASAL] = { RX_FLUTICASONE, "Fluticasone propionate 50 mcg/actuation nasal spray",
    "Use 2 sprays in each nostril once daily.", "fluticasone nasal spray daily",
    1, 1, "d", FALSE, 2, "spray", "{spray}", 1, "bottle", "{bottle}", 30, 5, 0, ROUTE_NASAL },
  [MED_LEVOTHYROXINE_50] = { -1, "Levothyroxine sodium 50 mcg oral tablet",
    "Take 1 tablet by mouth every morning on an empty stomach.", "levothyroxine 50 mcg every morning",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_SERTRALINE_50] = { RX_SERTRALINE, "Sertraline 50 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "sertraline 50 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 1, 0, ROUTE_ORAL },
  [MED_ESCITALOPRAM_10] = { RX_ESCITALOPRAM, "Escitalopram 10 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "escitalopram 10 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 1, 0, ROUTE_ORAL },
  [MED_OMEPRAZOLE_20] = { RX_OMEPRAZOLE, "Omeprazole 20 mg delayed-release oral capsule",
    "Take 1 capsule by mouth daily, 30 minutes before breakfast.", "omeprazole 20 mg before breakfast",
    1, 1, "d", FALSE, 1, "capsule", "{cap}", 90, "capsule", "{cap}", 90, 3, 0, ROUTE_ORAL },
  [MED_TIOTROPIUM] = { RX_TIOTROPIUM, "Tiotropium 18 mcg inhalation capsule with HandiHaler",
    "Inhale the contents of 1 capsule once daily.", "tiotropium 18 mcg inhaled daily",
    1, 1, "d", FALSE, 1, "capsule", "{cap}", 30, "capsule", "{cap}", 30, 5, 0, ROUTE_INHALED },
  [MED_METOPROLOL_25] = { RX_METOPROLOL, "Metoprolol succinate ER 25 mg oral tablet",
    "Take 1 tablet by mouth once daily.", "metoprolol succinate 25 mg once daily",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 3, 0, ROUTE_ORAL },
  [MED_WARFARIN_5] = { RX_WARFARIN, "Warfarin sodium 5 mg oral tablet",
    "Take 1 tablet by mouth daily in the evening, or as directed by the anticoagulation clinic.",
    "warfarin 5 mg daily, INR goal 2 to 3",
    1, 1, "d", FALSE, 1, "tablet", "{tbl}", 90, "tablet", "{tbl}", 90, 1, 0, ROUTE_ORAL },
  [MED_IBUPROFEN_600] = { RX_IBUPROFEN, "Ibuprofen 600 mg oral tablet",
    "Take 1 tablet by mouth every 8 hours as needed for pain, with food.", "ibuprofen 600 mg as needed",
    1, 8, "h", TRUE, 1, "tablet", "{tbl}", 30, "tablet", "{tbl}", 10, 0, 10, ROUTE_ORAL },
  [MED_NITROFURANTOIN_100] = { RX_NITROFURANTOIN, "Nitrofurantoin monohydrate/macrocrystals 100 mg oral capsule",
    "Take 1 capsule by mouth twice daily for 5 days.", "nitrofurantoin 100 mg twice daily for 5 days",
    2, 1, "d", FALSE, 1, "capsule", "{cap}", 10, "capsule", "{cap}", 5, 0, 5, ROUTE_ORAL },
};

typedef enum
{
  LAB_NONE,
  LAB_A1C,
  LAB_LIPID,
  LAB_CMP,
  LAB_CBC,
  LAB_TSH,
  N_LABS,
} Lab;

typedef struct
{
  int         icd;
  guint8      min_age;
  guint8      max_age;
  guint16     permille;      /* prevalence among patients of eligible age */
  guint8      group;         /* conditions of the same group exclude each other; 0: none */
  gint8       first[3];      /* one of these is prescribed (MED_NONE-padded) */
  gint8       add_on;        /* prescribed too, half of the time */
  Lab         lab;           /* monitored at follow-ups */
  const char *history;       /* subjective at a follow-up */
  const char *assessment;
  const char *plan;
} ChronicDef;

static const ChronicDef chronic[] = {
  { ICD_I10, 25, 95, 330, 0, { MED_LISINOPRIL_10, MED_AMLODIPINE_5, MED_LOSARTAN_50 }, MED_HCTZ_25, LAB_CMP,
    "Home blood pressure readings mostly in the 120s to 130s systolic. No headaches or chest pain.",
    "blood pressure near goal on current therapy", "Low-salt diet, home readings twice a week." },
  { ICD_E11_9, 30, 95, 100, 1, { MED_METFORMIN_ER, MED_NONE, MED_NONE }, MED_NONE, LAB_A1C,
    "Fasting glucose at home mostly 110 to 150. No hypoglycemia, no numbness in the feet.",
    "glycemic control fair", "Annual eye and foot exams; foot exam normal today." },
  { ICD_E11_65, 30, 95, 30, 1, { MED_METFORMIN_ER, MED_NONE, MED_NONE }, MED_NONE, LAB_A1C,
    "Glucose readings often above 200 after meals. Admits to frequent sweet drinks.",
    "hyperglycemia, A1c above goal", "Diabetes education referral, reduce sugary drinks." },
  { ICD_E78_5, 30, 95, 200, 2, { MED_ATORVASTATIN_20, MED_ATORVASTATIN_40, MED_NONE }, MED_NONE, LAB_LIPID,
    "Taking the statin nightly. No muscle aches.",
    "LDL improving on statin", "Heart-healthy diet." },
  { ICD_E78_00, 30, 95, 60, 2, { MED_ATORVASTATIN_10, MED_NONE, MED_NONE }, MED_NONE, LAB_LIPID,
    "Tolerating the statin well.", "stable on low-dose statin", "Recheck lipids yearly." },
  { ICD_J45_909, 4, 95, 80, 0, { MED_ALBUTEROL, MED_NONE, MED_NONE }, MED_FLUTICASONE_INHALER, LAB_NONE,
    "Uses the rescue inhaler about twice a week. No night-time awakenings.",
    "mild persistent, reasonably controlled", "Reviewed inhaler technique and asthma action plan." },
  { ICD_E03_9, 20, 95, 50, 0, { MED_LEVOTHYROXINE_50, MED_NONE, MED_NONE }, MED_NONE, LAB_TSH,
    "Energy improved. No palpitations or heat intolerance.",
    "clinically euthyroid on replacement", "Take levothyroxine apart from calcium and iron." },
  { ICD_F41_1, 12, 95, 60, 0, { MED_SERTRALINE_50, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Worry is more manageable, sleeping better. GAD-7 lower than last visit.",
    "improving on SSRI", "Continue counseling every two weeks." },
  { ICD_F32_9, 12, 95, 60, 3, { MED_ESCITALOPRAM_10, MED_SERTRALINE_50, MED_NONE }, MED_NONE, LAB_NONE,
    "Mood better, PHQ-9 down from last visit. Denies thoughts of self-harm.",
    "responding to treatment", "Safety plan reviewed; crisis line number given." },
  { ICD_K21_9, 18, 95, 100, 0, { MED_OMEPRAZOLE_20, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Heartburn controlled. No trouble swallowing, no weight loss.",
    "symptoms controlled", "Avoid late meals; try stepping down the dose in 3 months." },
  { ICD_E66_9, 18, 95, 120, 0, { MED_NONE, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Walking 30 minutes most days, cutting back on snacks.",
    "weight stable", "Nutrition referral; goal 5 percent weight loss over 6 months." },
  { ICD_J30_9, 4, 95, 100, 0, { MED_FLUTICASONE_NASAL, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Seasonal sneezing and congestion, controlled with the nasal spray.",
    "controlled", "Saline rinses as needed." },
  { ICD_G47_33, 30, 95, 40, 0, { MED_NONE, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Using CPAP most nights. Less daytime sleepiness.",
    "improved with CPAP", "Continue CPAP nightly." },
  { ICD_J44_9, 50, 95, 50, 4, { MED_TIOTROPIUM, MED_NONE, MED_NONE }, MED_ALBUTEROL, LAB_NONE,
    "Stable shortness of breath on hills. No exacerbation since last visit.",
    "stable", "Smoking cessation counseling; pneumococcal vaccine up to date." },
  { ICD_I48_91, 55, 95, 40, 0, { MED_METOPROLOL_25, MED_NONE, MED_NONE }, MED_WARFARIN_5, LAB_CBC,
    "No palpitations, dizziness or bleeding.",
    "rate controlled", "INR checks at the anticoagulation clinic." },
  { ICD_M17_11, 50, 95, 60, 0, { MED_NONE, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Right knee aches with stairs, better with rest. No locking or giving way.",
    "stable", "Physical therapy exercises; ice after activity." },
  { ICD_E55_9, 18, 95, 50, 0, { MED_NONE, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Taking vitamin D3 2000 units daily.",
    "on supplementation", "Continue vitamin D3 2000 units daily." },
  { ICD_G43_909, 12, 65, 50, 0, { MED_NONE, MED_NONE, MED_NONE }, MED_NONE, LAB_NONE,
    "Two or three headaches a month, relieved by rest in a dark room.",
    "episodic, stable", "Headache diary; limit analgesics to 2 days a week." },
};

typedef struct
{
  int         icd;
  gint8       med;
  const char *reason;        /* Encounter.reasonCode text */
  const char *history;
  const char *exam;
  const char *assessment;
  const char *plan;
} AcuteDef;

static const AcuteDef acute[] = {
  { ICD_J06_9, MED_NONE, "Sore throat and cough",
    "Three days of sore throat, nasal congestion and dry cough. No fever at home, no sick contacts with flu.",
    "Pharynx mildly red without exudate. No cervical lymphadenopathy. Lungs clear.",
    "viral upper respiratory infection", "Fluids, rest, saline spray. Return if fever or symptoms beyond 10 days." },
  { ICD_N39_0, MED_NITROFURANTOIN_100, "Painful urination",
    "Two days of burning with urination and urinary frequency. No fever, flank pain or vaginal discharge.",
    "No costovertebral angle tenderness. Abdomen soft, mild suprapubic tenderness.",
    "uncomplicated cystitis", "Increase fluids. Return if fever or flank pain." },
  { ICD_M54_50, MED_IBUPROFEN_600, "Low back pain",
    "Low back pain for one week after lifting boxes. No numbness, weakness, or bladder symptoms.",
    "Paraspinal tenderness L4 to S1. Straight leg raise negative. Strength and reflexes normal.",
    "mechanical low back pain", "Stay active, heat, gentle stretching. Return if weakness or numbness." },
};

typedef struct
{
  int         rx;            /* index in rxnorm[], or -1: text only */
  const char *text;
  const char *category;
  guint8      permille;
  int         reaction[2];   /* indexes in snomed[] */
  const char *reaction_text[2];
} AllergyDef;

static const AllergyDef allergies[] = {
  { RX_PENICILLIN_V, "Penicillin", "medication", 100, { SCT_WHEAL, SCT_ANAPHYLAXIS }, { "Hives", "Anaphylaxis" } },
  { RX_SULFAMETHOXAZOLE_TRIMETHOPRIM, "Sulfonamide antibiotics", "medication", 50,
    { SCT_ERUPTION, SCT_ITCHING }, { "Rash", "Itching" } },
  { RX_ASPIRIN, "Aspirin", "medication", 20, { SCT_ANGIOEDEMA, SCT_WHEAL }, { "Lip swelling", "Hives" } },
  { RX_CEPHALEXIN, "Cephalexin", "medication", 20, { SCT_ERUPTION, SCT_ITCHING }, { "Rash", "Itching" } },
  { -1, "Peanut", "food", 30, { SCT_ANAPHYLAXIS, SCT_ANGIOEDEMA }, { "Throat tightness", "Swelling of the lips" } },
  { -1, "Shellfish", "food", 25, { SCT_WHEAL, SCT_ABDOMINAL_PAIN }, { "Hives", "Stomach cramps" } },
  { -1, "Latex", "environment", 20, { SCT_ITCHING, SCT_WHEAL }, { "Itching", "Hives" } },
  { -1, "Bee venom", "environment", 15, { SCT_ANGIOEDEMA, SCT_DYSPNEA }, { "Swelling", "Shortness of breath" } },
};

/* Lab analytes. Values in hundredths; a generated value is a multiple of @step. */
typedef struct
{
  int         loinc;
  const char *unit;
  const char *ucum;
  int         low;           /* reference range, -1: none */
  int         high;
  int         step;
} Analyte;

enum
{
  A_A1C, A_CHOLESTEROL, A_TRIGLYCERIDE, A_HDL, A_LDL, A_GLUCOSE, A_BUN, A_CREATININE, A_SODIUM,
  A_POTASSIUM, A_WBC, A_HEMOGLOBIN, A_HEMATOCRIT, A_PLATELETS, A_TSH,
};

static const Analyte analytes[] = {
  [A_A1C] = { L_A1C, "%", "%", 400, 560, 50 },
  [A_CHOLESTEROL] = { L_CHOLESTEROL, "mg/dL", "mg/dL", -1, 19900, 100 },
  [A_TRIGLYCERIDE] = { L_TRIGLYCERIDE, "mg/dL", "mg/dL", -1, 14900, 100 },
  [A_HDL] = { L_HDL, "mg/dL", "mg/dL", 4000, -1, 100 },
  [A_LDL] = { L_LDL, "mg/dL", "mg/dL", -1, 9900, 100 },
  [A_GLUCOSE] = { L_GLUCOSE, "mg/dL", "mg/dL", 7000, 9900, 100 },
  [A_BUN] = { L_BUN, "mg/dL", "mg/dL", 700, 2000, 100 },
  [A_CREATININE] = { L_CREATININE, "mg/dL", "mg/dL", 60, 130, 25 },
  [A_SODIUM] = { L_SODIUM, "mmol/L", "mmol/L", 13600, 14500, 100 },
  [A_POTASSIUM] = { L_POTASSIUM, "mmol/L", "mmol/L", 350, 500, 25 },
  [A_WBC] = { L_WBC, "10*3/uL", "10*3/uL", 450, 1100, 50 },
  [A_HEMOGLOBIN] = { L_HEMOGLOBIN, "g/dL", "g/dL", 1200, 1750, 50 },
  [A_HEMATOCRIT] = { L_HEMATOCRIT, "%", "%", 3600, 5000, 100 },
  [A_PLATELETS] = { L_PLATELETS, "10*3/uL", "10*3/uL", 15000, 40000, 100 },
  [A_TSH] = { L_TSH, "mIU/L", "m[IU]/L", 40, 400, 25 },
};

typedef struct
{
  int         loinc;         /* the order and the report */
  const char *name;          /* as the plan names it */
  guint8      n;
  guint8      analyte[5];
} PanelDef;

static const PanelDef panels[N_LABS] = {
  [LAB_A1C] = { L_A1C, "hemoglobin A1c", 1, { A_A1C } },
  [LAB_LIPID] = { L_LIPID_PANEL, "lipid panel", 4, { A_CHOLESTEROL, A_TRIGLYCERIDE, A_HDL, A_LDL } },
  [LAB_CMP] = { L_CMP, "comprehensive metabolic panel", 5,
                { A_GLUCOSE, A_BUN, A_CREATININE, A_SODIUM, A_POTASSIUM } },
  [LAB_CBC] = { L_CBC, "CBC", 4, { A_WBC, A_HEMOGLOBIN, A_HEMATOCRIT, A_PLATELETS } },
  [LAB_TSH] = { L_TSH, "TSH", 1, { A_TSH } },
};

/* ------------------------------------------------------------------------------------------ */
/* People and places (all made up) */

static const char * const given_female[] = {
  "Zoë", "Maria", "Aisha", "Mei", "Sofia", "Chloé", "Ingrid", "Priya", "Fatima", "Olivia",
  "Emma", "Linh", "Ana", "Renée", "Siobhán", "Yuki", "Amara", "Grace", "Hannah", "Léa",
  "Lucía", "Noor", "Ava", "Camila", "Ximena", "Elena", "Margaret", "Dorothy", "Keiko",
  "Ngozi", "Anne-Marie", "Mary-Beth", "Astrid", "Björk", "Thảo", "Ayşe", "Małgorzata",
  "Rosa", "Evelyn", "Abigail", "Naomi", "Isabella", "Harper", "Joan", "Patricia", "Leilani",
};

static const char * const given_male[] = {
  "José", "Søren", "James", "Mohammed", "Wei", "Raj", "Liam", "Noah", "Jürgen", "François",
  "Andrés", "Darnell", "Kwame", "Hiroshi", "Minh", "Ethan", "Mateo", "Oleksandr", "Seán",
  "Björn", "Ahmed", "David", "Robert", "William", "Thomas", "Jean-Luc", "Luis", "Diego",
  "Tomás", "Arjun", "Chinedu", "Håkon", "Zoltán", "Łukasz", "Kenji", "Samuel", "George",
  "Michael", "Omar", "Elijah", "Joaquín", "Dmitri", "Kai", "Benjamin", "Charles",
};

static const char * const families[] = {
  "Müller", "Nguyễn", "O'Brien", "García", "Rodríguez", "Martínez", "Hernández", "López",
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
  "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
  "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker",
  "Kim", "Patel", "Chen", "Wang", "Okafor", "Kowalski", "Schröder", "Søndergaard",
  "Andersson", "Dubois", "Lefèvre", "Rossi", "Papadopoulos", "Cohen", "Yamamoto", "Tanaka",
  "Haddad", "Khan", "Mensah", "Gómez", "Díaz", "Gutiérrez", "Reyes", "Cruz", "Morales",
  "Ortiz", "Rivera", "Murphy", "Kelly", "Sullivan", "MacDonald", "McAllister", "D'Angelo",
  "Nowak", "Jensen", "Østergaard", "Lindqvist", "Novák", "Horváth", "Petrović", "Yılmaz",
  "Öztürk", "Trần", "Lê", "Phạm", "Park", "Choi", "Singh", "Sharma", "Gupta", "Abebe",
  "Adeyemi", "Smith-Jones", "García-López", "Bauer", "Fischer", "Weiß", "Brennan", "Fitzgerald",
};

static const char * const streets[] = {
  "Maple Street", "Oak Avenue", "Cedar Lane", "Elm Street", "Willow Way", "Birch Road",
  "Lakeview Drive", "Hillcrest Avenue", "Juniper Court", "Sycamore Street", "River Road",
  "Orchard Lane", "Meadow Drive", "Chestnut Street", "Harbor View Road", "Pine Ridge Road",
};

static const struct { const char *city, *state, *zip; } towns[] = {
  { "Springfield", "IL", "62704" }, { "Madison", "WI", "53703" }, { "Burlington", "VT", "05401" },
  { "Ann Arbor", "MI", "48104" }, { "Asheville", "NC", "28801" }, { "Santa Fe", "NM", "87501" },
  { "Eugene", "OR", "97401" }, { "Boulder", "CO", "80302" }, { "Ithaca", "NY", "14850" },
};

typedef struct
{
  const char *given;
  const char *family;
  const char *gender;
  const char *credential;    /* MD or NP */
} PractitionerDef;

static const PractitionerDef practitioners[] = {
  { "Amelia", "Hartmann", "female", "MD" },
  { "Rafael", "Domínguez", "male", "MD" },
  { "Grace", "Okonkwo", "female", "MD" },
  { "Henrik", "Lindqvist", "male", "MD" },
  { "Priya", "Raman", "female", "NP" },
  { "Daniel", "Cho", "male", "NP" },
};

typedef enum
{
  PAYER_MEDICARE,
  PAYER_MEDICAID,
  PAYER_BLUESTONE,
  PAYER_CRESCENT,
  PAYER_HARBORVIEW,
  N_PAYERS,
} Payer;

static const struct { const char *name, *type_code, *type_display, *plan; } payers[N_PAYERS] = {
  [PAYER_MEDICARE] = { "Medicare", "govt", "Government", "Medicare Part B" },
  [PAYER_MEDICAID] = { "Medicaid", "govt", "Government", "Medicaid" },
  [PAYER_BLUESTONE] = { "Bluestone Health Plan", "ins", "Insurance Company", "Bluestone PPO" },
  [PAYER_CRESCENT] = { "Crescent Mutual Insurance", "ins", "Insurance Company", "Crescent HMO" },
  [PAYER_HARBORVIEW] = { "Harborview Health Insurance", "ins", "Insurance Company", "Harborview Choice PPO" },
};

#define PRACTICE_NAME "Maple Grove Family Medicine"
#define LAB_NAME      "Northgate Clinical Laboratories"

/* ------------------------------------------------------------------------------------------ */
/* The generator */

#define ID_LEN   36
#define MAX_CONDITIONS 6
#define MAX_ENCOUNTERS 8
#define MAX_MEDS 10

typedef enum
{
  VISIT_ANNUAL,
  VISIT_FOLLOW_UP,
  VISIT_ACUTE,
} VisitKind;

typedef struct
{
  guint64 s[4];
} Rng;

typedef struct
{
  Rng             rng;
  HcResourceSink  sink;
  gpointer        sink_data;
  int             today;            /* days since 1970-01-01 */
  gint64          id_ms;            /* UUIDv7 timestamp of the next id */
  guint           mrn_base;
  char            practice_id[ID_LEN + 1];
  char            lab_id[ID_LEN + 1];
  char            payer_id[N_PAYERS][ID_LEN + 1];
  char            practitioner_id[G_N_ELEMENTS (practitioners)][ID_LEN + 1];
  char            practitioner_name[G_N_ELEMENTS (practitioners)][64];
  /* Sealed subtrees shared by many resources (json-glib nodes are reference counted): most of
   * the cost of generating is allocating json-glib nodes, and codes, categories and references
   * repeat in every resource. Sealing makes a sink that tries to modify one fail loudly. */
  JsonObject     *practice_ref;
  JsonObject     *lab_ref;
  JsonObject     *practitioner_ref[G_N_ELEMENTS (practitioners)];
  JsonObject     *loinc_concept[G_N_ELEMENTS (loinc)];
  JsonObject     *med_concept[N_MEDS];
  JsonArray      *vital_signs_category;
  JsonArray      *laboratory_category;
} Gen;

typedef struct
{
  gboolean  is_acute;
  int       def;                    /* index in chronic[] or acute[] */
  int       onset;                  /* days */
  char      id[ID_LEN + 1];
} PlanCondition;

typedef struct
{
  VisitKind kind;
  int       day;
  int       minute;                 /* local minutes after midnight */
  int       length;                 /* minutes */
  int       acute;                  /* index in conditions, or -1 */
  guint     practitioner;
} PlanEncounter;

typedef struct
{
  int       med;
  int       condition;              /* index in conditions */
} PlanMed;

typedef struct
{
  char          id[ID_LEN + 1];
  char          name[128];          /* "Given Family" for reference displays */
  JsonObject   *subject;            /* shared reference to the patient */
  gboolean      female;
  int           birth;
  guint         practitioner;
  PlanCondition conditions[MAX_CONDITIONS];
  guint         n_conditions;
  PlanEncounter encounters[MAX_ENCOUNTERS];
  guint         n_encounters;
  PlanMed       meds[MAX_MEDS];
  guint         n_meds;
  /* vital sign baselines */
  int           adult_height;       /* hundredths of cm */
  int           bmi;                /* hundredths */
  int           bmi_drift;          /* hundredths per year */
  int           systolic;
  int           diastolic;
  int           pulse;
  int           spo2;
  int           last_height;
} PatientPlan;

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
rng_seed (Rng     *r,
          guint64  seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&seed);
}

/* xoshiro256** */
static guint64
rng_next (Rng *r)
{
  guint64 *s = r->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, n) */
static guint
rng_below (Rng   *r,
           guint  n)
{
  return (guint) (((rng_next (r) >> 32) * (guint64) n) >> 32);
}

/* Uniform in [lo, hi] */
static int
rng_range (Rng *r,
           int  lo,
           int  hi)
{
  if (hi <= lo)
    return lo;
  return lo + (int) rng_below (r, (guint) (hi - lo + 1));
}

static gboolean
rng_chance (Rng *r,
            int  permille)
{
  return (int) rng_below (r, 1000) < permille;
}

/* Roughly normal, mean 0, in units of @sd, from the sum of four uniforms: no libm, so the
 * same on every machine. */
static int
rng_spread (Rng *r,
            int  sd)
{
  int sum = 0;

  for (int i = 0; i < 4; i++)
    sum += (int) rng_below (r, 1001);
  /* sum has mean 2000 and standard deviation ~577 */
  return (sum - 2000) * sd / 577;
}

static guint
rng_weighted (Rng          *r,
              const guint8 *weights,
              guint         n)
{
  guint total = 0, pick;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  pick = rng_below (r, total);
  for (guint i = 0; i < n; i++)
    {
      if (pick < weights[i])
        return i;
      pick -= weights[i];
    }
  return n - 1;
}

#define PICK(r, array) ((array)[rng_below ((r), G_N_ELEMENTS (array))])

static int
round_to (int value,
          int step)
{
  int q = (value >= 0 ? value + step / 2 : value - step / 2) / step;
  return q * step;
}

/* --- dates (proleptic Gregorian, days since 1970-01-01) --- */

static int
days_from_civil (int y,
                 int m,
                 int d)
{
  int era;
  unsigned yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned) (y - era * 400);
  doy = (unsigned) ((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int) doe - 719468;
}

static void
civil_from_days (int  z,
                 int *y,
                 int *m,
                 int *d)
{
  int era;
  unsigned doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int) (doy - (153 * mp + 2) / 5 + 1);
  *m = (int) (mp < 10 ? mp + 3 : mp - 9);
  *y = (int) yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday */
static int
weekday (int days)
{
  return ((days % 7) + 7 + 4) % 7;
}

static int
nth_sunday (int y,
            int m,
            int n)
{
  int first = days_from_civil (y, m, 1);
  return first + (7 - weekday (first)) % 7 + 7 * (n - 1);
}

/* US Eastern offset in minutes for a local day: DST from the second Sunday of March to the
 * first Sunday of November. */
static int
utc_offset (int days)
{
  int y, m, d;

  civil_from_days (days, &y, &m, &d);
  if (days >= nth_sunday (y, 3, 2) && days < nth_sunday (y, 11, 1))
    return -4 * 60;
  return -5 * 60;
}

static int
age_at (int birth,
        int day)
{
  int by, bm, bd, y, m, d;

  civil_from_days (birth, &by, &bm, &bd);
  civil_from_days (day, &y, &m, &d);
  return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

/* Moves a weekend day to the Friday before or the Monday after, never past @limit. */
static int
weekday_on_or_near (int day,
                    int limit)
{
  int wd = weekday (day);

  if (wd == 6)
    return day - 1;
  if (wd == 0)
    return day + 1 <= limit ? day + 1 : day - 2;
  return day;
}

static void
put_digits (char *p,
            int   value,
            int   n)
{
  for (int i = n - 1; i >= 0; i--)
    {
      p[i] = (char) ('0' + value % 10);
      value /= 10;
    }
}

/* YYYY-MM-DD */
static void
format_date (char out[11],
             int  days)
{
  int y, m, d;

  civil_from_days (days, &y, &m, &d);
  put_digits (out, y, 4);
  out[4] = '-';
  put_digits (out + 5, m, 2);
  out[7] = '-';
  put_digits (out + 8, d, 2);
  out[10] = '\0';
}

/* YYYY-MM-DDThh:mm:00-05:00, local time with its offset; @minute may pass midnight */
static void
format_datetime (char out[26],
                 int  days,
                 int  minute)
{
  int offset;

  days += minute / (24 * 60);
  minute %= 24 * 60;
  offset = utc_offset (days);
  format_date (out, days);
  out[10] = 'T';
  put_digits (out + 11, minute / 60, 2);
  out[13] = ':';
  put_digits (out + 14, minute % 60, 2);
  memcpy (out + 16, ":00", 3);
  out[19] = offset < 0 ? '-' : '+';
  offset = ABS (offset);
  put_digits (out + 20, offset / 60, 2);
  out[22] = ':';
  put_digits (out + 23, offset % 60, 2);
  out[25] = '\0';
}

static gboolean
parse_date (const char *text,
            int        *days)
{
  int y, m, d;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  y = atoi (text);
  m = atoi (text + 5);
  d = atoi (text + 8);
  if (y < 1900 || y > 9000 || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  *days = days_from_civil (y, m, d);
  return TRUE;
}

/* --- ids --- */

static void
new_id (Gen  *g,
        char  out[ID_LEN + 1])
{
  static const char hex[] = "0123456789abcdef";
  guint8 b[16];
  guint64 ms = (guint64) g->id_ms++;
  guint64 r1 = rng_next (&g->rng);
  guint64 r2 = rng_next (&g->rng);
  char *p = out;

  for (int i = 0; i < 6; i++)
    b[i] = (guint8) (ms >> (8 * (5 - i)));
  b[6] = (guint8) (0x70 | (r1 & 0x0f));
  b[7] = (guint8) (r1 >> 8);
  b[8] = (guint8) (0x80 | ((r1 >> 16) & 0x3f));
  for (int i = 9; i < 16; i++)
    b[i] = (guint8) (r2 >> (8 * (i - 9)));
  for (int i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *p++ = '-';
      *p++ = hex[b[i] >> 4];
      *p++ = hex[b[i] & 0x0f];
    }
  *p = '\0';
}

/* --- JSON building --- */

static JsonObject *
add_object (JsonObject *parent,
            const char *member)
{
  JsonObject *child = json_object_new ();

  json_object_set_object_member (parent, member, child);
  return child;
}

static JsonArray *
add_array (JsonObject *parent,
           const char *member)
{
  JsonArray *array = json_array_new ();

  json_object_set_array_member (parent, member, array);
  return array;
}

static JsonObject *
append_object (JsonArray *array)
{
  JsonObject *child = json_object_new ();

  json_array_add_object_element (array, child);
  return child;
}

static void
set_string (JsonObject *object,
            const char *member,
            const char *value)
{
  json_object_set_string_member (object, member, value);
}

static JsonObject *
new_resource (Gen        *g,
              const char *type,
              char        id[ID_LEN + 1])
{
  JsonObject *resource = json_object_new ();

  new_id (g, id);
  set_string (resource, "resourceType", type);
  set_string (resource, "id", id);
  return resource;
}

static void
set_concept (JsonObject *object,
             const char *member,
             const char *system,
             const char *code,
             const char *display,
             const char *text)
{
  json_object_set_object_member (object, member, hc_fhir_concept_new (system, code, display, text));
}

static void
set_concept_array (JsonObject *object,
                   const char *member,
                   const char *system,
                   const char *code,
                   const char *display,
                   const char *text)
{
  json_array_add_object_element (add_array (object, member),
                                 hc_fhir_concept_new (system, code, display, text));
}

static JsonObject *
new_table_concept (const char *system,
                   const Code *table,
                   int         index,
                   const char *text)
{
  if (index < 0)
    return hc_fhir_concept_new (NULL, NULL, NULL, text);
  return hc_fhir_concept_new (system, table[index].code, table[index].display, text);
}

static void
set_reference (JsonObject *object,
               const char *member,
               const char *type,
               const char *id,
               const char *display)
{
  json_object_set_object_member (object, member, hc_fhir_reference_new (type, id, display));
}

static JsonObject *
new_quantity (int         hundredths,
              const char *unit,
              const char *ucum)
{
  /* multiples of 0.25 are exact in binary and print without noise */
  g_assert (hundredths % 25 == 0);
  return hc_fhir_quantity_new (hundredths / 100.0, unit, ucum);
}

static void
set_period (JsonObject *object,
            const char *member,
            const char *start,
            const char *end)
{
  JsonObject *period = add_object (object, member);

  set_string (period, "start", start);
  if (end != NULL)
    set_string (period, "end", end);
}

static void
set_narrative (JsonObject *object,
               const char *xhtml_body)
{
  JsonObject *text = add_object (object, "text");
  g_autofree char *div = g_strconcat ("<div xmlns=\"http://www.w3.org/1999/xhtml\">", xhtml_body,
                                      "</div>", NULL);

  set_string (text, "status", "generated");
  set_string (text, "div", div);
}

static JsonObject *
sealed (JsonObject *object)
{
  json_object_seal (object);
  return object;
}

static void
set_shared (JsonObject *parent,
            const char *member,
            JsonObject *shared)
{
  json_object_set_object_member (parent, member, json_object_ref (shared));
}

static void
append_shared (JsonArray  *array,
               JsonObject *shared)
{
  json_array_add_object_element (array, json_object_ref (shared));
}

static JsonObject *
loinc_concept (Gen *g,
               int  code)
{
  if (g->loinc_concept[code] == NULL)
    {
      JsonObject *concept = new_table_concept (SYSTEM_LOINC, loinc, code, loinc[code].display);

      /* the vital-signs profile wants 2708-6; the pulse oximetry code says how it was taken */
      if (code == L_SPO2)
        json_array_add_object_element (json_object_get_array_member (concept, "coding"),
                                       hc_fhir_coding_new (SYSTEM_LOINC, loinc[L_SPO2_PULSE_OX].code,
                                                   loinc[L_SPO2_PULSE_OX].display));
      g->loinc_concept[code] = sealed (concept);
    }
  return g->loinc_concept[code];
}

static JsonArray *
new_category (const char *code,
              const char *display)
{
  JsonArray *category = json_array_new ();

  json_array_add_object_element (category, hc_fhir_concept_new (SYSTEM_OBSCAT, code, display, NULL));
  json_array_seal (category);
  return category;
}

static void
gen_free (Gen *g)
{
  g_clear_pointer (&g->practice_ref, json_object_unref);
  g_clear_pointer (&g->lab_ref, json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (g->practitioner_ref); i++)
    g_clear_pointer (&g->practitioner_ref[i], json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (g->loinc_concept); i++)
    g_clear_pointer (&g->loinc_concept[i], json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (g->med_concept); i++)
    g_clear_pointer (&g->med_concept[i], json_object_unref);
  g_clear_pointer (&g->vital_signs_category, json_array_unref);
  g_clear_pointer (&g->laboratory_category, json_array_unref);
  g_free (g);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gen, gen_free)

static gboolean
emit (Gen         *g,
      JsonObject  *resource,
      GError     **error)
{
  GError *local_error = NULL;
  gboolean ok = g->sink (resource, g->sink_data, &local_error);

  json_object_unref (resource);
  if (!ok)
    {
      if (local_error == NULL)
        local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           "the demo data sink refused a resource");
      g_propagate_error (error, local_error);
    }
  else
    g_clear_error (&local_error);
  return ok;
}

/* --- the practice --- */

/* A made-up 10-digit NPI with a valid check digit (Luhn over the 80840 prefix) */
static void
new_npi (Gen  *g,
         char  out[11])
{
  int digits[9];
  int sum = 24;  /* the 80840 prefix's contribution */

  digits[0] = 1;
  for (int i = 1; i < 9; i++)
    digits[i] = (int) rng_below (&g->rng, 10);
  for (int i = 0; i < 9; i++)
    {
      int v = digits[8 - i];
      if (i % 2 == 0)
        {
          v *= 2;
          if (v > 9)
            v -= 9;
        }
      sum += v;
    }
  for (int i = 0; i < 9; i++)
    out[i] = (char) ('0' + digits[i]);
  out[9] = (char) ('0' + (10 - sum % 10) % 10);
  out[10] = '\0';
}

static void
add_phone (JsonObject *object,
           Gen        *g,
           const char *use)
{
  JsonObject *telecom = append_object (add_array (object, "telecom"));
  char phone[16];

  /* (555) 01x-xxxx: never a real number */
  g_snprintf (phone, sizeof phone, "(555) 01%u-%04u", rng_below (&g->rng, 10),
              rng_below (&g->rng, 10000));
  set_string (telecom, "system", "phone");
  set_string (telecom, "value", phone);
  set_string (telecom, "use", use);
}

static void
add_address (JsonObject *object,
             Gen        *g,
             const char *use)
{
  JsonObject *address = append_object (add_array (object, "address"));
  guint town = rng_below (&g->rng, G_N_ELEMENTS (towns));
  char line[64];

  g_snprintf (line, sizeof line, "%u %s", 10 + rng_below (&g->rng, 4990), PICK (&g->rng, streets));
  set_string (address, "use", use);
  set_string (address, "type", "physical");
  json_array_add_string_element (add_array (address, "line"), line);
  set_string (address, "city", towns[town].city);
  set_string (address, "state", towns[town].state);
  set_string (address, "postalCode", towns[town].zip);
  set_string (address, "country", "US");
}

static gboolean
emit_organization (Gen         *g,
                   char         id[ID_LEN + 1],
                   const char  *name,
                   const char  *type_code,
                   const char  *type_display,
                   gboolean     provider,
                   GError     **error)
{
  JsonObject *org = new_resource (g, "Organization", id);

  if (provider)
    {
      JsonObject *identifier = append_object (add_array (org, "identifier"));
      char npi[11];

      new_npi (g, npi);
      set_string (identifier, "system", SYSTEM_NPI);
      set_string (identifier, "value", npi);
    }
  json_object_set_boolean_member (org, "active", TRUE);
  set_concept_array (org, "type", "http://terminology.hl7.org/CodeSystem/organization-type",
                     type_code, type_display, NULL);
  set_string (org, "name", name);
  add_phone (org, g, "work");
  add_address (org, g, "work");
  return emit (g, org, error);
}

static gboolean
emit_practice (Gen     *g,
               GError **error)
{
  if (!emit_organization (g, g->practice_id, PRACTICE_NAME, "prov", "Healthcare Provider", TRUE,
                          error) ||
      !emit_organization (g, g->lab_id, LAB_NAME, "prov", "Healthcare Provider", TRUE, error))
    return FALSE;
  g->practice_ref = sealed (hc_fhir_reference_new ("Organization", g->practice_id, PRACTICE_NAME));
  g->lab_ref = sealed (hc_fhir_reference_new ("Organization", g->lab_id, LAB_NAME));
  for (guint i = 0; i < N_PAYERS; i++)
    if (!emit_organization (g, g->payer_id[i], payers[i].name, payers[i].type_code,
                            payers[i].type_display, FALSE, error))
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (practitioners); i++)
    {
      const PractitionerDef *def = &practitioners[i];
      JsonObject *pr = new_resource (g, "Practitioner", g->practitioner_id[i]);
      JsonObject *identifier = append_object (add_array (pr, "identifier"));
      JsonObject *name = append_object (add_array (pr, "name"));
      JsonObject *qualification = append_object (add_array (pr, "qualification"));
      gboolean md = strcmp (def->credential, "MD") == 0;
      char npi[11];

      g_snprintf (g->practitioner_name[i], sizeof g->practitioner_name[i], "%s%s %s, %s",
                  md ? "Dr. " : "", def->given, def->family, def->credential);
      g->practitioner_ref[i] = sealed (hc_fhir_reference_new ("Practitioner", g->practitioner_id[i],
                                                      g->practitioner_name[i]));
      new_npi (g, npi);
      set_string (identifier, "system", SYSTEM_NPI);
      set_string (identifier, "value", npi);
      json_object_set_boolean_member (pr, "active", TRUE);
      set_string (name, "use", "official");
      set_string (name, "family", def->family);
      json_array_add_string_element (add_array (name, "given"), def->given);
      if (md)
        json_array_add_string_element (add_array (name, "prefix"), "Dr.");
      json_array_add_string_element (add_array (name, "suffix"), def->credential);
      add_phone (pr, g, "work");
      set_string (pr, "gender", def->gender);
      json_object_set_object_member (qualification, "code",
                                     hc_fhir_concept_new (NULL, NULL, NULL,
                                                  md ? "Doctor of Medicine" : "Nurse Practitioner"));
      if (!emit (g, pr, error))
        return FALSE;
    }
  return TRUE;
}

/* --- planning a patient --- */

static const guint8 age_bucket_weights[] = { 5, 10, 20, 20, 22, 17, 6 };
static const int age_bucket_lo[] = { 0, 5, 18, 35, 50, 65, 80 };
static const int age_bucket_hi[] = { 4, 17, 34, 49, 64, 79, 95 };
static const guint8 encounter_weights[] = { 26, 24, 17, 12, 9, 6, 4, 2 };

static gboolean
has_chronic (const PatientPlan *p,
             int                icd)
{
  for (guint i = 0; i < p->n_conditions; i++)
    if (!p->conditions[i].is_acute && chronic[p->conditions[i].def].icd == icd)
      return TRUE;
  return FALSE;
}

static void
add_med (PatientPlan *p,
         int          med,
         int          condition)
{
  if (med == MED_NONE || p->n_meds >= MAX_MEDS)
    return;
  for (guint i = 0; i < p->n_meds; i++)
    if (p->meds[i].med == med)
      return;
  p->meds[p->n_meds].med = med;
  p->meds[p->n_meds].condition = condition;
  p->n_meds++;
}

static int
compare_encounters (const void *a,
                    const void *b)
{
  const PlanEncounter *ea = a, *eb = b;

  if (ea->day != eb->day)
    return ea->day < eb->day ? -1 : 1;
  return ea->minute < eb->minute ? -1 : ea->minute > eb->minute;
}

static int
adult_height_range (gboolean female,
                    Rng     *r)
{
  /* hundredths of cm, rounded to 0.5 cm */
  return round_to ((female ? 16250 : 17600) + rng_spread (r, 700), 50);
}

/* Height in hundredths of cm at @age_days, a rough growth curve towards the adult height */
static int
height_at (const PatientPlan *p,
           int                day)
{
  int days = day - p->birth;
  int years = days / 365;
  int cm;

  if (years >= 18)
    return p->adult_height;
  if (days < 365)
    cm = 5000 + days * 2500 / 365;
  else if (days < 730)
    cm = 7500 + (days - 365) * 1200 / 365;
  else
    cm = 8700 + (days - 730) * 650 / 365;
  cm = cm * p->adult_height / (p->female ? 16250 : 17600);
  return round_to (MIN (cm, p->adult_height), 50);
}

static void
plan_patient (Gen         *g,
              PatientPlan *p)
{
  Rng *r = &g->rng;
  int age = 0;
  guint bucket = rng_weighted (r, age_bucket_weights, G_N_ELEMENTS (age_bucket_weights));
  int span, n_encounters, chronic_count = 0;

  memset (p, 0, sizeof *p);
  age = rng_range (r, age_bucket_lo[bucket], age_bucket_hi[bucket]);
  p->birth = g->today - age * 365 - age / 4 - rng_range (r, 3, 360);
  p->female = rng_below (r, 100) < 51;
  p->practitioner = rng_below (r, G_N_ELEMENTS (practitioners));

  /* chronic conditions by prevalence, at most five so that an acute visit still fits */
  for (guint i = 0; i < G_N_ELEMENTS (chronic) && chronic_count < 5; i++)
    {
      const ChronicDef *def = &chronic[i];
      PlanCondition *c;
      int earliest, latest;
      gboolean excluded = FALSE;

      if (age < def->min_age || age > def->max_age)
        continue;
      /* prevalence rises with age for the conditions of later life */
      if (!rng_chance (r, def->min_age >= 25 && age < 45 ? def->permille / 3 : def->permille))
        continue;
      for (guint j = 0; j < p->n_conditions && def->group != 0; j++)
        if (chronic[p->conditions[j].def].group == def->group)
          excluded = TRUE;
      if (excluded)
        continue;
      c = &p->conditions[p->n_conditions++];
      c->def = (int) i;
      earliest = MAX (p->birth + def->min_age * 365, g->today - 15 * 365);
      latest = g->today - 30;
      c->onset = rng_range (r, MIN (earliest, latest), latest);
      chronic_count++;
    }
  if (has_chronic (p, ICD_E66_9))
    p->bmi = rng_range (r, 3050, 4200);
  else
    p->bmi = rng_range (r, 1950, 2950);
  if (age < 18)
    p->bmi = rng_range (r, 1500, 2100);
  p->bmi_drift = rng_spread (r, 40);
  p->adult_height = adult_height_range (p->female, r);
  p->systolic = 114 + rng_spread (r, 7) + (age > 50 ? (age - 50) / 3 : 0) +
                (has_chronic (p, ICD_I10) ? 14 : 0);
  p->diastolic = 72 + rng_spread (r, 5) + (has_chronic (p, ICD_I10) ? 8 : 0);
  p->pulse = age < 2 ? 125 : age < 10 ? 95 : 70 + rng_spread (r, 7);
  p->spo2 = has_chronic (p, ICD_J44_9) ? 93 : 98;

  for (guint i = 0; i < p->n_conditions; i++)
    {
      const ChronicDef *def = &chronic[p->conditions[i].def];
      guint n_first = 0;

      while (n_first < G_N_ELEMENTS (def->first) && def->first[n_first] != MED_NONE)
        n_first++;
      if (n_first > 0)
        add_med (p, def->first[rng_below (r, n_first)], (int) i);
      if (def->add_on != MED_NONE && rng_chance (r, 500))
        add_med (p, def->add_on, (int) i);
    }

  /* encounters over the last five years (or since birth) */
  n_encounters = 1 + (int) rng_weighted (r, encounter_weights, G_N_ELEMENTS (encounter_weights));
  span = MIN (5 * 365, g->today - p->birth - 1);
  for (int i = 0; i < n_encounters; i++)
    {
      PlanEncounter *e = &p->encounters[p->n_encounters++];
      int day = g->today - rng_range (r, 1, MAX (span, 1));

      e->day = MAX (weekday_on_or_near (day, g->today - 1), p->birth + 1);
      e->minute = 8 * 60 + 15 * rng_range (r, 0, 33);
      e->acute = -1;
      e->practitioner = rng_chance (r, 800) ? p->practitioner
                                            : rng_below (r, G_N_ELEMENTS (practitioners));
    }
  qsort (p->encounters, p->n_encounters, sizeof p->encounters[0], compare_encounters);

  for (guint i = 0; i < p->n_encounters; i++)
    {
      PlanEncounter *e = &p->encounters[i];
      gboolean any_active = FALSE;
      int roll = rng_range (r, 0, 99);

      for (guint j = 0; j < p->n_conditions; j++)
        if (p->conditions[j].onset <= e->day)
          any_active = TRUE;
      if (any_active && roll < 50)
        e->kind = VISIT_FOLLOW_UP;
      else if (roll >= 75 && p->n_conditions < MAX_CONDITIONS && age_at (p->birth, e->day) >= 2)
        {
          PlanCondition *c = &p->conditions[p->n_conditions];

          c->is_acute = TRUE;
          /* urinary tract infections are rare in children and men in this panel */
          do
            c->def = (int) rng_below (r, G_N_ELEMENTS (acute));
          while (acute[c->def].icd == ICD_N39_0 && (!p->female || age_at (p->birth, e->day) < 12));
          c->onset = e->day - rng_range (r, 1, 6);
          e->kind = VISIT_ACUTE;
          e->acute = (int) p->n_conditions++;
        }
      else
        e->kind = VISIT_ANNUAL;
      e->length = e->kind == VISIT_ANNUAL ? 30 : e->kind == VISIT_FOLLOW_UP ? 20 : 15;
    }
}

/* --- the chart --- */

static gboolean
emit_patient (Gen          *g,
              PatientPlan  *p,
              guint         index,
              GError      **error)
{
  Rng *r = &g->rng;
  JsonObject *patient = new_resource (g, "Patient", p->id);
  JsonObject *identifier = append_object (add_array (patient, "identifier"));
  JsonObject *name = append_object (add_array (patient, "name"));
  JsonArray *given;
  const char *first = p->female ? PICK (r, given_female) : PICK (r, given_male);
  const char *family = PICK (r, families);
  char mrn[16], birth[11];
  char family_buf[64];

  g_snprintf (mrn, sizeof mrn, "MRN-%07u", 100000 + (g->mrn_base + index) % 9800000);
  set_concept (identifier, "type", SYSTEM_V2_0203, "MR", "Medical record number", NULL);
  set_string (identifier, "use", "usual");
  set_string (identifier, "system", SYSTEM_MRN);
  set_string (identifier, "value", mrn);
  json_object_set_boolean_member (patient, "active", TRUE);

  /* a few double-barrelled names */
  if (rng_chance (r, 40) && strchr (family, '-') == NULL)
    {
      const char *second = PICK (r, families);
      if (strchr (second, '-') == NULL && strcmp (second, family) != 0)
        {
          g_snprintf (family_buf, sizeof family_buf, "%s-%s", family, second);
          family = family_buf;
        }
    }
  set_string (name, "use", "official");
  set_string (name, "family", family);
  given = add_array (name, "given");
  json_array_add_string_element (given, first);
  if (rng_chance (r, 300))
    {
      const char *middle = p->female ? PICK (r, given_female) : PICK (r, given_male);
      if (strcmp (middle, first) != 0)
        json_array_add_string_element (given, middle);
    }
  g_snprintf (p->name, sizeof p->name, "%s %s", first, family);
  p->subject = sealed (hc_fhir_reference_new ("Patient", p->id, p->name));

  add_phone (patient, g, rng_chance (r, 600) ? "mobile" : "home");
  set_string (patient, "gender", p->female ? "female" : "male");
  format_date (birth, p->birth);
  set_string (patient, "birthDate", birth);
  add_address (patient, g, "home");
  json_array_add_object_element (add_array (patient, "generalPractitioner"),
                                 json_object_ref (g->practitioner_ref[p->practitioner]));
  set_shared (patient, "managingOrganization", g->practice_ref);
  return emit (g, patient, error);
}

static gboolean
emit_coverage (Gen          *g,
               PatientPlan  *p,
               GError      **error)
{
  Rng *r = &g->rng;
  char id[ID_LEN + 1], start[11], subscriber[16];
  JsonObject *coverage = new_resource (g, "Coverage", id);
  int age = age_at (p->birth, g->today);
  Payer payer;

  if (age >= 65)
    payer = PAYER_MEDICARE;
  else if (rng_chance (r, 180))
    payer = PAYER_MEDICAID;
  else
    payer = PAYER_BLUESTONE + rng_below (r, 3);

  set_string (coverage, "status", "active");
  set_concept (coverage, "type", NULL, NULL, NULL, payers[payer].plan);
  g_snprintf (subscriber, sizeof subscriber, "%c%c%09u", 'A' + rng_below (r, 26),
              'A' + rng_below (r, 26), rng_below (r, 1000000000));
  set_string (coverage, "subscriberId", subscriber);
  set_shared (coverage, "beneficiary", p->subject);
  set_concept (coverage, "relationship", "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
               "self", "Self", NULL);
  format_date (start, MAX (p->birth, g->today - rng_range (r, 30, 6 * 365)));
  set_period (coverage, "period", start, NULL);
  json_array_add_object_element (add_array (coverage, "payor"),
                                 hc_fhir_reference_new ("Organization", g->payer_id[payer], payers[payer].name));
  return emit (g, coverage, error);
}

static gboolean
emit_conditions (Gen          *g,
                 PatientPlan  *p,
                 GError      **error)
{
  for (guint i = 0; i < p->n_conditions; i++)
    {
      PlanCondition *c = &p->conditions[i];
      int icd = c->is_acute ? acute[c->def].icd : chronic[c->def].icd;
      JsonObject *condition = new_resource (g, "Condition", c->id);
      char onset[11], recorded[11];

      set_concept (condition, "clinicalStatus",
                   "http://terminology.hl7.org/CodeSystem/condition-clinical",
                   c->is_acute ? "resolved" : "active", c->is_acute ? "Resolved" : "Active", NULL);
      set_concept (condition, "verificationStatus",
                   "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                   "confirmed", "Confirmed", NULL);
      set_concept_array (condition, "category",
                         "http://terminology.hl7.org/CodeSystem/condition-category",
                         c->is_acute ? "encounter-diagnosis" : "problem-list-item",
                         c->is_acute ? "Encounter Diagnosis" : "Problem List Item", NULL);
      json_object_set_object_member (condition, "code",
                                     new_table_concept (SYSTEM_ICD10, icd10, icd, icd10[icd].display));
      set_shared (condition, "subject", p->subject);
      format_date (onset, c->onset);
      set_string (condition, "onsetDateTime", onset);
      if (c->is_acute)
        {
          char abatement[11];
          format_date (abatement, MIN (c->onset + rng_range (&g->rng, 7, 21), g->today));
          set_string (condition, "abatementDateTime", abatement);
          format_date (recorded, MIN (c->onset + 6, g->today));
        }
      else
        format_date (recorded, c->onset);
      set_string (condition, "recordedDate", recorded);
      set_shared (condition, "recorder", g->practitioner_ref[p->practitioner]);
      if (!emit (g, condition, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
emit_allergies (Gen          *g,
                PatientPlan  *p,
                GError      **error)
{
  Rng *r = &g->rng;
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (allergies) && n < 3; i++)
    {
      const AllergyDef *def = &allergies[i];
      char id[ID_LEN + 1], recorded[11];
      JsonObject *allergy, *reaction;
      gboolean severe;
      guint which;

      if (!rng_chance (r, def->permille))
        continue;
      n++;
      which = rng_below (r, 2);
      severe = def->reaction[which] == SCT_ANAPHYLAXIS || def->reaction[which] == SCT_ANGIOEDEMA;
      allergy = new_resource (g, "AllergyIntolerance", id);
      set_concept (allergy, "clinicalStatus",
                   "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                   "active", "Active", NULL);
      set_concept (allergy, "verificationStatus",
                   "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                   "confirmed", "Confirmed", NULL);
      set_string (allergy, "type", "allergy");
      json_array_add_string_element (add_array (allergy, "category"), def->category);
      set_string (allergy, "criticality", severe ? "high" : "low");
      json_object_set_object_member (allergy, "code",
                                     new_table_concept (SYSTEM_RXNORM, rxnorm, def->rx, def->text));
      set_shared (allergy, "patient", p->subject);
      format_date (recorded, MAX (p->birth + 1, g->today - rng_range (r, 60, 10 * 365)));
      set_string (allergy, "recordedDate", recorded);
      reaction = append_object (add_array (allergy, "reaction"));
      json_array_add_object_element (add_array (reaction, "manifestation"),
                                     new_table_concept (SYSTEM_SNOMED, snomed, def->reaction[which],
                                                        def->reaction_text[which]));
      set_string (reaction, "severity", severe ? "severe" : rng_chance (r, 500) ? "moderate" : "mild");
      if (!emit (g, allergy, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
emit_medication_request (Gen          *g,
                         PatientPlan  *p,
                         int           med,
                         int           condition,
                         int           day,
                         const char   *status,
                         JsonObject   *encounter_ref,
                         guint         practitioner,
                         GError      **error)
{
  const MedDef *def = &meds[med];
  char id[ID_LEN + 1], authored[11];
  JsonObject *request = new_resource (g, "MedicationRequest", id);
  JsonObject *dosage, *timing, *repeat, *dispense, *dose;

  set_string (request, "status", status);
  set_string (request, "intent", "order");
  set_concept_array (request, "category",
                     "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                     "outpatient", "Outpatient", NULL);
  if (g->med_concept[med] == NULL)
    g->med_concept[med] = sealed (new_table_concept (SYSTEM_RXNORM, rxnorm, def->rx, def->text));
  set_shared (request, "medicationCodeableConcept", g->med_concept[med]);
  set_shared (request, "subject", p->subject);
  if (encounter_ref != NULL)
    set_shared (request, "encounter", encounter_ref);
  format_date (authored, day);
  set_string (request, "authoredOn", authored);
  set_shared (request, "requester", g->practitioner_ref[practitioner]);
  if (condition >= 0)
    json_array_add_object_element (add_array (request, "reasonReference"),
                                   hc_fhir_reference_new ("Condition", p->conditions[condition].id, NULL));

  dosage = append_object (add_array (request, "dosageInstruction"));
  json_object_set_int_member (dosage, "sequence", 1);
  set_string (dosage, "text", def->sig);
  timing = add_object (dosage, "timing");
  repeat = add_object (timing, "repeat");
  if (def->course_days > 0)
    json_object_set_object_member (repeat, "boundsDuration",
                                   new_quantity (def->course_days * 100, "days", "d"));
  json_object_set_int_member (repeat, "frequency", def->frequency);
  json_object_set_int_member (repeat, "period", def->period);
  if (def->as_needed && strcmp (def->period_unit, "h") == 0 && def->period == 4)
    json_object_set_int_member (repeat, "periodMax", 6);
  set_string (repeat, "periodUnit", def->period_unit);
  json_object_set_boolean_member (dosage, "asNeededBoolean", def->as_needed);
  if (def->route == ROUTE_ORAL)
    set_concept (dosage, "route", SYSTEM_SNOMED, "26643006", "Oral route", NULL);
  else
    set_concept (dosage, "route", NULL, NULL, NULL,
                 def->route == ROUTE_INHALED ? "Inhalation" : "Nasal");
  dose = append_object (add_array (dosage, "doseAndRate"));
  json_object_set_object_member (dose, "doseQuantity",
                                 new_quantity (def->dose * 100, def->dose_unit, def->dose_code));

  dispense = add_object (request, "dispenseRequest");
  json_object_set_int_member (dispense, "numberOfRepeatsAllowed", def->refills);
  json_object_set_object_member (dispense, "quantity",
                                 new_quantity (def->quantity * 100, def->quantity_unit,
                                               def->quantity_code));
  json_object_set_object_member (dispense, "expectedSupplyDuration",
                                 new_quantity (def->supply_days * 100, "days", "d"));
  return emit (g, request, error);
}

static gboolean
emit_medication_list (Gen          *g,
                      PatientPlan  *p,
                      GError      **error)
{
  for (guint i = 0; i < p->n_meds; i++)
    {
      int condition = p->meds[i].condition;
      int day = p->conditions[condition].onset;

      /* the current order was renewed at the last visit since the diagnosis */
      for (guint j = 0; j < p->n_encounters; j++)
        if (p->encounters[j].day >= day)
          day = p->encounters[j].day;
      if (!emit_medication_request (g, p, p->meds[i].med, condition, day, "active", NULL,
                                    p->practitioner, error))
        return FALSE;
    }
  return TRUE;
}

/* Vital signs */

typedef struct
{
  char  id[ID_LEN + 1];
  int   code;
  int   value;                /* hundredths */
  int   value2;               /* diastolic */
} Vital;

static JsonObject *
new_observation (Gen               *g,
                 const PatientPlan *p,
                 char               id[ID_LEN + 1],
                 JsonArray         *category,
                 int                code,
                 JsonObject        *encounter_ref,
                 const char        *effective)
{
  JsonObject *obs = new_resource (g, "Observation", id);
  /* the R4 vital signs profiles, by LOINC code */
  static const char * const profiles[] = {
    [L_WEIGHT] = "http://hl7.org/fhir/StructureDefinition/bodyweight",
    [L_HEIGHT] = "http://hl7.org/fhir/StructureDefinition/bodyheight",
    [L_BMI] = "http://hl7.org/fhir/StructureDefinition/bmi",
    [L_BP] = "http://hl7.org/fhir/StructureDefinition/bp",
    [L_HR] = "http://hl7.org/fhir/StructureDefinition/heartrate",
    [L_RR] = "http://hl7.org/fhir/StructureDefinition/resprate",
    [L_TEMP] = "http://hl7.org/fhir/StructureDefinition/bodytemp",
    [L_SPO2] = "http://hl7.org/fhir/StructureDefinition/oxygensat",
  };

  if (code < (int) G_N_ELEMENTS (profiles) && profiles[code] != NULL)
    json_array_add_string_element (add_array (add_object (obs, "meta"), "profile"), profiles[code]);
  set_string (obs, "status", "final");
  json_object_set_array_member (obs, "category", json_array_ref (category));
  set_shared (obs, "code", loinc_concept (g, code));
  set_shared (obs, "subject", p->subject);
  set_shared (obs, "encounter", encounter_ref);
  set_string (obs, "effectiveDateTime", effective);
  return obs;
}

static gboolean
emit_vital (Gen                *g,
            const PatientPlan  *p,
            Vital              *v,
            JsonObject         *encounter_ref,
            JsonObject         *performer,
            const char         *effective,
            GError            **error)
{
  JsonObject *obs = new_observation (g, p, v->id, g->vital_signs_category, v->code,
                                     encounter_ref, effective);

  append_shared (add_array (obs, "performer"), performer);

  switch (v->code)
    {
    case L_BP:
      {
        JsonArray *components = add_array (obs, "component");
        JsonObject *systolic = append_object (components);
        JsonObject *diastolic = append_object (components);

        set_shared (systolic, "code", loinc_concept (g, L_SBP));
        json_object_set_object_member (systolic, "valueQuantity",
                                       new_quantity (v->value, "mmHg", "mm[Hg]"));
        set_shared (diastolic, "code", loinc_concept (g, L_DBP));
        json_object_set_object_member (diastolic, "valueQuantity",
                                       new_quantity (v->value2, "mmHg", "mm[Hg]"));
      }
      break;
    case L_SPO2:
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v->value, "%", "%"));
      break;
    case L_WEIGHT:
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v->value, "kg", "kg"));
      break;
    case L_HEIGHT:
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v->value, "cm", "cm"));
      break;
    case L_BMI:
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v->value, "kg/m2", "kg/m2"));
      break;
    case L_HR:
      json_object_set_object_member (obs, "valueQuantity",
                                     new_quantity (v->value, "beats/minute", "/min"));
      break;
    case L_RR:
      json_object_set_object_member (obs, "valueQuantity",
                                     new_quantity (v->value, "breaths/minute", "/min"));
      break;
    case L_TEMP:
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v->value, "°C", "Cel"));
      break;
    default:
      g_assert_not_reached ();
    }
  return emit (g, obs, error);
}

/* Lab results */

typedef struct
{
  Lab   lab;
  char  request_id[ID_LEN + 1];
  char  result_id[5][ID_LEN + 1];
  int   value[5];
} LabResult;

static int
analyte_value (Rng               *r,
               const PatientPlan *p,
               int                analyte,
               int                day)
{
  const Analyte *a = &analytes[analyte];
  gboolean diabetic = has_chronic (p, ICD_E11_9) || has_chronic (p, ICD_E11_65);
  gboolean lipids = has_chronic (p, ICD_E78_5) || has_chronic (p, ICD_E78_00);
  int v;

  switch (analyte)
    {
    case A_A1C:
      v = diabetic ? (has_chronic (p, ICD_E11_65) ? 800 : 690) + rng_spread (r, 70)
                   : 530 + rng_spread (r, 25);
      break;
    case A_CHOLESTEROL:
      v = (lipids ? 21500 : 18000) + rng_spread (r, 2500);
      break;
    case A_TRIGLYCERIDE:
      v = (lipids || diabetic ? 17000 : 11000) + rng_spread (r, 3500);
      break;
    case A_HDL:
      v = (p->female ? 5600 : 4600) + rng_spread (r, 900);
      break;
    case A_LDL:
      v = (lipids ? 13000 : 10500) + rng_spread (r, 2200);
      break;
    case A_GLUCOSE:
      v = diabetic ? 14000 + rng_spread (r, 2500) : 8800 + rng_spread (r, 800);
      break;
    case A_BUN:
      v = 1400 + rng_spread (r, 350) + (age_at (p->birth, day) > 70 ? 400 : 0);
      break;
    case A_CREATININE:
      v = (p->female ? 80 : 100) + rng_spread (r, 15);
      break;
    case A_SODIUM:
      v = 14000 + rng_spread (r, 200);
      break;
    case A_POTASSIUM:
      v = 420 + rng_spread (r, 35);
      break;
    case A_WBC:
      v = 700 + rng_spread (r, 160);
      break;
    case A_HEMOGLOBIN:
      v = (p->female ? 1350 : 1500) + rng_spread (r, 110);
      break;
    case A_HEMATOCRIT:
      v = (p->female ? 4000 : 4500) + rng_spread (r, 300);
      break;
    case A_PLATELETS:
      v = 25000 + rng_spread (r, 5500);
      break;
    case A_TSH:
      v = has_chronic (p, ICD_E03_9) ? 280 + rng_spread (r, 150) : 190 + rng_spread (r, 70);
      break;
    default:
      g_assert_not_reached ();
    }
  return MAX (round_to (v, a->step), a->step);
}

static void
set_range_value (JsonObject *range,
                 const char *member,
                 int         value,
                 const char *unit,
                 const char *ucum)
{
  json_object_set_object_member (range, member, new_quantity (value, unit, ucum));
}

static gboolean
emit_lab (Gen                *g,
          const PatientPlan  *p,
          LabResult          *lab,
          const PlanEncounter *e,
          JsonObject         *encounter_ref,
          GError            **error)
{
  Rng *r = &g->rng;
  const PanelDef *panel = &panels[lab->lab];
  char authored[26], collected[26], issued[26], report_id[ID_LEN + 1];
  JsonObject *request, *report;
  JsonArray *results;
  GString *conclusion = NULL;
  int issued_day = e->day + (g->today - e->day >= 2 ? 1 : 0);

  format_datetime (authored, e->day, e->minute + e->length - 5);
  format_datetime (collected, e->day, e->minute + e->length + 10);
  format_datetime (issued, issued_day, issued_day == e->day ? e->minute + e->length + 240
                                                            : 7 * 60 + rng_range (r, 0, 90));

  request = new_resource (g, "ServiceRequest", lab->request_id);
  set_string (request, "status", "completed");
  set_string (request, "intent", "order");
  set_shared (request, "code", loinc_concept (g, panel->loinc));
  set_shared (request, "subject", p->subject);
  set_shared (request, "encounter", encounter_ref);
  set_string (request, "authoredOn", authored);
  set_shared (request, "requester", g->practitioner_ref[e->practitioner]);
  json_array_add_object_element (add_array (request, "performer"),
                                 json_object_ref (g->lab_ref));
  if (!emit (g, request, error))
    return FALSE;

  for (guint i = 0; i < panel->n; i++)
    {
      const Analyte *a = &analytes[panel->analyte[i]];
      JsonObject *obs = new_observation (g, p, lab->result_id[i], g->laboratory_category,
                                         a->loinc, encounter_ref, collected);
      JsonObject *range;
      int v = analyte_value (r, p, panel->analyte[i], e->day);
      const char *flag = "N", *flag_display = "Normal";
      gboolean dyadic = (a->low < 0 || a->low % 25 == 0) && (a->high < 0 || a->high % 25 == 0);

      lab->value[i] = v;
      if (a->high >= 0 && v > a->high)
        flag = "H", flag_display = "High";
      else if (a->low >= 0 && v < a->low)
        flag = "L", flag_display = "Low";
      if (flag[0] != 'N')
        {
          if (conclusion == NULL)
            conclusion = g_string_new ("Abnormal: ");
          else
            g_string_append (conclusion, ", ");
          g_string_append_printf (conclusion, "%s %s", loinc[a->loinc].display,
                                  flag[0] == 'H' ? "high" : "low");
        }
      json_array_add_object_element (add_array (obs, "basedOn"),
                                     hc_fhir_reference_new ("ServiceRequest", lab->request_id, NULL));
      set_string (obs, "issued", issued);
      json_array_add_object_element (add_array (obs, "performer"),
                                     json_object_ref (g->lab_ref));
      json_object_set_object_member (obs, "valueQuantity", new_quantity (v, a->unit, a->ucum));
      set_concept_array (obs, "interpretation", SYSTEM_INTERP, flag, flag_display, NULL);
      range = append_object (add_array (obs, "referenceRange"));
      if (dyadic)
        {
          if (a->low >= 0)
            set_range_value (range, "low", a->low, a->unit, a->ucum);
          if (a->high >= 0)
            set_range_value (range, "high", a->high, a->unit, a->ucum);
        }
      else
        {
          char text[48];
          g_snprintf (text, sizeof text, "%d.%d-%d.%d %s", a->low / 100, a->low % 100 / 10,
                      a->high / 100, a->high % 100 / 10, a->unit);
          set_string (range, "text", text);
        }
      if (!emit (g, obs, error))
        {
          if (conclusion)
            g_string_free (conclusion, TRUE);
          return FALSE;
        }
    }

  report = new_resource (g, "DiagnosticReport", report_id);
  json_array_add_object_element (add_array (report, "basedOn"),
                                 hc_fhir_reference_new ("ServiceRequest", lab->request_id, NULL));
  set_string (report, "status", "final");
  set_concept_array (report, "category", "http://terminology.hl7.org/CodeSystem/v2-0074", "LAB",
                     "Laboratory", NULL);
  set_shared (report, "code", loinc_concept (g, panel->loinc));
  set_shared (report, "subject", p->subject);
  set_shared (report, "encounter", encounter_ref);
  set_string (report, "effectiveDateTime", collected);
  set_string (report, "issued", issued);
  json_array_add_object_element (add_array (report, "performer"),
                                 json_object_ref (g->lab_ref));
  results = add_array (report, "result");
  for (guint i = 0; i < panel->n; i++)
    json_array_add_object_element (results, hc_fhir_reference_new ("Observation", lab->result_id[i], NULL));
  if (conclusion != NULL)
    {
      g_string_append_c (conclusion, '.');
      set_string (report, "conclusion", conclusion->str);
      g_string_free (conclusion, TRUE);
    }
  else
    set_string (report, "conclusion", "All results within reference ranges.");
  return emit (g, report, error);
}

/* Appends "12.5" for a value in hundredths (multiples of 0.25 print exactly) */
static void
append_hundredths (GString *s,
                   int      value)
{
  if (value % 100 == 0)
    g_string_append_printf (s, "%d", value / 100);
  else if (value % 10 == 0)
    g_string_append_printf (s, "%d.%d", value / 100, value % 100 / 10);
  else
    g_string_append_printf (s, "%d.%02d", value / 100, value % 100);
}

static void
add_section (Gen        *g,
             JsonArray  *sections,
             const char *title,
             int         code,
             const char *xhtml)
{
  JsonObject *section = append_object (sections);

  set_string (section, "title", title);
  set_shared (section, "code", loinc_concept (g, code));
  set_narrative (section, xhtml);
}

static gboolean
emit_encounter (Gen                  *g,
                PatientPlan          *p,
                const PlanEncounter  *e,
                gboolean              last,
                GError              **error)
{
  Rng *r = &g->rng;
  char encounter_id[ID_LEN + 1], composition_id[ID_LEN + 1];
  char start[26], end[26];
  JsonObject *encounter, *composition, *participant;
  JsonArray *diagnoses = NULL, *sections;
  Vital vitals[8];
  guint n_vitals = 0;
  LabResult labs[2];
  guint n_labs = 0;
  int addressed[MAX_CONDITIONS];
  guint n_addressed = 0;
  int age = age_at (p->birth, e->day);
  int rx_med = MED_NONE, rx_condition = -1;
  JsonObject *practitioner_ref = g->practitioner_ref[e->practitioner];
  g_autoptr(JsonObject) encounter_ref = NULL;
  g_autoptr(GString) subjective = g_string_new ("<p>");
  g_autoptr(GString) objective = g_string_new ("<p>");
  g_autoptr(GString) assessment = g_string_new ("<ol>");
  g_autoptr(GString) plan = g_string_new ("<ul>");

  format_datetime (start, e->day, e->minute);
  format_datetime (end, e->day, e->minute + e->length);

  /* what this visit is about */
  if (e->kind == VISIT_ACUTE)
    addressed[n_addressed++] = e->acute;
  else
    for (guint i = 0; i < p->n_conditions && n_addressed < 3; i++)
      if (!p->conditions[i].is_acute && p->conditions[i].onset <= e->day)
        addressed[n_addressed++] = (int) i;

  encounter = new_resource (g, "Encounter", encounter_id);
  encounter_ref = sealed (hc_fhir_reference_new ("Encounter", encounter_id, NULL));
  set_string (encounter, "status", "finished");
  json_object_set_object_member (encounter, "class",
                                 hc_fhir_coding_new ("http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                             "AMB", "ambulatory"));
  set_concept_array (encounter, "type", NULL, NULL, NULL,
                     e->kind == VISIT_ANNUAL ? (age < 18 ? "Well-child visit" : "Annual wellness visit")
                     : e->kind == VISIT_FOLLOW_UP ? "Chronic care follow-up"
                     : "Same-day sick visit");
  set_shared (encounter, "subject", p->subject);
  participant = append_object (add_array (encounter, "participant"));
  set_concept_array (participant, "type", "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                     "PPRF", "primary performer", NULL);
  set_period (participant, "period", start, end);
  set_shared (participant, "individual", practitioner_ref);
  set_period (encounter, "period", start, end);
  if (e->kind == VISIT_ANNUAL)
    {
      int icd = age < 18 ? ICD_Z00_129 : ICD_Z00_00;
      json_array_add_object_element (add_array (encounter, "reasonCode"),
                                     new_table_concept (SYSTEM_ICD10, icd10, icd, NULL));
    }
  else if (e->kind == VISIT_ACUTE)
    {
      const AcuteDef *def = &acute[p->conditions[e->acute].def];
      json_array_add_object_element (add_array (encounter, "reasonCode"),
                                     new_table_concept (SYSTEM_ICD10, icd10, def->icd, def->reason));
    }
  else
    {
      int icd = chronic[p->conditions[addressed[0]].def].icd;
      json_array_add_object_element (add_array (encounter, "reasonCode"),
                                     new_table_concept (SYSTEM_ICD10, icd10, icd, NULL));
    }
  for (guint i = 0; i < n_addressed; i++)
    {
      JsonObject *diagnosis;

      if (diagnoses == NULL)
        diagnoses = add_array (encounter, "diagnosis");
      diagnosis = append_object (diagnoses);
      set_reference (diagnosis, "condition", "Condition", p->conditions[addressed[i]].id, NULL);
      json_object_set_int_member (diagnosis, "rank", i + 1);
    }
  set_shared (encounter, "serviceProvider", g->practice_ref);
  if (!emit (g, encounter, error))
    return FALSE;

  /* vital signs, trending with age, weight drift and treatment */
  {
    int years = (e->day - p->birth) / 365;
    int since_start = (g->today - e->day) / 365;
    int height = height_at (p, e->day);
    int bmi = p->bmi - p->bmi_drift * since_start + rng_spread (r, 40);
    int weight, systolic, diastolic;
    gboolean treated = FALSE;
    char effective[26];

    for (guint i = 0; i < p->n_conditions; i++)
      if (!p->conditions[i].is_acute && chronic[p->conditions[i].def].icd == ICD_I10 &&
          p->conditions[i].onset < e->day - 60)
        treated = TRUE;
    systolic = p->systolic - (treated ? 10 : 0) + rng_spread (r, 6) +
               (e->kind == VISIT_ACUTE ? 4 : 0);
    diastolic = p->diastolic - (treated ? 5 : 0) + rng_spread (r, 4);
    if (years < 18)
      {
        systolic = MIN (systolic, 100 + years * 2);
        diastolic = MIN (diastolic, 60 + years);
      }
    weight = round_to ((int) ((gint64) bmi * height / 100 * height / 1000000), 50);
    bmi = round_to ((int) ((gint64) weight * 1000000 / ((gint64) height * height / 100)), 50);
    format_datetime (effective, e->day, e->minute + 5);

    vitals[n_vitals++] = (Vital) { .code = L_WEIGHT, .value = weight };
    if (e->kind == VISIT_ANNUAL || years < 18 || p->last_height == 0)
      vitals[n_vitals++] = (Vital) { .code = L_HEIGHT, .value = height };
    if (years >= 2 && e->kind != VISIT_ACUTE)
      vitals[n_vitals++] = (Vital) { .code = L_BMI, .value = bmi };
    if (years >= 3)
      vitals[n_vitals++] = (Vital) { .code = L_BP, .value = systolic * 100, .value2 = diastolic * 100 };
    vitals[n_vitals++] = (Vital) { .code = L_HR, .value = (p->pulse + rng_spread (r, 6)) * 100 };
    if (e->kind != VISIT_FOLLOW_UP)
      vitals[n_vitals++] = (Vital) { .code = L_RR, .value = (years < 10 ? 22 : 15 + rng_range (r, 0, 3)) * 100 };
    if (e->kind != VISIT_FOLLOW_UP || years < 18)
      vitals[n_vitals++] = (Vital) { .code = L_TEMP, .value = 3650 + 50 * rng_range (r, 0, 1) +
                                      (e->kind == VISIT_ACUTE && rng_chance (r, 300) ? 100 : 0) };
    vitals[n_vitals++] = (Vital) { .code = L_SPO2, .value = MIN (p->spo2 + rng_range (r, -1, 1), 100) * 100 };
    p->last_height = height;

    for (guint i = 0; i < n_vitals; i++)
      if (!emit_vital (g, p, &vitals[i], encounter_ref, practitioner_ref, effective, error))
        return FALSE;

    g_string_append (objective, "Vitals:");
    for (guint i = 0; i < n_vitals; i++)
      {
        Vital *v = &vitals[i];
        static const char * const labels[] = {
          [L_WEIGHT] = " weight ", [L_HEIGHT] = " height ", [L_BMI] = " BMI ", [L_BP] = " BP ",
          [L_HR] = " HR ", [L_RR] = " RR ", [L_TEMP] = " T ", [L_SPO2] = " SpO2 ",
        };
        static const char * const units[] = {
          [L_WEIGHT] = " kg", [L_HEIGHT] = " cm", [L_BMI] = "", [L_BP] = " mmHg",
          [L_HR] = "/min", [L_RR] = "/min", [L_TEMP] = " °C", [L_SPO2] = " %",
        };

        g_string_append (objective, labels[v->code]);
        append_hundredths (objective, v->value);
        if (v->code == L_BP)
          {
            g_string_append_c (objective, '/');
            append_hundredths (objective, v->value2);
          }
        g_string_append (objective, units[v->code]);
        g_string_append_c (objective, i + 1 < n_vitals ? ',' : '.');
      }
    g_string_append (objective, "</p><p>");
  }

  /* labs */
  {
    gboolean diabetic = has_chronic (p, ICD_E11_9) || has_chronic (p, ICD_E11_65);
    gboolean lipids = has_chronic (p, ICD_E78_5) || has_chronic (p, ICD_E78_00);
    gboolean wanted[N_LABS] = { FALSE };

    if (e->kind == VISIT_ANNUAL && age >= 18)
      {
        wanted[LAB_A1C] = diabetic && rng_chance (r, 900);
        wanted[LAB_LIPID] = rng_chance (r, lipids ? 800 : age >= 40 ? 300 : 100);
        wanted[LAB_CMP] = age >= 40 && rng_chance (r, 500);
        wanted[LAB_CBC] = rng_chance (r, 250);
        wanted[LAB_TSH] = has_chronic (p, ICD_E03_9) && rng_chance (r, 600);
      }
    else if (e->kind == VISIT_FOLLOW_UP)
      for (guint i = 0; i < n_addressed; i++)
        {
          Lab lab = chronic[p->conditions[addressed[i]].def].lab;
          if (lab != LAB_NONE && rng_chance (r, lab == LAB_A1C ? 700 : 350))
            wanted[lab] = TRUE;
        }
    for (int l = LAB_A1C; l < N_LABS && n_labs < G_N_ELEMENTS (labs); l++)
      if (wanted[l])
        {
          labs[n_labs].lab = (Lab) l;
          if (!emit_lab (g, p, &labs[n_labs], e, encounter_ref, error))
            return FALSE;
          n_labs++;
        }
  }

  /* notes */
  if (e->kind == VISIT_ACUTE)
    {
      const AcuteDef *def = &acute[p->conditions[e->acute].def];

      g_string_append (subjective, def->history);
      g_string_append (objective, "Alert, in no distress. ");
      g_string_append (objective, def->exam);
      g_string_append_printf (assessment, "<li>%s (%s): %s.</li>", icd10[def->icd].display,
                              icd10[def->icd].code, def->assessment);
      g_string_append_printf (plan, "<li>%s</li>", def->plan);
      if (def->med != MED_NONE)
        {
          rx_med = def->med;
          rx_condition = e->acute;
        }
    }
  else
    {
      if (e->kind == VISIT_ANNUAL)
        g_string_append (subjective, age < 18
                         ? "Here for a well-child visit with a parent. Eating and sleeping well, "
                           "growing and developing as expected. Immunizations reviewed."
                         : "Here for an annual physical. Feels well overall. Denies chest pain, "
                           "shortness of breath, or changes in bowel or bladder habits.");
      else
        g_string_append_printf (subjective, "Follow-up of %s.",
                                icd10[chronic[p->conditions[addressed[0]].def].icd].display);
      for (guint i = 0; i < n_addressed; i++)
        {
          const ChronicDef *def = &chronic[p->conditions[addressed[i]].def];
          g_string_append_c (subjective, ' ');
          g_string_append (subjective, def->history);
        }
      g_string_append (objective, age < 18
                       ? "Active and interactive. Heart regular, lungs clear, abdomen soft."
                       : "Alert, in no distress. Heart regular rate and rhythm, lungs clear "
                         "bilaterally, no leg edema.");
      if (n_addressed == 0)
        g_string_append_printf (assessment, "<li>%s (%s).</li>",
                                icd10[age < 18 ? ICD_Z00_129 : ICD_Z00_00].display,
                                icd10[age < 18 ? ICD_Z00_129 : ICD_Z00_00].code);
      for (guint i = 0; i < n_addressed; i++)
        {
          const ChronicDef *def = &chronic[p->conditions[addressed[i]].def];
          gboolean any_med = FALSE;

          g_string_append_printf (assessment, "<li>%s (%s): %s.</li>", icd10[def->icd].display,
                                  icd10[def->icd].code, def->assessment);
          g_string_append (plan, "<li>");
          for (guint m = 0; m < p->n_meds; m++)
            if (p->meds[m].condition == addressed[i])
              {
                g_string_append (plan, any_med ? ", " : "Continue ");
                g_string_append (plan, meds[p->meds[m].med].plan);
                any_med = TRUE;
                /* a renewal written at this visit, except at the last one, which is the
                 * active order on the medication list */
                if (!last && rx_med == MED_NONE && e->kind == VISIT_FOLLOW_UP && rng_chance (r, 450))
                  {
                    rx_med = p->meds[m].med;
                    rx_condition = addressed[i];
                  }
              }
          if (any_med)
            g_string_append (plan, ". ");
          g_string_append (plan, def->plan);
          g_string_append (plan, "</li>");
        }
      if (e->kind == VISIT_ANNUAL && age >= 18)
        g_string_append (plan, "<li>Age-appropriate screening and vaccines reviewed.</li>");
    }
  for (guint i = 0; i < n_labs; i++)
    {
      const PanelDef *panel = &panels[labs[i].lab];
      g_string_append_printf (plan, "<li>Ordered %s", panel->name);
      if (panel->n == 1)
        {
          g_string_append (plan, ": ");
          append_hundredths (plan, labs[i].value[0]);
          g_string_append_printf (plan, " %s", analytes[panel->analyte[0]].unit);
        }
      g_string_append (plan, ".</li>");
    }
  g_string_append_printf (plan, "<li>Return in %s.</li></ul>",
                          e->kind == VISIT_ACUTE ? "1 to 2 weeks if not improving"
                          : n_addressed > 0 ? "3 months" : "1 year");
  g_string_append (subjective, "</p>");
  g_string_append (objective, "</p>");
  g_string_append (assessment, "</ol>");

  if (rx_med != MED_NONE &&
      !emit_medication_request (g, p, rx_med, rx_condition, e->day, "completed", encounter_ref,
                                e->practitioner, error))
    return FALSE;

  /* the note: signed unless it is from today or yesterday */
  {
    gboolean signed_note = g->today - e->day >= 2 || !last;
    char signed_at[26];

    composition = new_resource (g, "Composition", composition_id);
    set_string (composition, "status", signed_note ? "final" : "preliminary");
    set_shared (composition, "type", loinc_concept (g, L_PROGRESS_NOTE));
    set_shared (composition, "subject", p->subject);
    set_shared (composition, "encounter", encounter_ref);
    set_string (composition, "date", end);
    append_shared (add_array (composition, "author"), practitioner_ref);
    set_string (composition, "title", "Progress note");
    if (signed_note)
      {
        JsonObject *attester = append_object (add_array (composition, "attester"));

        format_datetime (signed_at, e->day, e->minute + e->length + rng_range (r, 10, 240));
        set_string (attester, "mode", "legal");
        set_string (attester, "time", signed_at);
        set_shared (attester, "party", practitioner_ref);
      }
    set_shared (composition, "custodian", g->practice_ref);
    sections = add_array (composition, "section");
    add_section (g, sections, "Subjective", L_SUBJECTIVE, subjective->str);
    add_section (g, sections, "Objective", L_OBJECTIVE, objective->str);
    add_section (g, sections, "Assessment", L_ASSESSMENT, assessment->str);
    add_section (g, sections, "Plan", L_PLAN, plan->str);
    return emit (g, composition, error);
  }
}

static gboolean
emit_appointments (Gen          *g,
                   PatientPlan  *p,
                   GError      **error)
{
  Rng *r = &g->rng;
  static const guint8 weights[] = { 45, 40, 15 };
  guint n = rng_weighted (r, weights, G_N_ELEMENTS (weights));
  int day = g->today;

  for (guint i = 0; i < n; i++)
    {
      char id[ID_LEN + 1], start[26], end[26], created[11];
      JsonObject *appointment, *participant;
      JsonArray *participants;
      int chronic_index = -1;
      int minute = 8 * 60 + 15 * rng_range (r, 0, 31);
      int length;
      gboolean follow_up;

      for (guint c = 0; c < p->n_conditions; c++)
        if (!p->conditions[c].is_acute)
          {
            chronic_index = (int) c;
            break;
          }
      follow_up = chronic_index >= 0 && rng_chance (r, 700);
      length = follow_up ? 20 : 30;
      day = weekday_on_or_near (day + rng_range (r, 7, 28), G_MAXINT);
      if (weekday (day) == 0)
        day++;
      format_datetime (start, day, minute);
      format_datetime (end, day, minute + length);

      appointment = new_resource (g, "Appointment", id);
      set_string (appointment, "status", "booked");
      set_concept (appointment, "appointmentType", "http://terminology.hl7.org/CodeSystem/v2-0276",
                   follow_up ? "FOLLOWUP" : "CHECKUP",
                   follow_up ? "A follow up visit from a previous appointment"
                             : "A routine check-up, such as an annual physical", NULL);
      if (follow_up)
        json_array_add_object_element (add_array (appointment, "reasonReference"),
                                       hc_fhir_reference_new ("Condition", p->conditions[chronic_index].id,
                                                      NULL));
      set_string (appointment, "description", follow_up ? "Follow-up visit" : "Annual physical");
      set_string (appointment, "start", start);
      set_string (appointment, "end", end);
      json_object_set_int_member (appointment, "minutesDuration", length);
      format_date (created, g->today - rng_range (r, 0, 30));
      set_string (appointment, "created", created);
      participants = add_array (appointment, "participant");
      participant = append_object (participants);
      set_shared (participant, "actor", p->subject);
      set_string (participant, "required", "required");
      set_string (participant, "status", "accepted");
      participant = append_object (participants);
      set_shared (participant, "actor", g->practitioner_ref[p->practitioner]);
      set_string (participant, "required", "required");
      set_string (participant, "status", "accepted");
      if (!emit (g, appointment, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
generate_patient (Gen      *g,
                  guint     index,
                  GError  **error)
{
  PatientPlan plan;
  PatientPlan *p = &plan;
  gboolean ok = TRUE;

  plan_patient (g, p);
  /* conditions' ids are assigned as they are emitted; encounters refer to them later */
  if (!emit_patient (g, p, index, error) ||
      !emit_coverage (g, p, error) ||
      !emit_conditions (g, p, error) ||
      !emit_allergies (g, p, error) ||
      !emit_medication_list (g, p, error))
    ok = FALSE;
  for (guint i = 0; ok && i < p->n_encounters; i++)
    ok = emit_encounter (g, p, &p->encounters[i], i + 1 == p->n_encounters, error);
  ok = ok && emit_appointments (g, p, error);
  g_clear_pointer (&p->subject, json_object_unref);
  return ok;
}

/**
 * hc_demo_generate:
 * @n_patients: how many patients
 * @seed: any number; the same seed gives the same panel
 * @today: the panel's today, YYYY-MM-DD: encounters lie before it, appointments after it
 * @sink: receives each resource; it may keep a reference
 * @sink_data: for @sink
 * @cancellable: (nullable): checked between patients
 * @error: the sink's error, G_IO_ERROR_CANCELLED, or G_IO_ERROR_INVALID_ARGUMENT for @today
 *
 * Generates a demo panel, see hc-demo.h.
 *
 * Returns: %TRUE when every resource was accepted by @sink
 */
gboolean
hc_demo_generate (guint          n_patients,
                  guint64        seed,
                  const char    *today,
                  HcResourceSink sink,
                  gpointer       sink_data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(Gen) g = NULL;
  guint64 mix;

  g_return_val_if_fail (today != NULL, FALSE);
  g_return_val_if_fail (sink != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g = g_new0 (Gen, 1);
  if (!parse_date (today, &g->today))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "demo data: '%s' is not a date (YYYY-MM-DD)", today);
      return FALSE;
    }
  rng_seed (&g->rng, seed);
  g->vital_signs_category = new_category ("vital-signs", "Vital Signs");
  g->laboratory_category = new_category ("laboratory", "Laboratory");
  g->sink = sink;
  g->sink_data = sink_data;
  /* ids look like the client made them this morning */
  g->id_ms = (gint64) g->today * 86400000 + 8 * 3600000;
  mix = seed;
  g->mrn_base = (guint) (splitmix64 (&mix) % 9800000);

  if (!emit_practice (g, error))
    return FALSE;
  for (guint i = 0; i < n_patients; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!generate_patient (g, i, error))
        return FALSE;
    }
  g_debug ("generated %u patients (seed %" G_GUINT64_FORMAT ")", n_patients, seed);
  return TRUE;
}
