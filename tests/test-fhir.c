/* test-fhir.c: FHIR R4 validation, ids and compartment references
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-fhir.h"
#include "hc-test-utils.h"

typedef struct
{
  const char *name;
  const char *json;
  int         code;     /* -1: valid */
  const char *prefix;   /* expected start of the message */
} Case;

#define OK(n, j)          { n, j, -1, NULL }
#define BAD(n, j, p)      { n, j, HC_FHIR_ERROR_INVALID, p }

#define PAT "{\"resourceType\":\"Patient\","
#define OBS "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
#define OBS_END "\"id\":\"o1\"}"

static const Case cases[] = {
  OK ("minimal-patient", "{\"resourceType\":\"Patient\"}"),
  OK ("minimal-observation", OBS OBS_END),
  { "unknown-type", "{\"resourceType\":\"Medication\"}", HC_FHIR_ERROR_UNKNOWN_TYPE, "resourceType:" },
  { "no-type", "{\"id\":\"a\"}", HC_FHIR_ERROR_INVALID, "resourceType:" },
  { "bad-id", PAT "\"id\":\"a b\"}", HC_FHIR_ERROR_INVALID_ID, "Patient.id:" },
  { "long-id", PAT "\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
    HC_FHIR_ERROR_INVALID_ID, "Patient.id:" },
  BAD ("unknown-element", PAT "\"foo\":1}", "Patient.foo: unknown element"),
  BAD ("unknown-nested", PAT "\"name\":[{\"first\":\"x\"}]}", "Patient.name[0].first: unknown element"),
  BAD ("given-not-string", PAT "\"name\":[{\"given\":[\"a\",5]}]}",
       "Patient.name[0].given[1]: expected a string"),
  BAD ("name-not-array", PAT "\"name\":{\"family\":\"x\"}}", "Patient.name: expected an array"),
  BAD ("gender-array", PAT "\"gender\":[\"male\"]}", "Patient.gender: expected a single value"),
  BAD ("empty-array", PAT "\"name\":[]}", "Patient.name: an array must not be empty"),
  BAD ("empty-object", PAT "\"maritalStatus\":{}}", "Patient.maritalStatus: an object must not be empty"),
  BAD ("object-for-string", PAT "\"name\":[{\"family\":{\"x\":1}}]}", "Patient.name[0].family: expected a string"),
  BAD ("string-for-object", PAT "\"maritalStatus\":\"M\"}", "Patient.maritalStatus: expected an object"),
  BAD ("null-value", PAT "\"gender\":null}", "Patient.gender: null is not a value"),
  BAD ("empty-string", PAT "\"name\":[{\"family\":\"\"}]}", "Patient.name[0].family: an empty string"),
  /* boolean */
  OK ("boolean-ok", PAT "\"active\":false}"),
  BAD ("boolean-string", PAT "\"active\":\"true\"}", "Patient.active: expected a boolean"),
  /* integer, positiveInt, unsignedInt, decimal */
  OK ("integer-ok", PAT "\"multipleBirthInteger\":-2}"),
  BAD ("integer-decimal", PAT "\"multipleBirthInteger\":2.5}", "Patient.multipleBirthInteger: expected an integer"),
  BAD ("integer-range", PAT "\"multipleBirthInteger\":3000000000}", "Patient.multipleBirthInteger: 3000000000 is not a valid integer"),
  OK ("positiveInt-ok", OBS "\"valueSampledData\":{\"origin\":{\"value\":0},\"period\":1.5,\"dimensions\":1}," OBS_END),
  BAD ("positiveInt-zero", OBS "\"valueSampledData\":{\"origin\":{\"value\":0},\"period\":1,\"dimensions\":0}," OBS_END,
       "Observation.valueSampledData.dimensions: 0 is not a valid positiveInt"),
  BAD ("decimal-string", OBS "\"valueQuantity\":{\"value\":\"1.5\"}," OBS_END,
       "Observation.valueQuantity.value: expected a number"),
  OK ("decimal-ok", OBS "\"valueQuantity\":{\"value\":1.5e2,\"comparator\":\"<\"}," OBS_END),
  BAD ("unsignedInt-negative",
       "{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
       "\"medicationCodeableConcept\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p\"},"
       "\"dispenseRequest\":{\"numberOfRepeatsAllowed\":-1}}",
       "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed: -1 is not a valid unsignedInt"),
  /* date */
  OK ("date-year", PAT "\"birthDate\":\"1970\"}"),
  OK ("date-month", PAT "\"birthDate\":\"1970-12\"}"),
  OK ("date-leap", PAT "\"birthDate\":\"2024-02-29\"}"),
  OK ("date-leap-400", PAT "\"birthDate\":\"2000-02-29\"}"),
  BAD ("date-month-13", PAT "\"birthDate\":\"1970-13-01\"}", "Patient.birthDate: '1970-13-01' is not a valid date"),
  BAD ("date-feb-30", PAT "\"birthDate\":\"2023-02-30\"}", "Patient.birthDate: '2023-02-30' is not a valid date"),
  BAD ("date-not-leap", PAT "\"birthDate\":\"1900-02-29\"}", "Patient.birthDate: '1900-02-29' is not a valid date"),
  BAD ("date-apr-31", PAT "\"birthDate\":\"2023-04-31\"}", "Patient.birthDate: '2023-04-31' is not a valid date"),
  BAD ("date-with-time", PAT "\"birthDate\":\"1970-01-01T00:00:00Z\"}", "Patient.birthDate: '1970-01-01T00:00:00Z' is not a valid date"),
  BAD ("date-short", PAT "\"birthDate\":\"1970-1-1\"}", "Patient.birthDate: '1970-1-1' is not a valid date"),
  BAD ("date-year-0", PAT "\"birthDate\":\"0000\"}", "Patient.birthDate: '0000' is not a valid date"),
  BAD ("date-trailing", PAT "\"birthDate\":\"1970-01-01 \"}", "Patient.birthDate:"),
  /* dateTime */
  OK ("dateTime-date", PAT "\"deceasedDateTime\":\"2020-05-01\"}"),
  OK ("dateTime-zulu", PAT "\"deceasedDateTime\":\"2020-05-01T10:11:12Z\"}"),
  OK ("dateTime-offset-frac", PAT "\"deceasedDateTime\":\"2020-05-01T10:11:12.345+14:00\"}"),
  BAD ("dateTime-no-zone", PAT "\"deceasedDateTime\":\"2020-05-01T10:11:12\"}",
       "Patient.deceasedDateTime: '2020-05-01T10:11:12' is not a valid dateTime"),
  BAD ("dateTime-no-seconds", PAT "\"deceasedDateTime\":\"2020-05-01T10:11Z\"}", "Patient.deceasedDateTime:"),
  BAD ("dateTime-hour-24", PAT "\"deceasedDateTime\":\"2020-05-01T24:00:00Z\"}", "Patient.deceasedDateTime:"),
  BAD ("dateTime-zone-15", PAT "\"deceasedDateTime\":\"2020-05-01T10:00:00+15:00\"}", "Patient.deceasedDateTime:"),
  BAD ("dateTime-zone-1430", PAT "\"deceasedDateTime\":\"2020-05-01T10:00:00+14:30\"}", "Patient.deceasedDateTime:"),
  BAD ("dateTime-month-time", PAT "\"deceasedDateTime\":\"2020-05T10:00:00Z\"}", "Patient.deceasedDateTime:"),
  BAD ("dateTime-empty-frac", PAT "\"deceasedDateTime\":\"2020-05-01T10:00:00.Z\"}", "Patient.deceasedDateTime:"),
  /* instant */
  OK ("instant-ok", OBS "\"issued\":\"2013-04-03T15:30:10.01+01:00\"," OBS_END),
  BAD ("instant-date-only", OBS "\"issued\":\"2013-04-03\"," OBS_END,
       "Observation.issued: '2013-04-03' is not a valid instant"),
  BAD ("instant-no-zone", OBS "\"issued\":\"2013-04-03T15:30:10\"," OBS_END, "Observation.issued:"),
  /* time */
  OK ("time-ok", OBS "\"valueTime\":\"23:59:60.5\"," OBS_END),
  BAD ("time-zone", OBS "\"valueTime\":\"10:00:00Z\"," OBS_END, "Observation.valueTime: '10:00:00Z' is not a valid time"),
  BAD ("time-minute-60", OBS "\"valueTime\":\"10:60:00\"," OBS_END, "Observation.valueTime:"),
  /* code */
  OK ("code-spaces", PAT "\"language\":\"en US\"}"),
  BAD ("code-leading-space", PAT "\"language\":\" en\"}", "Patient.language: ' en' is not a valid code"),
  BAD ("code-double-space", PAT "\"language\":\"en  US\"}", "Patient.language:"),
  BAD ("code-trailing-space", PAT "\"language\":\"en \"}", "Patient.language:"),
  /* uri, url, canonical, oid, uuid, id */
  OK ("uri-ok", PAT "\"implicitRules\":\"urn:x:y\"}"),
  BAD ("uri-space", PAT "\"implicitRules\":\"http://a b\"}", "Patient.implicitRules: 'http://a b' is not a valid uri"),
  BAD ("url-space", PAT "\"telecom\":[{\"system\":\"url\",\"value\":\"x\"}],\"photo\":[{\"url\":\"http://a b\"}]}",
       "Patient.photo[0].url: 'http://a b' is not a valid url"),
  BAD ("canonical-space", PAT "\"meta\":{\"profile\":[\"http://x y\"]}}", "Patient.meta.profile[0]: 'http://x y' is not a valid canonical"),
  OK ("oid-ok", PAT "\"identifier\":[{\"system\":\"urn:oid:1.2.36.146.595.217.0.1\"}],"
      "\"extension\":[{\"url\":\"http://e\",\"valueOid\":\"urn:oid:2.16.840\"}]}"),
  BAD ("oid-bad", PAT "\"extension\":[{\"url\":\"http://e\",\"valueOid\":\"urn:oid:3.1\"}]}",
       "Patient.extension[0].valueOid: 'urn:oid:3.1' is not a valid oid"),
  BAD ("oid-leading-zero", PAT "\"extension\":[{\"url\":\"http://e\",\"valueOid\":\"urn:oid:1.02\"}]}",
       "Patient.extension[0].valueOid:"),
  OK ("uuid-ok", PAT "\"extension\":[{\"url\":\"http://e\",\"valueUuid\":\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\"}]}"),
  BAD ("uuid-upper", PAT "\"extension\":[{\"url\":\"http://e\",\"valueUuid\":\"urn:uuid:C757873D-EC9A-4326-A141-556F43239520\"}]}",
       "Patient.extension[0].valueUuid:"),
  BAD ("uuid-no-prefix", PAT "\"extension\":[{\"url\":\"http://e\",\"valueUuid\":\"c757873d-ec9a-4326-a141-556f43239520\"}]}",
       "Patient.extension[0].valueUuid:"),
  BAD ("id-in-extension", PAT "\"extension\":[{\"url\":\"http://e\",\"valueId\":\"a_b\"}]}",
       "Patient.extension[0].valueId: 'a_b' is not a valid id"),
  /* base64Binary, markdown, xhtml */
  OK ("base64-ok", PAT "\"photo\":[{\"data\":\"aGVsbG8=\"}]}"),
  BAD ("base64-bad-char", PAT "\"photo\":[{\"data\":\"aGVs!G8=\"}]}", "Patient.photo[0].data: 'aGVs!G8=' is not a valid base64Binary"),
  BAD ("base64-length", PAT "\"photo\":[{\"data\":\"aGVsbG8\"}]}", "Patient.photo[0].data:"),
  BAD ("base64-inner-pad", PAT "\"photo\":[{\"data\":\"aG=sbG8=\"}]}", "Patient.photo[0].data:"),
  OK ("markdown-ok", "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"},\"note\":[{\"text\":\"**x**\"}]}"),
  BAD ("annotation-text-missing", "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"},\"note\":[{\"time\":\"2020\"}]}",
       "Condition.note[0].text: required element missing"),
  OK ("narrative-ok", PAT "\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">x</div>\"}}"),
  BAD ("narrative-not-div", PAT "\"text\":{\"status\":\"generated\",\"div\":\"<p>x</p>\"}}", "Patient.text.div: '<p>x</p>' is not a valid xhtml"),
  BAD ("narrative-status", PAT "\"text\":{\"status\":\"made-up\",\"div\":\"<div>x</div>\"}}", "Patient.text.status: 'made-up' is not one of generated, extensions, additional, empty"),
  BAD ("narrative-no-div", PAT "\"text\":{\"status\":\"generated\"}}", "Patient.text.div: required element missing"),
  /* required elements and codes */
  BAD ("observation-no-code", "{\"resourceType\":\"Observation\",\"status\":\"final\"}", "Observation.code: required element missing"),
  BAD ("observation-no-status", "{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}", "Observation.status: required element missing"),
  BAD ("observation-status", "{\"resourceType\":\"Observation\",\"status\":\"done\",\"code\":{\"text\":\"x\"}}",
       "Observation.status: 'done' is not one of registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown"),
  BAD ("patient-gender", PAT "\"gender\":\"m\"}", "Patient.gender: 'm' is not one of male, female, other, unknown"),
  BAD ("encounter-status", "{\"resourceType\":\"Encounter\",\"status\":\"open\",\"class\":{\"code\":\"AMB\"}}", "Encounter.status: 'open' is not one of"),
  BAD ("encounter-no-class", "{\"resourceType\":\"Encounter\",\"status\":\"finished\"}", "Encounter.class: required element missing"),
  BAD ("medreq-intent", "{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"wish\","
       "\"medicationCodeableConcept\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p\"}}",
       "MedicationRequest.intent: 'wish' is not one of"),
  BAD ("medreq-no-medication", "{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
       "\"subject\":{\"reference\":\"Patient/p\"}}", "MedicationRequest.medication[x]: required element missing"),
  BAD ("servicerequest-priority", "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\","
       "\"priority\":\"now\",\"subject\":{\"reference\":\"Patient/p\"}}", "ServiceRequest.priority: 'now' is not one of routine"),
  BAD ("composition-status", "{\"resourceType\":\"Composition\",\"status\":\"signed\",\"type\":{\"text\":\"x\"},"
       "\"date\":\"2020\",\"author\":[{\"display\":\"a\"}],\"title\":\"t\"}", "Composition.status: 'signed' is not one of preliminary"),
  BAD ("composition-no-title", "{\"resourceType\":\"Composition\",\"status\":\"final\",\"type\":{\"text\":\"x\"},"
       "\"date\":\"2020\",\"author\":[{\"display\":\"a\"}]}", "Composition.title: required element missing"),
  BAD ("composition-nested-section", "{\"resourceType\":\"Composition\",\"status\":\"final\",\"type\":{\"text\":\"x\"},"
       "\"date\":\"2020\",\"author\":[{\"display\":\"a\"}],\"title\":\"t\","
       "\"section\":[{\"title\":\"S\",\"section\":[{\"title\":\"A\"},{\"mode\":\"bogus\"}]}]}",
       "Composition.section[0].section[1].mode: 'bogus' is not one of working, snapshot, changes"),
  BAD ("appointment-status", "{\"resourceType\":\"Appointment\",\"status\":\"done\",\"participant\":[{\"status\":\"accepted\"}]}",
       "Appointment.status: 'done' is not one of"),
  BAD ("appointment-participant-status", "{\"resourceType\":\"Appointment\",\"status\":\"booked\",\"participant\":[{}]}",
       "Appointment.participant[0]: an object must not be empty"),
  BAD ("allergy-category", "{\"resourceType\":\"AllergyIntolerance\",\"patient\":{\"reference\":\"Patient/p\"},\"category\":[\"food\",\"pollen\"]}",
       "AllergyIntolerance.category[1]: 'pollen' is not one of food, medication, environment, biologic"),
  BAD ("allergy-criticality", "{\"resourceType\":\"AllergyIntolerance\",\"patient\":{\"reference\":\"Patient/p\"},\"criticality\":\"severe\"}",
       "AllergyIntolerance.criticality: 'severe' is not one of low, high, unable-to-assess"),
  BAD ("allergy-type", "{\"resourceType\":\"AllergyIntolerance\",\"patient\":{\"reference\":\"Patient/p\"},\"type\":\"immune\"}",
       "AllergyIntolerance.type: 'immune' is not one of allergy, intolerance"),
  BAD ("condition-no-subject", "{\"resourceType\":\"Condition\",\"code\":{\"text\":\"x\"}}", "Condition.subject: required element missing"),
  BAD ("backbone-required", PAT "\"link\":[{\"other\":{\"reference\":\"Patient/b\"}}]}", "Patient.link[0].type: required element missing"),
  BAD ("task-input-value", "{\"resourceType\":\"Task\",\"status\":\"ready\",\"intent\":\"order\",\"input\":[{\"type\":{\"text\":\"t\"}}]}",
       "Task.input[0].value[x]: required element missing"),
  /* references */
  OK ("reference-forms", OBS "\"subject\":{\"reference\":\"Patient/p1\"},\"performer\":[{\"reference\":\"#c\"},"
      "{\"reference\":\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\"},{\"reference\":\"https://x.org/fhir/Practitioner/1\"},"
      "{\"reference\":\"Practitioner/1/_history/2\"}]," OBS_END),
  BAD ("reference-bad", OBS "\"subject\":{\"reference\":\"Patient/a b\"}," OBS_END,
       "Observation.subject.reference: 'Patient/a b' is not a valid reference"),
  BAD ("reference-no-type", OBS "\"performer\":[{\"reference\":\"p1\"}]," OBS_END,
       "Observation.performer[0].reference: 'p1' is not a valid reference"),
  BAD ("reference-history", OBS "\"subject\":{\"reference\":\"Patient/p/history/1\"}," OBS_END,
       "Observation.subject.reference:"),
  BAD ("reference-kind", OBS "\"subject\":{\"reference\":7}," OBS_END, "Observation.subject.reference: expected a string"),
  /* choice elements */
  BAD ("choice-two", OBS "\"valueString\":\"a\",\"valueBoolean\":true," OBS_END,
       "Observation.valueBoolean: value[x] is already given as valueString"),
  BAD ("choice-two-deceased", PAT "\"deceasedBoolean\":true,\"deceasedDateTime\":\"2020\"}",
       "Patient.deceasedDateTime: deceased[x] is already given as deceasedBoolean"),
  BAD ("choice-unknown-type", OBS "\"valueUri\":\"http://x\"," OBS_END, "Observation.valueUri: unknown element"),
  OK ("choice-with-extension", OBS "\"valueString\":\"a\",\"_valueString\":{\"id\":\"v\"}," OBS_END),
  /* primitive extensions */
  OK ("primitive-extension", PAT "\"birthDate\":\"1974-12-25\",\"_birthDate\":{\"extension\":[{\"url\":"
      "\"http://hl7.org/fhir/StructureDefinition/patient-birthTime\",\"valueDateTime\":\"1974-12-25T14:35:45-05:00\"}]}}"),
  OK ("primitive-extension-array", PAT "\"name\":[{\"given\":[\"a\",null],\"_given\":[null,{\"extension\":"
      "[{\"url\":\"http://e\",\"valueCode\":\"x\"}]}]}]}"),
  OK ("primitive-extension-only", PAT "\"_gender\":{\"extension\":[{\"url\":\"http://e\",\"valueCode\":\"x\"}]}}"),
  BAD ("null-without-extension", PAT "\"name\":[{\"given\":[\"a\",null]}]}", "Patient.name[0].given[1]: null is not a value"),
  BAD ("primitive-extension-on-complex", PAT "\"_name\":{\"id\":\"x\"}}", "Patient._name: unknown element"),
  BAD ("primitive-extension-kind", PAT "\"_birthDate\":\"x\"}", "Patient._birthDate: expected an object"),
  BAD ("primitive-extension-bad", PAT "\"_birthDate\":{\"extension\":[{\"url\":\"http://e\"}]}}",
       "Patient._birthDate.extension[0]: an extension needs a value[x] or nested extensions"),
  BAD ("primitive-extension-unknown", PAT "\"_birthDate\":{\"value\":1}}", "Patient._birthDate.value: unknown element"),
  /* extensions */
  OK ("extension-nested", PAT "\"extension\":[{\"url\":\"http://e\",\"extension\":[{\"url\":\"a\",\"valueString\":\"x\"}]}]}"),
  OK ("extension-complex-value", PAT "\"modifierExtension\":[{\"url\":\"http://e\",\"valueQuantity\":{\"value\":1}}]}"),
  BAD ("extension-no-url", PAT "\"extension\":[{\"valueString\":\"x\"}]}", "Patient.extension[0].url: required element missing"),
  BAD ("extension-two-values", PAT "\"extension\":[{\"url\":\"http://e\",\"valueString\":\"x\",\"valueCode\":\"y\"}]}",
       "Patient.extension[0].valueCode: value[x] is already given as valueString"),
  BAD ("extension-value-and-nested", PAT "\"extension\":[{\"url\":\"http://e\",\"valueString\":\"x\","
       "\"extension\":[{\"url\":\"a\",\"valueString\":\"y\"}]}]}", "Patient.extension[0]: an extension has either"),
  BAD ("extension-bad-value", PAT "\"name\":[{\"extension\":[{\"url\":\"http://e\",\"valueDate\":\"2020-02-31\"}]}]}",
       "Patient.name[0].extension[0].valueDate: '2020-02-31' is not a valid date"),
  BAD ("extension-not-array", PAT "\"extension\":{\"url\":\"http://e\",\"valueString\":\"x\"}}", "Patient.extension: expected an array"),
  /* contained */
  OK ("contained-in-scope", OBS "\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"c\",\"name\":[{\"family\":\"X\"}]}],"
      "\"performer\":[{\"reference\":\"#c\"}]," OBS_END),
  OK ("contained-out-of-scope", OBS "\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"m\",\"whatever\":[1]}]," OBS_END),
  BAD ("contained-invalid", OBS "\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"c\",\"gender\":\"x\"}]," OBS_END,
       "Observation.contained[0].gender: 'x' is not one of male, female, other, unknown"),
  BAD ("contained-no-type", OBS "\"contained\":[{\"id\":\"c\"}]," OBS_END, "Observation.contained[0]: a contained resource needs a resourceType"),
  BAD ("contained-not-object", OBS "\"contained\":[\"x\"]," OBS_END, "Observation.contained[0]: expected a resource object"),
  /* backbone elements, datatypes */
  BAD ("patient-contact", PAT "\"contact\":[{\"name\":{\"family\":\"A\"},\"gender\":\"f\"}]}", "Patient.contact[0].gender: 'f' is not one of"),
  BAD ("encounter-participant", "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
       "\"participant\":[{\"period\":{\"start\":\"2020-01-01T10:00\"}}]}", "Encounter.participant[0].period.start:"),
  BAD ("dosage-timing", "{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
       "\"medicationCodeableConcept\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p\"},"
       "\"dosageInstruction\":[{\"timing\":{\"repeat\":{\"periodUnit\":\"fortnight\"}}}]}",
       "MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit: 'fortnight' is not one of s, min, h, d, wk, mo, a"),
  BAD ("contactpoint-system", PAT "\"telecom\":[{\"system\":\"pager2\",\"value\":\"1\"}]}", "Patient.telecom[0].system: 'pager2' is not one of"),
  BAD ("coding-system", PAT "\"maritalStatus\":{\"coding\":[{\"system\":\"a b\"}]}}", "Patient.maritalStatus.coding[0].system: 'a b' is not a valid uri"),
  BAD ("meta-lastupdated", PAT "\"meta\":{\"lastUpdated\":\"2020-01-01\"}}", "Patient.meta.lastUpdated: '2020-01-01' is not a valid instant"),
  BAD ("address-use", PAT "\"address\":[{\"use\":\"holiday\"}]}", "Patient.address[0].use: 'holiday' is not one of home, work, temp, old, billing"),
  BAD ("period-end", "{\"resourceType\":\"Coverage\",\"status\":\"active\",\"beneficiary\":{\"reference\":\"Patient/p\"},"
       "\"payor\":[{\"display\":\"x\"}],\"period\":{\"end\":\"2020-1\"}}", "Coverage.period.end: '2020-1' is not a valid dateTime"),
  BAD ("resource-type-inside", PAT "\"name\":[{\"resourceType\":\"x\"}]}", "Patient.name[0].resourceType: unknown element"),
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(JsonObject) resource = hc_test_object (c->json);
  g_autoptr(GError) error = NULL;
  gboolean ok = hc_fhir_validate (resource, &error);

  if (c->code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, HC_FHIR_ERROR, c->code);
  if (!g_str_has_prefix (error->message, c->prefix))
    g_error ("message '%s' does not start with '%s'", error->message, c->prefix);
}

static void
test_new_id (void)
{
  g_autofree char *prev = NULL;

  for (int i = 0; i < 200; i++)
    {
      g_autofree char *id = hc_fhir_new_id ();
      gint64 ms = g_get_real_time () / 1000;
      char prefix[13];
      gint64 id_ms;
      int k = 0;

      g_assert_cmpuint (strlen (id), ==, 36);
      for (int j = 0; j < 36; j++)
        {
          if (j == 8 || j == 13 || j == 18 || j == 23)
            g_assert_cmpint (id[j], ==, '-');
          else
            g_assert_true (g_ascii_isdigit (id[j]) || (id[j] >= 'a' && id[j] <= 'f'));
        }
      g_assert_cmpint (id[14], ==, '7');
      g_assert_nonnull (strchr ("89ab", id[19]));
      g_assert_true (hc_fhir_is_valid_id (id));
      for (int j = 0; j < 13; j++)
        if (id[j] != '-')
          prefix[k++] = id[j];
      prefix[k] = '\0';
      id_ms = g_ascii_strtoll (prefix, NULL, 16);
      g_assert_cmpint (id_ms, <=, ms);
      g_assert_cmpint (id_ms, >, ms - 5000);
      if (prev)
        {
          g_assert_cmpstr (id, !=, prev);
          /* the time prefix never goes backwards */
          g_assert_cmpint (strncmp (prev, id, 13), <=, 0);
        }
      g_free (prev);
      prev = g_strdup (id);
    }
}

static void
test_valid_reference (void)
{
  g_assert_true (hc_fhir_is_valid_reference ("Patient/123"));
  g_assert_true (hc_fhir_is_valid_reference ("Patient/a.b-c/_history/7"));
  g_assert_true (hc_fhir_is_valid_reference ("#x"));
  g_assert_true (hc_fhir_is_valid_reference ("urn:uuid:c757873d-ec9a-4326-a141-556f43239520"));
  g_assert_true (hc_fhir_is_valid_reference ("https://example.org/fhir/Patient/1"));
  g_assert_false (hc_fhir_is_valid_reference (""));
  g_assert_false (hc_fhir_is_valid_reference (NULL));
  g_assert_false (hc_fhir_is_valid_reference ("Patient"));
  g_assert_false (hc_fhir_is_valid_reference ("Patient/"));
  g_assert_false (hc_fhir_is_valid_reference ("/123"));
  g_assert_false (hc_fhir_is_valid_reference ("Patient/1/2"));
  g_assert_false (hc_fhir_is_valid_reference ("Patient/1/_history/"));
  g_assert_false (hc_fhir_is_valid_reference ("Pat1ent/1"));
  g_assert_false (hc_fhir_is_valid_reference ("http://a b"));
}

static void
test_patient_reference (void)
{
  static const struct { const char *json; const char *expected; } refs[] = {
    { "{\"resourceType\":\"Patient\",\"id\":\"p1\"}", "Patient/p1" },
    { "{\"resourceType\":\"Patient\"}", NULL },
    { "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/p1\"}}", "Patient/p1" },
    { "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Group/g\"}}", NULL },
    { "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p2\"}}", "Patient/p2" },
    { "{\"resourceType\":\"Encounter\",\"subject\":{\"reference\":\"Patient/p3\"}}", "Patient/p3" },
    { "{\"resourceType\":\"MedicationRequest\",\"subject\":{\"reference\":\"Patient/p4\"}}", "Patient/p4" },
    { "{\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":\"Patient/p5\"}}", "Patient/p5" },
    { "{\"resourceType\":\"DiagnosticReport\",\"subject\":{\"reference\":\"Patient/p6\"}}", "Patient/p6" },
    { "{\"resourceType\":\"Composition\",\"subject\":{\"reference\":\"Patient/p7\"}}", "Patient/p7" },
    { "{\"resourceType\":\"Communication\",\"subject\":{\"reference\":\"Patient/p8\"}}", "Patient/p8" },
    { "{\"resourceType\":\"AllergyIntolerance\",\"patient\":{\"reference\":\"Patient/p9\"}}", "Patient/p9" },
    { "{\"resourceType\":\"Coverage\",\"beneficiary\":{\"reference\":\"Patient/p10\"}}", "Patient/p10" },
    { "{\"resourceType\":\"Task\",\"for\":{\"reference\":\"Patient/p11\"}}", "Patient/p11" },
    { "{\"resourceType\":\"Appointment\",\"participant\":[{\"actor\":{\"reference\":\"Practitioner/d\"}},"
      "{\"actor\":{\"reference\":\"Patient/p12\"}}]}", "Patient/p12" },
    { "{\"resourceType\":\"Practitioner\",\"id\":\"d\"}", NULL },
    { "{\"resourceType\":\"Organization\",\"id\":\"o\"}", NULL },
    { "{\"resourceType\":\"Observation\",\"subject\":\"Patient/p1\"}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      g_autoptr(JsonObject) resource = hc_test_object (refs[i].json);
      g_autofree char *ref = hc_fhir_patient_reference (resource);

      g_assert_cmpstr (ref, ==, refs[i].expected);
    }
}

static void
test_resource_types (void)
{
  const char * const *types = hc_fhir_resource_types ();

  g_assert_cmpuint (g_strv_length ((char **) types), ==, 17);
  for (guint i = 0; types[i]; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"resourceType\":\"%s\",\"id\":\"x\"}", types[i]);
      g_autoptr(JsonObject) resource = hc_test_object (json);
      g_autoptr(GError) error = NULL;

      g_assert_true (hc_fhir_is_known_type (types[i]));
      /* a bare resource fails only for missing required elements, never for its type */
      if (!hc_fhir_validate (resource, &error))
        {
          g_assert_error (error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "required element missing"));
          g_assert_true (g_str_has_prefix (error->message, types[i]));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hc/data/fhir/validate/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/hc/data/fhir/new-id", test_new_id);
  g_test_add_func ("/hc/data/fhir/valid-reference", test_valid_reference);
  g_test_add_func ("/hc/data/fhir/patient-reference", test_patient_reference);
  g_test_add_func ("/hc/data/fhir/resource-types", test_resource_types);

  return g_test_run ();
}
