/* test-merge.c: the three-way merge, rule by rule and by its properties
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-merge.h"
#include "hc-test-utils.h"

/* Test JSON is written with single quotes, which none of it contains otherwise. */
static JsonObject *
object_from_quoted (const char *text)
{
  g_autofree char *json = NULL;

  if (text == NULL)
    return NULL;
  json = g_strdup (text);
  g_strdelimit (json, "'", '"');
  return hc_test_object (json);
}

/* Structural equality, written independently of the module: objects by member name whatever
 * the order, arrays item by item, numbers by value. */
static gboolean
same_json (JsonNode *a,
           JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;
  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *x = json_node_get_object (a), *y = json_node_get_object (b);
        g_autoptr(GList) names = json_object_get_members (x);

        if (json_object_get_size (x) != json_object_get_size (y))
          return FALSE;
        for (GList *n = names; n != NULL; n = n->next)
          if (!json_object_has_member (y, n->data) ||
              !same_json (json_object_get_member (x, n->data), json_object_get_member (y, n->data)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *x = json_node_get_array (a), *y = json_node_get_array (b);

        if (json_array_get_length (x) != json_array_get_length (y))
          return FALSE;
        for (guint i = 0; i < json_array_get_length (x); i++)
          if (!same_json (json_array_get_element (x, i), json_array_get_element (y, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_VALUE:
    default:
      if (json_node_get_value_type (a) == G_TYPE_STRING || json_node_get_value_type (b) == G_TYPE_STRING ||
          json_node_get_value_type (a) == G_TYPE_BOOLEAN || json_node_get_value_type (b) == G_TYPE_BOOLEAN)
        return json_node_get_value_type (a) == json_node_get_value_type (b) &&
               (json_node_get_value_type (a) == G_TYPE_STRING ?
                g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0 :
                json_node_get_boolean (a) == json_node_get_boolean (b));
      return json_node_get_double (a) == json_node_get_double (b);
    }
}

static gboolean
same_object (JsonObject *a,
             JsonObject *b)
{
  g_autoptr(JsonNode) x = NULL, y = NULL;

  if (a == NULL || b == NULL)
    return a == b;
  x = json_node_init_object (json_node_alloc (), a);
  y = json_node_init_object (json_node_alloc (), b);
  return same_json (x, y);
}

static char *
object_text (JsonObject *object)
{
  return object ? hc_json_object_to_string (object, FALSE) : g_strdup ("(deleted)");
}

static char *
paths_text (GPtrArray *paths)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < paths->len; i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", (char *) paths->pdata[i]);
  return g_strdup (out->str);
}

/* Table tests: base, local, remote, the expected merge, its outcome and its records (paths
 * joined by commas, in the order the merge meets them). */
typedef struct
{
  const char     *name;
  const char     *base;
  const char     *local;
  const char     *remote;
  const char     *merged;
  HcMergeOutcome  outcome;
  const char     *conflicts;
  const char     *notices;
} Case;

#define PATIENT "{'resourceType':'Patient','id':'p1',"
#define META(v) "'meta':{'versionId':'" #v "'}"
#define ALLERGY "{'resourceType':'AllergyIntolerance','id':'a1','patient':{'reference':'Patient/p1'},"
#define ENCOUNTER "{'resourceType':'Encounter','id':'e1','class':{'code':'AMB'},"
#define MEDREQ "{'resourceType':'MedicationRequest','id':'m1','intent':'order'," \
  "'subject':{'reference':'Patient/p1'},'medicationCodeableConcept':{'text':'amoxicillin'},"
#define SERVREQ "{'resourceType':'ServiceRequest','id':'s1','intent':'order'," \
  "'subject':{'reference':'Patient/p1'},"
#define NOTE "{'resourceType':'Composition','id':'c1','type':{'text':'note'},'date':'2026-01-01'," \
  "'author':[{'reference':'Practitioner/d1'}],'title':'Visit',"
#define CONDITION "{'resourceType':'Condition','id':'k1','subject':{'reference':'Patient/p1'},"
#define OBSERVATION "{'resourceType':'Observation','id':'o1','status':'final','code':{'text':'bp'},"
#define CODED(system, code) "{'coding':[{'system':'" system "','code':'" code "'}]}"
#define ACS(code) CODED ("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code)
#define AVS(code) CODED ("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", code)
#define CCS(code) CODED ("http://terminology.hl7.org/CodeSystem/condition-clinical", code)

static const Case cases[] = {
  /* the three-way rule */
  { "disjoint-fields",
    PATIENT META(1) ",'gender':'female'}",
    PATIENT META(1) ",'gender':'female','active':true}",
    PATIENT META(2) ",'gender':'female','birthDate':'1970-01-01'}",
    PATIENT META(2) ",'gender':'female','active':true,'birthDate':'1970-01-01'}",
    HC_MERGE_CLEAN, "", "" },
  { "same-change",
    PATIENT META(1) "}",
    PATIENT META(1) ",'gender':'male'}",
    PATIENT META(2) ",'gender':'male'}",
    PATIENT META(2) ",'gender':'male'}",
    HC_MERGE_CLEAN, "", "" },
  { "removed-one-side",
    PATIENT META(1) ",'gender':'male','active':true}",
    PATIENT META(1) ",'gender':'male'}",
    PATIENT META(2) ",'gender':'male','active':true,'birthDate':'1970-01-01'}",
    PATIENT META(2) ",'gender':'male','birthDate':'1970-01-01'}",
    HC_MERGE_CLEAN, "", "" },
  { "no-base-both-created",
    NULL,
    PATIENT META(1) ",'gender':'male','active':true}",
    PATIENT META(1) ",'gender':'female','birthDate':'1970-01-01'}",
    PATIENT META(1) ",'gender':'female','birthDate':'1970-01-01','active':true}",
    HC_MERGE_CONFLICT, "Patient.gender", "" },

  /* server-owned: id and meta are the remote's, whatever the local side did */
  { "server-owned-meta",
    PATIENT META(1) ",'active':true}",
    PATIENT "'meta':{'versionId':'1','tag':[{'code':'x'}]},'active':false}",
    PATIENT "'meta':{'versionId':'2','lastUpdated':'2026-01-01T00:00:00Z'},'active':true,'gender':'male'}",
    PATIENT "'meta':{'versionId':'2','lastUpdated':'2026-01-01T00:00:00Z'},'active':false,'gender':'male'}",
    HC_MERGE_CLEAN, "", "" },
  { "server-owned-only-meta-differs",
    PATIENT META(1) ",'active':true}",
    PATIENT META(1) ",'active':false}",
    PATIENT META(3) ",'active':true}",
    PATIENT META(3) ",'active':false}",
    HC_MERGE_CLEAN, "", "" },

  /* append: union, never a conflict */
  { "append-reactions-added-both",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]}]}",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]},"
                    "{'substance':{'text':'milk'},'manifestation':[{'text':'hives'}]}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]},"
                    "{'substance':{'text':'nuts'},'manifestation':[{'text':'wheeze'}]}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]},"
                    "{'substance':{'text':'milk'},'manifestation':[{'text':'hives'}]},"
                    "{'substance':{'text':'nuts'},'manifestation':[{'text':'wheeze'}]}]}",
    HC_MERGE_CLEAN, "", "" },
  { "append-reaction-edited-both",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'mild'}]}",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'moderate'}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'severe'}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'severe'},"
                    "{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'moderate'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "append-reaction-disjoint-edits",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]}]}",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'mild'}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'onset':'2020'}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'onset':'2020','severity':'mild'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "append-reaction-removed-vs-edited",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}]}]}",
    ALLERGY META(1) ",'criticality':'low'}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'severe'}]}",
    ALLERGY META(2) ",'criticality':'low','reaction':[{'substance':{'text':'egg'},'manifestation':[{'text':'rash'}],'severity':'severe'}]}",
    HC_MERGE_NOTICE, "", "AllergyIntolerance.reaction" },
  { "append-encounter-diagnosis-participant",
    ENCOUNTER META(1) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d1'}}]}",
    ENCOUNTER META(1) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d1'}},"
                      "{'individual':{'reference':'Practitioner/n1'}}],"
                      "'diagnosis':[{'condition':{'reference':'Condition/k1'}}]}",
    ENCOUNTER META(2) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d2'}},"
                      "{'individual':{'reference':'Practitioner/d1'}}],"
                      "'diagnosis':[{'condition':{'reference':'Condition/k2'},'rank':1}]}",
    ENCOUNTER META(2) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d2'}},"
                      "{'individual':{'reference':'Practitioner/d1'}},{'individual':{'reference':'Practitioner/n1'}}],"
                      "'diagnosis':[{'condition':{'reference':'Condition/k2'},'rank':1},"
                      "{'condition':{'reference':'Condition/k1'}}]}",
    HC_MERGE_CLEAN, "", "" },
  { "append-composition-addenda",
    NOTE META(1) ",'status':'preliminary'}",
    NOTE META(1) ",'status':'preliminary','relatesTo':[{'code':'appends','targetReference':{'reference':'Composition/c0'}}]}",
    NOTE META(2) ",'status':'preliminary','relatesTo':[{'code':'transforms','targetReference':{'reference':'Composition/c9'}}]}",
    NOTE META(2) ",'status':'preliminary','relatesTo':[{'code':'transforms','targetReference':{'reference':'Composition/c9'}},"
                 "{'code':'appends','targetReference':{'reference':'Composition/c0'}}]}",
    HC_MERGE_CLEAN, "", "" },
  { "append-notes",
    CONDITION META(1) ",'note':[{'text':'first'}]}",
    CONDITION META(1) ",'note':[{'text':'first'},{'text':'from the laptop'}]}",
    CONDITION META(2) ",'note':[{'text':'first, corrected'},{'text':'from the desk'}]}",
    CONDITION META(2) ",'note':[{'text':'first, corrected'},{'text':'from the desk'},{'text':'from the laptop'}]}",
    HC_MERGE_CLEAN, "", "" },

  /* last-writer-wins + notice: the remote is the later server commit */
  { "lww-telecom-same-item",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'home'},{'system':'email','value':'a@b'}]}",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'work'},{'system':'email','value':'a@b'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'1','use':'mobile'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'1','use':'mobile'}]}",
    HC_MERGE_NOTICE, "", "Patient.telecom.use" },
  { "lww-telecom-disjoint-items",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'home'},{'system':'phone','value':'2','use':'work'}]}",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'home'},{'system':'phone','value':'2','use':'work','rank':1}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'2','use':'work'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'2','use':'work','rank':1}]}",
    HC_MERGE_CLEAN, "", "" },
  { "lww-telecom-removed-vs-edited",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'home'}]}",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'work'}]}",
    PATIENT META(2) ",'gender':'male'}",
    PATIENT META(2) ",'gender':'male'}",
    HC_MERGE_NOTICE, "", "Patient.telecom" },
  { "lww-address",
    PATIENT META(1) ",'address':[{'use':'home','city':'Bern'}]}",
    PATIENT META(1) ",'address':[{'use':'home','city':'Basel'}]}",
    PATIENT META(2) ",'address':[{'use':'home','city':'Thun','postalCode':'3600'}]}",
    PATIENT META(2) ",'address':[{'use':'home','city':'Thun','postalCode':'3600'}]}",
    HC_MERGE_NOTICE, "", "Patient.address.city" },
  { "lww-contact-communication-preferences",
    PATIENT META(1) ",'contact':[{'name':{'family':'A'}}],'communication':[{'language':{'text':'de'}}]}",
    PATIENT META(1) ",'contact':[{'name':{'family':'B'}}],'communication':[{'language':{'text':'de'},'preferred':true}],"
                    "'maritalStatus':{'text':'M'}}",
    PATIENT META(2) ",'contact':[{'name':{'family':'C'}}],'communication':[{'language':{'text':'fr'}}],"
                    "'maritalStatus':{'text':'S'}}",
    PATIENT META(2) ",'contact':[{'name':{'family':'C'}}],'communication':[{'language':{'text':'fr'}}],"
                    "'maritalStatus':{'text':'S'}}",
    HC_MERGE_NOTICE, "", "Patient.contact,Patient.communication,Patient.maritalStatus.text" },

  /* state machine: the further state wins; off the ladder or two terminal states: review */
  { "state-further-remote",
    ENCOUNTER META(1) ",'status':'planned'}",
    ENCOUNTER META(1) ",'status':'arrived'}",
    ENCOUNTER META(2) ",'status':'finished'}",
    ENCOUNTER META(2) ",'status':'finished'}",
    HC_MERGE_NOTICE, "", "Encounter.status" },
  { "state-further-local",
    ENCOUNTER META(1) ",'status':'planned'}",
    ENCOUNTER META(1) ",'status':'in-progress'}",
    ENCOUNTER META(2) ",'status':'triaged'}",
    ENCOUNTER META(2) ",'status':'in-progress'}",
    HC_MERGE_NOTICE, "", "Encounter.status" },
  { "state-terminal-vs-terminal",
    ENCOUNTER META(1) ",'status':'in-progress'}",
    ENCOUNTER META(1) ",'status':'finished'}",
    ENCOUNTER META(2) ",'status':'entered-in-error'}",
    ENCOUNTER META(2) ",'status':'entered-in-error'}",
    HC_MERGE_CONFLICT, "Encounter.status", "" },
  { "state-cancelled-vs-started",
    ENCOUNTER META(1) ",'status':'planned'}",
    ENCOUNTER META(1) ",'status':'cancelled'}",
    ENCOUNTER META(2) ",'status':'in-progress'}",
    ENCOUNTER META(2) ",'status':'in-progress'}",
    HC_MERGE_CONFLICT, "Encounter.status", "" },

  /* safe provisional + review: the more cautious value, and a conflict */
  { "safe-allergy-active",
    ALLERGY META(1) ",'clinicalStatus':" ACS ("active") "}",
    ALLERGY META(1) ",'clinicalStatus':" ACS ("inactive") "}",
    ALLERGY META(2) ",'clinicalStatus':" ACS ("resolved") "}",
    ALLERGY META(2) ",'clinicalStatus':" ACS ("inactive") "}",
    HC_MERGE_CONFLICT, "AllergyIntolerance.clinicalStatus", "" },
  { "safe-allergy-reactivated-locally",
    ALLERGY META(1) ",'clinicalStatus':" ACS ("inactive") ",'verificationStatus':" AVS ("unconfirmed") "}",
    ALLERGY META(1) ",'clinicalStatus':" ACS ("active") ",'verificationStatus':" AVS ("confirmed") "}",
    ALLERGY META(2) ",'clinicalStatus':" ACS ("resolved") ",'verificationStatus':" AVS ("refuted") "}",
    ALLERGY META(2) ",'clinicalStatus':" ACS ("active") ",'verificationStatus':" AVS ("confirmed") "}",
    HC_MERGE_CONFLICT, "AllergyIntolerance.clinicalStatus,AllergyIntolerance.verificationStatus", "" },
  { "safe-allergy-criticality",
    ALLERGY META(1) ",'criticality':'unable-to-assess'}",
    ALLERGY META(1) ",'criticality':'high'}",
    ALLERGY META(2) ",'criticality':'low'}",
    ALLERGY META(2) ",'criticality':'high'}",
    HC_MERGE_CONFLICT, "AllergyIntolerance.criticality", "" },
  { "safe-order-cancel-vs-edit",
    MEDREQ META(1) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'1 tab'}]}",
    MEDREQ META(1) ",'status':'cancelled','dosageInstruction':[{'sequence':1,'text':'1 tab'}]}",
    MEDREQ META(2) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'2 tabs'}]}",
    MEDREQ META(2) ",'status':'cancelled','dosageInstruction':[{'sequence':1,'text':'2 tabs'}]}",
    HC_MERGE_CONFLICT, "MedicationRequest.status", "" },
  { "safe-order-edit-vs-hold",
    SERVREQ META(1) ",'status':'active','code':{'text':'CBC'},'priority':'routine'}",
    SERVREQ META(1) ",'status':'active','code':{'text':'CBC'},'priority':'urgent'}",
    SERVREQ META(2) ",'status':'on-hold','code':{'text':'CBC'}}",
    SERVREQ META(2) ",'status':'on-hold','code':{'text':'CBC'}}",
    HC_MERGE_CONFLICT, "ServiceRequest.priority,ServiceRequest.status", "" },
  { "safe-order-revoke-vs-hold",
    SERVREQ META(1) ",'status':'active','code':{'text':'CBC'}}",
    SERVREQ META(1) ",'status':'revoked','code':{'text':'CBC'}}",
    SERVREQ META(2) ",'status':'on-hold','code':{'text':'CBC'}}",
    SERVREQ META(2) ",'status':'revoked','code':{'text':'CBC'}}",
    HC_MERGE_CONFLICT, "ServiceRequest.status", "" },
  { "order-both-cancelled-other-edits",
    MEDREQ META(1) ",'status':'active'}",
    MEDREQ META(1) ",'status':'cancelled','note':[{'text':'wrong drug'}]}",
    MEDREQ META(2) ",'status':'cancelled','statusReason':{'text':'duplicate'}}",
    MEDREQ META(2) ",'status':'cancelled','statusReason':{'text':'duplicate'},'note':[{'text':'wrong drug'}]}",
    HC_MERGE_CLEAN, "", "" },

  /* review: nothing automatic, the remote value provisionally */
  { "review-birthdate",
    PATIENT META(1) ",'birthDate':'1970-01-01'}",
    PATIENT META(1) ",'birthDate':'1970-01-02'}",
    PATIENT META(2) ",'birthDate':'1971-01-01'}",
    PATIENT META(2) ",'birthDate':'1971-01-01'}",
    HC_MERGE_CONFLICT, "Patient.birthDate", "" },
  { "review-gender",
    PATIENT META(1) ",'gender':'unknown'}",
    PATIENT META(1) ",'gender':'female'}",
    PATIENT META(2) ",'gender':'male'}",
    PATIENT META(2) ",'gender':'male'}",
    HC_MERGE_CONFLICT, "Patient.gender", "" },
  { "review-official-name-whole",
    PATIENT META(1) ",'name':[{'use':'official','family':'Muller','given':['Anna']}]}",
    PATIENT META(1) ",'name':[{'use':'official','family':'Müller','given':['Anna']}]}",
    PATIENT META(2) ",'name':[{'use':'official','family':'Muller','given':['Anna','Maria']}]}",
    PATIENT META(2) ",'name':[{'use':'official','family':'Muller','given':['Anna','Maria']}]}",
    HC_MERGE_CONFLICT, "Patient.name", "" },
  { "review-official-name-with-id",
    PATIENT META(1) ",'name':[{'id':'n1','use':'official','family':'Muller'}]}",
    PATIENT META(1) ",'name':[{'id':'n1','use':'usual','family':'Muller'}]}",
    PATIENT META(2) ",'name':[{'id':'n1','use':'official','family':'Muller','given':['Anna']}]}",
    PATIENT META(2) ",'name':[{'id':'n1','use':'official','family':'Muller','given':['Anna']}]}",
    HC_MERGE_CONFLICT, "Patient.name", "" },
  { "review-identifier-new-value-both",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'2'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:mrn','value':'3'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:mrn','value':'3'}]}",
    HC_MERGE_CONFLICT, "Patient.identifier", "" },
  { "identifier-different-systems-union",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1'},{'system':'urn:ins','value':'9'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:ssn','value':'7'},{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:ssn','value':'7'},{'system':'urn:mrn','value':'1'},"
                    "{'system':'urn:ins','value':'9'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "review-identifier-item-edited-both",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1','use':'official'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:mrn','value':'1','use':'old'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:mrn','value':'1','use':'old'}]}",
    HC_MERGE_CONFLICT, "Patient.identifier.use", "" },
  { "review-medication-type-change",
    MEDREQ META(1) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationReference':{'reference':'Medication/x'}," META(1) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationCodeableConcept':{'text':'amoxicillin 500'}," META(2) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationCodeableConcept':{'text':'amoxicillin 500'}," META(2) ",'status':'active'}",
    HC_MERGE_CONFLICT, "MedicationRequest.medication[x]", "" },
  { "review-medication-codings-not-unioned",
    MEDREQ META(1) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationCodeableConcept':" CODED ("http://www.nlm.nih.gov/research/umls/rxnorm", "1") "," META(1) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationCodeableConcept':" CODED ("http://www.nlm.nih.gov/research/umls/rxnorm", "2") "," META(2) ",'status':'active'}",
    "{'resourceType':'MedicationRequest','id':'m1','intent':'order','subject':{'reference':'Patient/p1'},"
      "'medicationCodeableConcept':" CODED ("http://www.nlm.nih.gov/research/umls/rxnorm", "2") "," META(2) ",'status':'active'}",
    HC_MERGE_CONFLICT, "MedicationRequest.medicationCodeableConcept", "" },
  { "review-dosage-whole",
    MEDREQ META(1) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'1 tab'},{'sequence':2,'text':'at night'}]}",
    MEDREQ META(1) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'2 tabs'},{'sequence':2,'text':'at night'}]}",
    MEDREQ META(2) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'1 tab'},{'sequence':2,'text':'mornings'}]}",
    MEDREQ META(2) ",'status':'active','dosageInstruction':[{'sequence':1,'text':'1 tab'},{'sequence':2,'text':'mornings'}]}",
    HC_MERGE_CONFLICT, "MedicationRequest.dosageInstruction", "" },
  { "review-dispense-quantity-repeats",
    MEDREQ META(1) ",'status':'active','dispenseRequest':{'quantity':{'value':10},'numberOfRepeatsAllowed':1}}",
    MEDREQ META(1) ",'status':'active','dispenseRequest':{'quantity':{'value':20},'numberOfRepeatsAllowed':2,"
                   "'validityPeriod':{'end':'2027-01-01'}}}",
    MEDREQ META(2) ",'status':'active','dispenseRequest':{'quantity':{'value':30},'numberOfRepeatsAllowed':3}}",
    MEDREQ META(2) ",'status':'active','dispenseRequest':{'quantity':{'value':30},'numberOfRepeatsAllowed':3,"
                   "'validityPeriod':{'end':'2027-01-01'}}}",
    HC_MERGE_CONFLICT, "MedicationRequest.dispenseRequest.quantity,"
                       "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed", "" },
  { "review-condition-status",
    CONDITION META(1) ",'clinicalStatus':" CCS ("active") "}",
    CONDITION META(1) ",'clinicalStatus':" CCS ("resolved") "}",
    CONDITION META(2) ",'clinicalStatus':" CCS ("relapse") "}",
    CONDITION META(2) ",'clinicalStatus':" CCS ("relapse") "}",
    HC_MERGE_CONFLICT, "Condition.clinicalStatus", "" },
  { "review-signed-note-local-edit",
    NOTE META(1) ",'status':'final','section':[{'title':'Plan','text':{'status':'additional','div':'<div>rest</div>'}}]}",
    NOTE META(1) ",'status':'final','section':[{'title':'Plan','text':{'status':'additional','div':'<div>rest, fluids</div>'}}]}",
    NOTE META(2) ",'status':'amended','section':[{'title':'Plan','text':{'status':'additional','div':'<div>rest</div>'}}]}",
    NOTE META(2) ",'status':'amended','section':[{'title':'Plan','text':{'status':'additional','div':'<div>rest</div>'}}]}",
    HC_MERGE_CONFLICT, "Composition.section", "" },
  { "review-signed-remotely-edited-locally",
    NOTE META(1) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    NOTE META(1) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a2</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    NOTE META(2) ",'status':'final','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    NOTE META(2) ",'status':'final','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    HC_MERGE_CONFLICT, "Composition.section", "" },
  { "draft-note-sections-merge",
    NOTE META(1) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    NOTE META(1) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a2</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b</div>'}}]}",
    NOTE META(2) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b2</div>'}}]}",
    NOTE META(2) ",'status':'preliminary','section':[{'code':{'text':'plan'},'text':{'status':'additional','div':'<div>a2</div>'}},"
                 "{'code':{'text':'assessment'},'text':{'status':'additional','div':'<div>b2</div>'}}]}",
    HC_MERGE_CLEAN, "", "" },
  { "review-no-rule",
    OBSERVATION META(1) ",'valueQuantity':{'value':120}}",
    OBSERVATION META(1) ",'valueQuantity':{'value':125}}",
    OBSERVATION META(2) ",'valueQuantity':{'value':130}}",
    OBSERVATION META(2) ",'valueQuantity':{'value':130}}",
    HC_MERGE_CONFLICT, "Observation.valueQuantity.value", "" },
  { "review-choice-type-differs",
    OBSERVATION META(1) ",'valueQuantity':{'value':120}}",
    OBSERVATION META(1) ",'valueString':'high'}",
    OBSERVATION META(2) ",'valueQuantity':{'value':130}}",
    OBSERVATION META(2) ",'valueQuantity':{'value':130}}",
    HC_MERGE_CONFLICT, "Observation.value[x]", "" },
  { "choice-type-changed-one-side",
    OBSERVATION META(1) ",'valueQuantity':{'value':120}}",
    OBSERVATION META(1) ",'valueString':'high'}",
    OBSERVATION META(2) ",'valueQuantity':{'value':120},'issued':'2026-01-01T00:00:00Z'}",
    OBSERVATION META(2) ",'valueString':'high','issued':'2026-01-01T00:00:00Z'}",
    HC_MERGE_CLEAN, "", "" },
  { "review-atomic-array",
    PATIENT META(1) ",'name':[{'use':'usual','given':['Al']}]}",
    PATIENT META(1) ",'name':[{'use':'usual','given':['Alfred']}]}",
    PATIENT META(2) ",'name':[{'use':'usual','given':['Al','B']}]}",
    PATIENT META(2) ",'name':[{'use':'usual','given':['Al','B']}]}",
    HC_MERGE_CONFLICT, "Patient.name.given", "" },
  { "modifier-extension-review",
    CONDITION META(1) ",'modifierExtension':[{'url':'http://x/a','valueBoolean':true}]}",
    CONDITION META(1) ",'modifierExtension':[{'url':'http://x/a','valueBoolean':false}]}",
    CONDITION META(2) ",'modifierExtension':[{'url':'http://x/a','valueBoolean':true},{'url':'http://x/b','valueBoolean':true}]}",
    CONDITION META(2) ",'modifierExtension':[{'url':'http://x/a','valueBoolean':true},{'url':'http://x/b','valueBoolean':true}]}",
    HC_MERGE_CONFLICT, "Condition.modifierExtension", "" },
  { "extension-by-url",
    CONDITION META(1) ",'extension':[{'url':'http://x/a','valueString':'1'}]}",
    CONDITION META(1) ",'extension':[{'url':'http://x/a','valueString':'2'}]}",
    CONDITION META(2) ",'extension':[{'url':'http://x/b','valueString':'3'},{'url':'http://x/a','valueString':'1'}]}",
    CONDITION META(2) ",'extension':[{'url':'http://x/b','valueString':'3'},{'url':'http://x/a','valueString':'2'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "emptied-array-omitted",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1'},{'system':'phone','value':'2'}]}",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'2'}]}",
    PATIENT META(2) "}",
    HC_MERGE_CLEAN, "", "" },

  /* deletions */
  { "delete-vs-delete", PATIENT META(1) "}", NULL, NULL, NULL, HC_MERGE_CLEAN, "", "" },
  { "nothing-anywhere", NULL, NULL, NULL, NULL, HC_MERGE_CLEAN, "", "" },
  { "delete-vs-unchanged", PATIENT META(1) "}", NULL, PATIENT META(1) "}", NULL, HC_MERGE_CLEAN, "", "" },
  { "unchanged-vs-delete", PATIENT META(1) "}", PATIENT META(1) "}", NULL, NULL, HC_MERGE_CLEAN, "", "" },
  { "delete-vs-edit",
    PATIENT META(1) "}", NULL, PATIENT META(2) ",'gender':'male'}", PATIENT META(2) ",'gender':'male'}",
    HC_MERGE_CONFLICT, "Patient", "" },
  { "edit-vs-delete",
    PATIENT META(1) "}", PATIENT META(1) ",'gender':'male'}", NULL, PATIENT META(1) ",'gender':'male'}",
    HC_MERGE_CONFLICT, "Patient", "" },
  { "order-edit-vs-delete",
    MEDREQ META(1) ",'status':'active'}", MEDREQ META(1) ",'status':'active','priority':'stat'}", NULL, NULL,
    HC_MERGE_CONFLICT, "MedicationRequest", "" },
  { "created-locally-unknown-remotely",
    NULL, PATIENT META(1) ",'gender':'male'}", NULL, PATIENT META(1) ",'gender':'male'}",
    HC_MERGE_CLEAN, "", "" },
};

/* Identity, never index: each natural key rule matches an item that moved because the other
 * side inserted one in front of it. */
static const Case key_cases[] = {
  { "key-id",
    OBSERVATION META(1) ",'component':[{'id':'c1','code':{'text':'sys'},'valueString':'120'}]}",
    OBSERVATION META(1) ",'component':[{'id':'c0','code':{'text':'pulse'},'valueString':'70'},"
                        "{'id':'c1','code':{'text':'sys'},'valueString':'120'}]}",
    OBSERVATION META(2) ",'component':[{'id':'c1','code':{'text':'sys'},'valueString':'125'}]}",
    OBSERVATION META(2) ",'component':[{'id':'c0','code':{'text':'pulse'},'valueString':'70'},"
                        "{'id':'c1','code':{'text':'sys'},'valueString':'125'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "key-identifier",
    PATIENT META(1) ",'identifier':[{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(1) ",'identifier':[{'system':'urn:ins','value':'9'},{'system':'urn:mrn','value':'1'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:mrn','value':'1','use':'official'}]}",
    PATIENT META(2) ",'identifier':[{'system':'urn:ins','value':'9'},{'system':'urn:mrn','value':'1','use':'official'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "key-telecom",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1'}]}",
    PATIENT META(1) ",'telecom':[{'system':'email','value':'a@b'},{'system':'phone','value':'1'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'1','use':'home'}]}",
    PATIENT META(2) ",'telecom':[{'system':'email','value':'a@b'},{'system':'phone','value':'1','use':'home'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "atomic-array-without-key-rule",
    OBSERVATION META(1) ",'category':[{'coding':[{'system':'s','code':'vital-signs'}]}]}",
    OBSERVATION META(1) ",'category':[{'coding':[{'system':'s','code':'vital-signs'}],'text':'Vitals'}]}",
    OBSERVATION META(2) ",'category':[{'coding':[{'system':'s','code':'vital-signs','display':'Vital Signs'}]}]}",
    OBSERVATION META(2) ",'category':[{'coding':[{'system':'s','code':'vital-signs','display':'Vital Signs'}]}]}",
    HC_MERGE_CONFLICT, "Observation.category", "" },
  { "key-coding-inside-concept",
    CONDITION META(1) ",'category':" "[{'coding':[{'system':'s','code':'problem'}]}]" ",'severity':{'coding':[{'system':'s','code':'mild'}]}}",
    CONDITION META(1) ",'category':" "[{'coding':[{'system':'s','code':'problem'}]}]" ",'severity':{'coding':[{'system':'t','code':'1'},{'system':'s','code':'mild'}]}}",
    CONDITION META(2) ",'category':" "[{'coding':[{'system':'s','code':'problem'}]}]" ",'severity':{'coding':[{'system':'s','code':'mild','display':'Mild'}]}}",
    CONDITION META(2) ",'category':" "[{'coding':[{'system':'s','code':'problem'}]}]" ",'severity':{'coding':[{'system':'t','code':'1'},{'system':'s','code':'mild','display':'Mild'}]}}",
    HC_MERGE_CLEAN, "", "" },
  { "key-name-use",
    PATIENT META(1) ",'name':[{'use':'official','family':'A'}]}",
    PATIENT META(1) ",'name':[{'use':'nickname','given':['Bo']},{'use':'official','family':'A'}]}",
    PATIENT META(2) ",'name':[{'use':'official','family':'A','given':['Bob']}]}",
    PATIENT META(2) ",'name':[{'use':'nickname','given':['Bo']},{'use':'official','family':'A','given':['Bob']}]}",
    HC_MERGE_CLEAN, "", "" },
  { "key-address-use",
    PATIENT META(1) ",'address':[{'use':'home','city':'Bern'}]}",
    PATIENT META(1) ",'address':[{'use':'work','city':'Zug'},{'use':'home','city':'Bern'}]}",
    PATIENT META(2) ",'address':[{'use':'home','city':'Bern','postalCode':'3000'}]}",
    PATIENT META(2) ",'address':[{'use':'work','city':'Zug'},{'use':'home','city':'Bern','postalCode':'3000'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "key-reaction-substance",
    ALLERGY META(1) ",'reaction':[{'substance':" CODED ("http://snomed.info/sct", "3718001") ",'manifestation':[{'text':'rash'}]}]}",
    ALLERGY META(1) ",'reaction':[{'substance':{'text':'latex'},'manifestation':[{'text':'itch'}]},"
                    "{'substance':" CODED ("http://snomed.info/sct", "3718001") ",'manifestation':[{'text':'rash'}]}]}",
    ALLERGY META(2) ",'reaction':[{'substance':" CODED ("http://snomed.info/sct", "3718001") ",'manifestation':[{'text':'rash'}],'severity':'mild'}]}",
    ALLERGY META(2) ",'reaction':[{'substance':{'text':'latex'},'manifestation':[{'text':'itch'}]},"
                    "{'substance':" CODED ("http://snomed.info/sct", "3718001") ",'manifestation':[{'text':'rash'}],'severity':'mild'}]}",
    HC_MERGE_CLEAN, "", "" },
  { "key-participant-individual",
    ENCOUNTER META(1) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d1'}}]}",
    ENCOUNTER META(1) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/n1'}},"
                      "{'individual':{'reference':'Practitioner/d1'}}]}",
    ENCOUNTER META(2) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/d1','display':'Dr D'}}]}",
    ENCOUNTER META(2) ",'status':'in-progress','participant':[{'individual':{'reference':'Practitioner/n1'}},"
                      "{'individual':{'reference':'Practitioner/d1','display':'Dr D'}}]}",
    HC_MERGE_CLEAN, "", "" },
};

static void
run_case (const Case *c)
{
  g_autoptr(JsonObject) base = object_from_quoted (c->base);
  g_autoptr(JsonObject) local = object_from_quoted (c->local);
  g_autoptr(JsonObject) remote = object_from_quoted (c->remote);
  g_autoptr(JsonObject) expected = object_from_quoted (c->merged);
  g_autoptr(HcMergeResult) result = hc_merge_resources (base, local, remote);
  g_autofree char *got = object_text (result->merged);
  g_autofree char *want = object_text (expected);
  g_autofree char *conflicts = paths_text (result->conflicts);
  g_autofree char *notices = paths_text (result->notices);

  g_test_message ("%s: %s", c->name, got);
  if (!same_object (result->merged, expected))
    g_error ("%s: merged %s, expected %s", c->name, got, want);
  g_assert_cmpstr (conflicts, ==, c->conflicts);
  g_assert_cmpstr (notices, ==, c->notices);
  g_assert_cmpint (result->outcome, ==, c->outcome);
}

static void
test_policies (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i]);
}

static void
test_array_keys (void)
{
  static const struct
  {
    const char *array;
    const char *item;
    const char *key;
  } keys[] = {
    { "telecom", "{'id':'t1','system':'phone','value':'1'}", "id:t1" },
    { "component", "{'id':'c1'}", "id:c1" },
    { "identifier", "{'system':'urn:mrn','value':'1'}", "k:urn:mrn|1" },
    { "identifier", "{'value':'1'}", "k:|1" },
    { "telecom", "{'system':'email','value':'a@b','use':'home'}", "k:email|a@b" },
    { "coding", "{'system':'http://loinc.org','code':'8480-6','display':'Systolic'}", "k:http://loinc.org|8480-6" },
    { "name", "{'use':'official','family':'A'}", "k:official" },
    { "name", "{'family':'A'}", "c:{\"family\":\"A\"}" },
    { "address", "{'use':'home','city':'Bern'}", "k:home" },
    { "reaction", "{'substance':{'coding':[{'system':'s','code':'1'}]},'manifestation':[{'text':'x'}]}", "k:s|1" },
    { "reaction", "{'substance':{'text':'egg'},'manifestation':[{'text':'x'}]}", "k:{\"text\":\"egg\"}" },
    { "dosageInstruction", "{'sequence':2,'text':'at night'}", "k:2" },
    { "dosage", "{'sequence':1}", "k:1" },
    { "participant", "{'individual':{'reference':'Practitioner/d1','display':'Dr'}}", "k:Practitioner/d1" },
    { "diagnosis", "{'condition':{'reference':'Condition/k1'},'rank':1}", "k:Condition/k1" },
    { "extension", "{'url':'http://x','valueString':'a'}", "k:http://x" },
    { "note", "{'text':'b','time':'2026'}", "c:{\"text\":\"b\",\"time\":\"2026\"}" },
    { "given", NULL, NULL },
    { "contact", "{'name':{'family':'A'}}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(JsonObject) item = object_from_quoted (keys[i].item);
      g_autoptr(JsonNode) node = item ? json_node_init_object (json_node_alloc (), item)
                                      : json_node_init_string (json_node_alloc (), "Anna");
      g_autofree char *key = hc_merge_item_key (keys[i].array, node);

      g_test_message ("%s %s -> %s", keys[i].array, keys[i].item, key);
      g_assert_cmpstr (key, ==, keys[i].key);
    }

  for (guint i = 0; i < G_N_ELEMENTS (key_cases); i++)
    run_case (&key_cases[i]);
}

static JsonObject *
component (const char *id,
           const char *value)
{
  JsonObject *item = json_object_new ();
  JsonObject *code = json_object_new ();

  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (code, "text", "part");
  json_object_set_object_member (item, "code", code);
  json_object_set_string_member (item, "valueString", value);
  return item;
}

/* Thousands of items, a local addition after every other one and a remote edit of every third:
 * every edit lands on the right item and every addition after its predecessor. */
static void
test_large_arrays (void)
{
  const guint n = 4000;
  g_autoptr(JsonObject) base = object_from_quoted ("{'resourceType':'Observation','id':'o1',"
                                                   "'status':'final','code':{'text':'panel'}}");
  g_autoptr(JsonObject) local = NULL, remote = NULL;
  g_autoptr(HcMergeResult) result = NULL;
  JsonArray *b = json_array_new (), *l = json_array_new (), *r = json_array_new ();
  JsonArray *merged;
  gint64 start;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *added = g_strdup_printf ("new%u", i);

      json_array_add_object_element (b, component (id, "v"));
      json_array_add_object_element (l, component (id, "v"));
      if (i % 2 == 0)
        json_array_add_object_element (l, component (added, "n"));
      json_array_add_object_element (r, component (id, i % 3 == 0 ? "edited" : "v"));
    }
  json_object_set_array_member (base, "component", b);
  local = hc_json_object_copy (base);
  remote = hc_json_object_copy (base);
  json_object_set_array_member (local, "component", l);
  json_object_set_array_member (remote, "component", r);

  start = g_get_monotonic_time ();
  result = hc_merge_resources (base, local, remote);
  g_test_message ("%u + %u items merged in %.1f ms", n, n / 2,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (result->outcome, ==, HC_MERGE_CLEAN);
  merged = hc_json_get_array (result->merged, "component");
  g_assert_cmpuint (json_array_get_length (merged), ==, n + n / 2);
  for (guint i = 0, at = 0; i < n; i++)
    {
      JsonObject *item = hc_json_array_get_object (merged, at++);
      g_autofree char *id = g_strdup_printf ("c%u", i);

      g_assert_cmpstr (hc_json_get_string (item, "id"), ==, id);
      g_assert_cmpstr (hc_json_get_string (item, "valueString"), ==, i % 3 == 0 ? "edited" : "v");
      if (i % 2 == 0)
        {
          g_autofree char *added = g_strdup_printf ("new%u", i);

          item = hc_json_array_get_object (merged, at++);
          g_assert_cmpstr (hc_json_get_string (item, "id"), ==, added);
        }
    }
}

static void
test_canonical (void)
{
  g_autoptr(JsonObject) a = object_from_quoted ("{'b':[1,2.5,true,null],'a':{'y':'q\\u0022\\n','x':-3}}");
  g_autoptr(JsonObject) b = object_from_quoted ("{'a':{'x':-3,'y':'q\\u0022\\n'},'b':[1,2.5,true,null]}");
  g_autoptr(JsonObject) c = object_from_quoted ("{'a':{'x':-3,'y':'q'},'b':[2.5,1,true,null]}");
  g_autoptr(JsonNode) na = json_node_init_object (json_node_alloc (), a);
  g_autoptr(JsonNode) nb = json_node_init_object (json_node_alloc (), b);
  g_autoptr(JsonNode) nc = json_node_init_object (json_node_alloc (), c);
  g_autofree char *ta = hc_merge_canonical_json (na);
  g_autofree char *tb = hc_merge_canonical_json (nb);
  g_autofree char *tc = hc_merge_canonical_json (nc);
  g_autofree char *tnull = hc_merge_canonical_json (NULL);
  g_autoptr(JsonNode) back = hc_json_parse (ta, strlen (ta), NULL);

  g_assert_cmpstr (ta, ==, "{\"a\":{\"x\":-3,\"y\":\"q\\\"\\u000a\"},\"b\":[1,2.5,true,null]}");
  g_assert_cmpstr (ta, ==, tb);
  g_assert_cmpstr (ta, !=, tc);
  g_assert_cmpstr (tnull, ==, "null");
  /* it is JSON, and reads back as the same value */
  g_assert_nonnull (back);
  g_assert_true (same_json (back, na));
}

static void
assert_member (JsonObject *object,
               const char *member,
               const char *expected_quoted)
{
  g_autofree char *json = g_strdup (expected_quoted);
  g_autoptr(JsonNode) expected = NULL;

  g_strdelimit (json, "'", '"');
  expected = json_from_string (json, NULL);
  g_assert_nonnull (expected);
  if (!same_json (json_object_get_member (object, member), expected))
    g_error ("%s is %s, expected %s", member,
             json_to_string (json_object_get_member (object, member), FALSE), json);
}

/* Keep Mine and Keep Theirs decide the elements in conflict, element by element: what only one
 * side changed stays, so neither a colleague's unrelated edit nor one made here is lost. */
static void
test_resolve (void)
{
  g_autoptr(JsonObject) base = object_from_quoted (
    "{'resourceType':'Patient','id':'p1','meta':{'versionId':'3'},'birthDate':'1948-05-02',"
    "'gender':'female','telecom':[{'system':'phone','value':'555-0100'}],"
    "'address':[{'use':'home','city':'Leeds'}]}");
  /* here: the birth date (in conflict) and the address (here only) */
  g_autoptr(JsonObject) local = object_from_quoted (
    "{'resourceType':'Patient','id':'p1','meta':{'versionId':'3'},'birthDate':'1948-05-20',"
    "'gender':'female','telecom':[{'system':'phone','value':'555-0100'}],"
    "'address':[{'use':'home','city':'York'}]}");
  /* there: the birth date (in conflict), the phone and the gender (there only) */
  g_autoptr(JsonObject) remote = object_from_quoted (
    "{'resourceType':'Patient','id':'p1','meta':{'versionId':'4'},'birthDate':'1948-05-21',"
    "'gender':'other','telecom':[{'system':'phone','value':'555-0199'}],"
    "'address':[{'use':'home','city':'Leeds'}]}");
  g_autoptr(JsonObject) mine = hc_merge_resolve (base, local, remote, TRUE);
  g_autoptr(JsonObject) theirs = hc_merge_resolve (base, local, remote, FALSE);
  g_autoptr(JsonObject) deleted = NULL;

  assert_member (mine, "birthDate", "'1948-05-20'");
  assert_member (mine, "gender", "'other'");
  assert_member (mine, "telecom", "[{'system':'phone','value':'555-0199'}]");
  assert_member (mine, "address", "[{'use':'home','city':'York'}]");
  assert_member (mine, "meta", "{'versionId':'4'}");

  assert_member (theirs, "birthDate", "'1948-05-21'");
  assert_member (theirs, "gender", "'other'");
  assert_member (theirs, "telecom", "[{'system':'phone','value':'555-0199'}]");
  assert_member (theirs, "address", "[{'use':'home','city':'York'}]");
  assert_member (theirs, "meta", "{'versionId':'4'}");

  /* a deletion against an edit: the whole record is in conflict, the chosen side is kept */
  deleted = hc_merge_resolve (base, NULL, remote, TRUE);
  g_assert_null (deleted);
  {
    g_autoptr(JsonObject) kept = hc_merge_resolve (base, NULL, remote, FALSE);
    assert_member (kept, "birthDate", "'1948-05-21'");
  }
}

static void
test_provenance (void)
{
  g_autoptr(JsonObject) provenance = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *entities;

  provenance = hc_merge_provenance ("0190a5e0-0000-7000-8000-000000000001", "Patient", "p1", 3, 5,
                                    "merge", "Practitioner/dr1", "2026-11-27T10:00:00Z");
  g_assert_true (hc_fhir_validate (provenance, &error));
  g_assert_no_error (error);
  entities = hc_json_get_array (provenance, "entity");
  g_assert_cmpuint (json_array_get_length (entities), ==, 2);
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (entities, 0),
                                                           "what"), "reference"),
                   ==, "Patient/p1/_history/3");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (entities, 1),
                                                           "what"), "reference"),
                   ==, "Patient/p1/_history/5");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (provenance, "activity"), "text"), ==,
                   "merge");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (provenance,
                                                                                    "target"), 0),
                                       "reference"), ==, "Patient/p1");
  g_clear_pointer (&provenance, json_object_unref);

  /* a resolution by a user name, of a resource both sides created (no base version) */
  provenance = hc_merge_provenance ("0190a5e0-0000-7000-8000-000000000002", "MedicationRequest",
                                    "m1", 0, 1, "resolve", "dr.who", "2026-11-27T10:00:00+01:00");
  g_assert_true (hc_fhir_validate (provenance, &error));
  g_assert_no_error (error);
  entities = hc_json_get_array (provenance, "entity");
  g_assert_cmpuint (json_array_get_length (entities), ==, 1);
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (entities, 0),
                                                           "what"), "reference"),
                   ==, "MedicationRequest/m1/_history/1");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (provenance, "activity"), "text"), ==,
                   "resolve");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (
                     hc_json_get_array (provenance, "agent"), 0), "who"), "display"), ==, "dr.who");
}


/* Property tests over generated resources (DESIGN.md §6). A seeded generator makes random
 * Patients, AllergyIntolerances, Encounters, MedicationRequests and Compositions from small
 * value pools (so both sides often touch the same items) and random edits of them; each case
 * checks every property. HC_MERGE_SEED=N repeats a run, HC_MERGE_CASES=N sets its size. */

#ifdef __SANITIZE_ADDRESS__
/* ASan with full malloc stack traces is 30 to 50 times slower: fewer cases, same checks */
#define DEFAULT_CASES 500
#else
#define DEFAULT_CASES 3000
#endif

typedef JsonNode *(*GenValue) (GRand *rand);

typedef struct
{
  const char *name;
  GenValue    gen;
  gboolean    array;
  const char *keep[2];     /* array items: the fields an edit keeps (the item's identity) */
  const char *alt_name;    /* a choice element: the other type's member name, */
  GenValue    alt_gen;     /* and its value */
} Slot;

typedef struct
{
  const char *type;
  const char *skeleton;    /* required members, single-quoted JSON without the closing brace */
  const Slot *slots;
  guint       n_slots;
} Kind;

#define PICK(rand, list) ((list)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (list))])

static JsonNode *
node_from_quoted (const char *format,
                  ...) G_GNUC_PRINTF (1, 2);

static JsonNode *
node_from_quoted (const char *format,
                  ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  va_list args;
  JsonNode *node;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (text, "'", '"');
  node = hc_json_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  return node;
}

static const char * const families[] = { "Muller", "Nguyen", "Okafor", "Smith" };
static const char * const givens[] = { "Anna", "Li", "Ade", "Tom" };
static const char * const id_systems[] = { "urn:mrn", "urn:ins", "urn:ssn" };
static const char * const small_values[] = { "1", "2", "3" };
static const char * const contact_systems[] = { "phone", "email" };
static const char * const contact_values[] = { "555-0100", "555-0101", "a@b.example" };
static const char * const contact_uses[] = { "home", "work", "mobile" };
static const char * const name_uses[] = { "official", "usual", "nickname" };
static const char * const address_uses[] = { "home", "work", "temp" };
static const char * const cities[] = { "Bern", "Basel", "Thun" };
static const char * const genders[] = { "male", "female", "other", "unknown" };
static const char * const dates[] = { "1950-01-01", "1960-02-29", "1975-12-31", "2001-07-04" };
static const char * const words[] = { "rash", "hives", "wheeze", "itch", "swelling" };
static const char * const allergens[] = { "egg", "milk", "peanut", "latex" };
static const char * const clinical[] = { "active", "inactive", "resolved" };
static const char * const verification[] = { "unconfirmed", "confirmed", "refuted", "entered-in-error" };
static const char * const criticalities[] = { "low", "high", "unable-to-assess" };
static const char * const severities[] = { "mild", "moderate", "severe" };
static const char * const encounter_states[] = {
  "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
  "entered-in-error", "unknown"
};
static const char * const order_states[] = {
  "active", "on-hold", "cancelled", "completed", "stopped", "draft", "entered-in-error"
};
static const char * const priorities[] = { "routine", "urgent", "stat" };
static const char * const note_states[] = { "preliminary", "final", "amended" };
static const char * const sections[] = { "subjective", "objective", "assessment", "plan" };

static JsonNode *
gen_identifier (GRand *rand)
{
  return node_from_quoted ("{'system':'%s','value':'%s'%s}", PICK (rand, id_systems),
                           PICK (rand, small_values),
                           g_rand_boolean (rand) ? ",'use':'official'" : "");
}

static JsonNode *
gen_name (GRand *rand)
{
  int use = g_rand_int_range (rand, -1, G_N_ELEMENTS (name_uses));

  return node_from_quoted ("{%s%s%s'family':'%s','given':['%s']}", use >= 0 ? "'use':'" : "",
                           use >= 0 ? name_uses[use] : "", use >= 0 ? "'," : "",
                           PICK (rand, families), PICK (rand, givens));
}

static JsonNode *
gen_telecom (GRand *rand)
{
  return node_from_quoted ("{'system':'%s','value':'%s','use':'%s'%s}",
                           PICK (rand, contact_systems), PICK (rand, contact_values),
                           PICK (rand, contact_uses), g_rand_boolean (rand) ? ",'rank':1" : "");
}

static JsonNode *
gen_gender (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, genders));
}

static JsonNode *
gen_date (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, dates));
}

static JsonNode *
gen_boolean (GRand *rand)
{
  return json_node_init_boolean (json_node_alloc (), g_rand_boolean (rand));
}

static JsonNode *
gen_address (GRand *rand)
{
  return node_from_quoted ("{'use':'%s','city':'%s','line':['%s %d']%s}", PICK (rand, address_uses),
                           PICK (rand, cities), PICK (rand, families), g_rand_int_range (rand, 1, 4),
                           g_rand_boolean (rand) ? ",'postalCode':'3000'" : "");
}

static JsonNode *
gen_text_concept (GRand *rand)
{
  return node_from_quoted ("{'text':'%s'}", PICK (rand, words));
}

static JsonNode *
gen_communication (GRand *rand)
{
  return node_from_quoted ("{'language':{'text':'%s'}%s}", g_rand_boolean (rand) ? "de" : "fr",
                           g_rand_boolean (rand) ? ",'preferred':true" : "");
}

static JsonNode *
gen_contact (GRand *rand)
{
  return node_from_quoted ("{'name':{'family':'%s'},'relationship':[{'text':'%s'}]}",
                           PICK (rand, families), g_rand_boolean (rand) ? "mother" : "friend");
}

static JsonNode *
gen_deceased_date (GRand *rand)
{
  return node_from_quoted ("'%sT10:00:00Z'", PICK (rand, dates));
}

static JsonNode *
gen_status_concept (const char *system,
                    const char *code)
{
  return node_from_quoted ("{'coding':[{'system':'http://terminology.hl7.org/CodeSystem/%s',"
                           "'code':'%s'}]}", system, code);
}

static JsonNode *
gen_allergy_clinical (GRand *rand)
{
  return gen_status_concept ("allergyintolerance-clinical", PICK (rand, clinical));
}

static JsonNode *
gen_allergy_verification (GRand *rand)
{
  return gen_status_concept ("allergyintolerance-verification", PICK (rand, verification));
}

static JsonNode *
gen_criticality (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, criticalities));
}

static JsonNode *
gen_allergen (GRand *rand)
{
  return node_from_quoted ("{'text':'%s'}", PICK (rand, allergens));
}

static JsonNode *
gen_reaction (GRand *rand)
{
  int severity = g_rand_int_range (rand, -1, G_N_ELEMENTS (severities));

  return node_from_quoted ("{'substance':{'coding':[{'system':'http://snomed.info/sct','code':'%s'}]},"
                           "'manifestation':[{'text':'%s'}]%s%s%s}",
                           PICK (rand, small_values), PICK (rand, words),
                           severity >= 0 ? ",'severity':'" : "",
                           severity >= 0 ? severities[severity] : "", severity >= 0 ? "'" : "");
}

static JsonNode *
gen_note (GRand *rand)
{
  return node_from_quoted ("{'text':'%s %s'}", PICK (rand, words), PICK (rand, small_values));
}

static JsonNode *
gen_encounter_status (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, encounter_states));
}

static JsonNode *
gen_participant (GRand *rand)
{
  return node_from_quoted ("{'individual':{'reference':'Practitioner/d%s'}%s}",
                           PICK (rand, small_values),
                           g_rand_boolean (rand) ? ",'type':[{'text':'attender'}]" : "");
}

static JsonNode *
gen_diagnosis (GRand *rand)
{
  return node_from_quoted ("{'condition':{'reference':'Condition/k%s'},'rank':%d}",
                           PICK (rand, small_values), g_rand_int_range (rand, 1, 3));
}

static JsonNode *
gen_period (GRand *rand)
{
  return node_from_quoted ("{'start':'%sT08:00:00Z'}", PICK (rand, dates));
}

static JsonNode *
gen_order_status (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, order_states));
}

static JsonNode *
gen_priority (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, priorities));
}

static JsonNode *
gen_medication (GRand *rand)
{
  return node_from_quoted ("{'coding':[{'system':'http://www.nlm.nih.gov/research/umls/rxnorm',"
                           "'code':'%s'}],'text':'drug %s'}", PICK (rand, small_values),
                           PICK (rand, small_values));
}

static JsonNode *
gen_medication_reference (GRand *rand)
{
  return node_from_quoted ("{'reference':'Medication/m%s'}", PICK (rand, small_values));
}

static JsonNode *
gen_dosage (GRand *rand)
{
  return node_from_quoted ("{'sequence':%d,'text':'%s tab'}", g_rand_int_range (rand, 1, 3),
                           PICK (rand, small_values));
}

static JsonNode *
gen_dispense (GRand *rand)
{
  return node_from_quoted ("{'quantity':{'value':%d}%s}", 10 * g_rand_int_range (rand, 1, 4),
                           g_rand_boolean (rand) ? ",'numberOfRepeatsAllowed':1" : "");
}

static JsonNode *
gen_note_status (GRand *rand)
{
  return json_node_init_string (json_node_alloc (), PICK (rand, note_states));
}

static JsonNode *
gen_title (GRand *rand)
{
  return node_from_quoted ("'Visit %s'", PICK (rand, small_values));
}

static JsonNode *
gen_section (GRand *rand)
{
  int id = g_rand_int_range (rand, -3, G_N_ELEMENTS (small_values));

  return node_from_quoted ("{%s%s%s'code':{'text':'%s'},'text':{'status':'additional',"
                           "'div':'<div>%s</div>'}}", id >= 0 ? "'id':'s" : "",
                           id >= 0 ? small_values[id] : "", id >= 0 ? "'," : "",
                           PICK (rand, sections), PICK (rand, words));
}

static JsonNode *
gen_relates_to (GRand *rand)
{
  return node_from_quoted ("{'code':'appends','targetReference':{'reference':'Composition/c%s'}}",
                           PICK (rand, small_values));
}

static JsonNode *
gen_extension (GRand *rand)
{
  if (g_rand_boolean (rand))
    return node_from_quoted ("{'url':'http://example.org/ext/%s','valueString':'%s'}",
                             PICK (rand, small_values), PICK (rand, words));
  return node_from_quoted ("{'url':'http://example.org/ext/%s','valueCode':'%s'}",
                           PICK (rand, small_values), PICK (rand, severities));
}

static JsonNode *
gen_onset_string (GRand *rand)
{
  return node_from_quoted ("'as a %s'", g_rand_boolean (rand) ? "child" : "teenager");
}

static const Slot patient_slots[] = {
  { "identifier", gen_identifier, TRUE, { "system", "value" } },
  { "name", gen_name, TRUE, { "use" } },
  { "telecom", gen_telecom, TRUE, { "system", "value" } },
  { "gender", gen_gender },
  { "birthDate", gen_date },
  { "active", gen_boolean },
  { "address", gen_address, TRUE, { "use" } },
  { "maritalStatus", gen_text_concept },
  { "communication", gen_communication, TRUE },
  { "contact", gen_contact, TRUE },
  { "deceasedBoolean", gen_boolean, FALSE, { NULL }, "deceasedDateTime", gen_deceased_date },
  { "extension", gen_extension, TRUE, { "url" } },
};

static const Slot allergy_slots[] = {
  { "clinicalStatus", gen_allergy_clinical },
  { "verificationStatus", gen_allergy_verification },
  { "criticality", gen_criticality },
  { "code", gen_allergen },
  { "reaction", gen_reaction, TRUE, { "substance" } },
  { "note", gen_note, TRUE },
  { "recordedDate", gen_date },
  { "onsetDateTime", gen_deceased_date, FALSE, { NULL }, "onsetString", gen_onset_string },
};

static const Slot encounter_slots[] = {
  { "status", gen_encounter_status },
  { "participant", gen_participant, TRUE, { "individual" } },
  { "diagnosis", gen_diagnosis, TRUE, { "condition" } },
  { "period", gen_period },
  { "reasonCode", gen_text_concept, TRUE },
};

static const Slot medication_slots[] = {
  { "status", gen_order_status },
  { "medicationCodeableConcept", gen_medication, FALSE, { NULL }, "medicationReference",
    gen_medication_reference },
  { "dosageInstruction", gen_dosage, TRUE, { "sequence" } },
  { "dispenseRequest", gen_dispense },
  { "priority", gen_priority },
  { "note", gen_note, TRUE },
};

static const Slot composition_slots[] = {
  { "status", gen_note_status },
  { "title", gen_title },
  { "section", gen_section, TRUE, { "code" } },
  { "relatesTo", gen_relates_to, TRUE },
};

static const Kind kinds[] = {
  { "Patient", "{'resourceType':'Patient'", patient_slots, G_N_ELEMENTS (patient_slots) },
  { "AllergyIntolerance", "{'resourceType':'AllergyIntolerance','patient':{'reference':'Patient/p1'}",
    allergy_slots, G_N_ELEMENTS (allergy_slots) },
  { "Encounter", "{'resourceType':'Encounter','status':'planned','class':{'system':"
    "'http://terminology.hl7.org/CodeSystem/v3-ActCode','code':'AMB'},'subject':{'reference':'Patient/p1'}",
    encounter_slots, G_N_ELEMENTS (encounter_slots) },
  { "MedicationRequest", "{'resourceType':'MedicationRequest','status':'active','intent':'order',"
    "'medicationReference':{'reference':'Medication/m1'},'subject':{'reference':'Patient/p1'}",
    medication_slots, G_N_ELEMENTS (medication_slots) },
  { "Composition", "{'resourceType':'Composition','status':'preliminary','type':{'text':'Progress note'},"
    "'date':'2026-11-27','author':[{'reference':'Practitioner/d1'}],'title':'Visit 1'",
    composition_slots, G_N_ELEMENTS (composition_slots) },
};

static gboolean
is_required (const Kind *kind,
             const char *name)
{
  g_autofree char *quoted = g_strdup_printf ("'%s'", name);

  return strstr (kind->skeleton, quoted) != NULL;
}

/* Two items of one array with the same identity: the merge then matches them in order, which
 * an edit that removes one of them shifts; the generator keeps identities unique. */
static gboolean
has_repeated_keys (const char *name,
                   JsonArray  *array)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      char *key = hc_merge_item_key (name, json_array_get_element (array, i));

      if (key == NULL)
        continue;
      if (g_hash_table_contains (seen, key))
        {
          g_free (key);
          return TRUE;
        }
      g_hash_table_add (seen, key);
    }
  return FALSE;
}

static JsonObject *clone (JsonObject *object);

/* One random edit of one slot: set, remove, or for arrays add, remove or edit an item (an
 * edited item keeps its identity fields), or move one to the front. */
static void edit_slot_once (GRand      *rand,
                            const Kind *kind,
                            const Slot *slot,
                            JsonObject *resource);

static void
edit_slot (GRand      *rand,
           const Kind *kind,
           const Slot *slot,
           JsonObject *resource)
{
  g_autoptr(JsonObject) before = slot->array ? clone (resource) : NULL;

  edit_slot_once (rand, kind, slot, resource);
  if (before && has_repeated_keys (slot->name, hc_json_get_array (resource, slot->name)))
    {
      JsonNode *old = json_object_get_member (before, slot->name);

      if (old)
        json_object_set_member (resource, slot->name, json_node_copy (old));
      else
        json_object_remove_member (resource, slot->name);
    }
}

static void
edit_slot_once (GRand      *rand,
                const Kind *kind,
                const Slot *slot,
                JsonObject *resource)
{
  JsonArray *array = slot->array ? hc_json_get_array (resource, slot->name) : NULL;
  guint length = array ? json_array_get_length (array) : 0;
  int op = g_rand_int_range (rand, 0, 4);

  if (slot->alt_name != NULL)
    {
      gboolean alt = g_rand_boolean (rand);

      json_object_remove_member (resource, alt ? slot->name : slot->alt_name);
      json_object_set_member (resource, alt ? slot->alt_name : slot->name,
                              (alt ? slot->alt_gen : slot->gen) (rand));
      if (!is_required (kind, slot->alt_name) && g_rand_int_range (rand, 0, 4) == 0)
        json_object_remove_member (resource, alt ? slot->alt_name : slot->name);
      return;
    }
  if (!slot->array)
    {
      if (op == 0 && !is_required (kind, slot->name))
        json_object_remove_member (resource, slot->name);
      else
        json_object_set_member (resource, slot->name, slot->gen (rand));
      return;
    }
  if (length == 0 || op == 0)
    {
      JsonArray *items = array ? json_array_ref (array) : json_array_new ();

      json_array_add_element (items, slot->gen (rand));
      json_object_set_array_member (resource, slot->name, items);
    }
  else if (op == 1)
    {
      json_array_remove_element (array, g_rand_int_range (rand, 0, length));
      if (json_array_get_length (array) == 0)
        json_object_remove_member (resource, slot->name);
    }
  else if (op == 2)
    {
      guint at = g_rand_int_range (rand, 0, length);
      JsonObject *old = hc_json_array_get_object (array, at);
      JsonNode *item = slot->gen (rand);

      if (old && json_object_has_member (old, "id"))
        json_object_set_member (json_node_get_object (item), "id",
                                json_node_copy (json_object_get_member (old, "id")));
      for (guint k = 0; k < G_N_ELEMENTS (slot->keep) && slot->keep[k] && old; k++)
        if (json_object_has_member (old, slot->keep[k]))
          json_object_set_member (json_node_get_object (item), slot->keep[k],
                                  json_node_copy (json_object_get_member (old, slot->keep[k])));
      /* json_array has no replace: rebuild it */
      {
        JsonArray *items = json_array_new ();

        for (guint i = 0; i < length; i++)
          json_array_add_element (items, i == at ? json_node_ref (item)
                                                 : json_node_copy (json_array_get_element (array, i)));
        json_node_unref (item);
        json_object_set_array_member (resource, slot->name, items);
      }
    }
  else
    {
      guint at = g_rand_int_range (rand, 0, length);
      JsonArray *items = json_array_new ();

      json_array_add_element (items, json_node_copy (json_array_get_element (array, at)));
      for (guint i = 0; i < length; i++)
        if (i != at)
          json_array_add_element (items, json_node_copy (json_array_get_element (array, i)));
      json_object_set_array_member (resource, slot->name, items);
    }
}

static JsonObject *
clone (JsonObject *object)
{
  return object ? hc_json_object_copy (object) : NULL;
}

static JsonObject *
edited (GRand      *rand,
        const Kind *kind,
        JsonObject *resource,
        guint       n_edits)
{
  JsonObject *copy = clone (resource);

  for (guint i = 0; i < n_edits; i++)
    edit_slot (rand, kind, &kind->slots[g_rand_int_range (rand, 0, kind->n_slots)], copy);
  return copy;
}

static JsonObject *
generate (GRand      *rand,
          const Kind *kind,
          const char *id,
          const char *version)
{
  g_autofree char *text = g_strdup_printf ("%s,'id':'%s','meta':{'versionId':'%s'}}",
                                           kind->skeleton, id, version);
  g_autoptr(JsonObject) skeleton = object_from_quoted (text);

  return edited (rand, kind, skeleton, g_rand_int_range (rand, 0, 2 * kind->n_slots));
}

static void
set_version (JsonObject *resource,
             const char *version)
{
  if (resource)
    json_object_set_string_member (hc_json_get_object (resource, "meta"), "versionId", version);
}

typedef struct
{
  guint32     seed;
  guint       index;
  const Kind *kind;
  JsonObject *base;
  JsonObject *local;
  JsonObject *remote;
} Sample;

static void
sample_clear (Sample *sample)
{
  g_clear_pointer (&sample->base, json_object_unref);
  g_clear_pointer (&sample->local, json_object_unref);
  g_clear_pointer (&sample->remote, json_object_unref);
}

/* A case: a base, edits on both sides (sometimes the same first edits, sometimes the same
 * version), the remote one server version later; now and then a side deleted it or there is no
 * base (both created the id). */
static void
sample_generate (Sample *sample)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (sample->seed ^ (sample->index * 2654435761u));
  g_autoptr(JsonObject) shared = NULL;
  int scenario;

  sample->kind = &kinds[sample->index % G_N_ELEMENTS (kinds)];
  sample->base = generate (rand, sample->kind, "x1", "1");
  scenario = g_rand_int_range (rand, 0, 100);
  shared = scenario < 30 ? edited (rand, sample->kind, sample->base, g_rand_int_range (rand, 1, 3))
                         : clone (sample->base);
  sample->local = edited (rand, sample->kind, shared, g_rand_int_range (rand, 0, 5));
  if (scenario >= 30 && scenario < 40)
    sample->remote = clone (sample->local);
  else
    sample->remote = edited (rand, sample->kind, shared, g_rand_int_range (rand, 0, 5));
  set_version (sample->remote, "2");
  if (scenario >= 94 && scenario < 96)
    g_clear_pointer (&sample->local, json_object_unref);
  else if (scenario >= 96 && scenario < 98)
    g_clear_pointer (&sample->remote, json_object_unref);
  else if (scenario >= 98)
    {
      g_clear_pointer (&sample->base, json_object_unref);
      g_clear_pointer (&sample->remote, json_object_unref);
      sample->remote = generate (rand, sample->kind, "x1", "1");
    }
}

/* The oracle for "nothing lost without a record" */

static gboolean
recorded (HcMergeResult *result,
          const char    *path)
{
  GPtrArray *lists[2] = { result->conflicts, result->notices };

  for (guint l = 0; l < 2; l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const char *record = lists[l]->pdata[i];
        gsize n = strlen (record);

        if (g_str_has_suffix (record, "[x]"))
          {
            n -= 3;
            if (strncmp (path, record, n) == 0 && g_ascii_isupper (path[n]))
              return TRUE;
          }
        else if (strncmp (path, record, n) == 0 && (path[n] == '\0' || path[n] == '.'))
          return TRUE;
      }
  return FALSE;
}

/* Items of a keyed array by the merge's identity, repeated keys numbered as the merge does;
 * FALSE if some item has no identity (the array is compared whole). */
static gboolean
items_by_key (const char *name,
              JsonNode   *array_node,
              GHashTable *items)
{
  JsonArray *array = array_node && JSON_NODE_HOLDS_ARRAY (array_node) ?
                     json_node_get_array (array_node) : NULL;

  if (array_node != NULL && array == NULL)
    return FALSE;
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autofree char *key = hc_merge_item_key (name, item);
      char *numbered;

      if (key == NULL)
        return FALSE;
      numbered = g_strdup (key);
      for (guint n = 2; g_hash_table_contains (items, numbered); n++)
        {
          g_free (numbered);
          numbered = g_strdup_printf ("%s#%u", key, n);
        }
      g_hash_table_insert (items, numbered, item);
    }
  return TRUE;
}

static gboolean
array_has (JsonNode *array,
           JsonNode *item)
{
  for (guint i = 0; array && JSON_NODE_HOLDS_ARRAY (array) &&
                    i < json_array_get_length (json_node_get_array (array)); i++)
    if (same_json (json_array_get_element (json_node_get_array (array), i), item))
      return TRUE;
  return FALSE;
}

/* Whatever @side changed at @path since @base is in @merged, or @path (or an element above it)
 * is named in the result's conflicts or notices. On failure, the path in @lost. */
static gboolean
edit_kept (HcMergeResult *result,
           const char    *path,
           JsonNode      *base,
           JsonNode      *side,
           JsonNode      *merged,
           GString       *lost)
{
  gboolean objects;

  if (same_json (base, side) || same_json (side, merged) || recorded (result, path))
    return TRUE;

  objects = (base == NULL || JSON_NODE_HOLDS_OBJECT (base)) &&
            (side == NULL || JSON_NODE_HOLDS_OBJECT (side)) &&
            (merged == NULL || JSON_NODE_HOLDS_OBJECT (merged)) && side && merged;
  if (objects)
    {
      JsonObject *b = base ? json_node_get_object (base) : NULL;
      JsonObject *s = json_node_get_object (side);
      JsonObject *m = json_node_get_object (merged);
      g_autoptr(GList) names = json_object_get_members (s);
      g_autoptr(GList) base_names = b ? json_object_get_members (b) : NULL;

      names = g_list_concat (names, g_steal_pointer (&base_names));
      for (GList *n = names; n != NULL; n = n->next)
        {
          const char *name = n->data;
          g_autofree char *child = g_strconcat (path, ".", name + (name[0] == '_'), NULL);

          if (!edit_kept (result, child, b ? json_object_get_member (b, name) : NULL,
                          json_object_get_member (s, name), json_object_get_member (m, name), lost))
            return FALSE;
        }
      return TRUE;
    }

  {
    g_autoptr(GHashTable) b = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) s = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) m = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    const char *name = strrchr (path, '.') ? strrchr (path, '.') + 1 : path;
    gboolean keyed = (side == NULL || JSON_NODE_HOLDS_ARRAY (side) ||
                      (base && JSON_NODE_HOLDS_ARRAY (base))) &&
                     items_by_key (name, base, b) && items_by_key (name, side, s) &&
                     items_by_key (name, merged, m) &&
                     (g_hash_table_size (b) + g_hash_table_size (s) > 0);
    GHashTableIter iter;
    gpointer key, item;

    if (keyed)
      {
        GHashTable *sources[2] = { s, b };

        for (guint t = 0; t < 2; t++)
          {
            g_hash_table_iter_init (&iter, sources[t]);
            while (g_hash_table_iter_next (&iter, &key, &item))
              {
                JsonNode *bi = g_hash_table_lookup (b, key);
                JsonNode *si = g_hash_table_lookup (s, key);

                /* an item kept (perhaps next to the other side's version), or removed */
                if (same_json (bi, si) || (si && array_has (merged, si)) ||
                    (si == NULL && !array_has (merged, bi)))
                  continue;
                if (!edit_kept (result, path, bi, si, g_hash_table_lookup (m, key), lost))
                  return FALSE;
              }
          }
        return TRUE;
      }
  }
  g_string_assign (lost, path);
  return FALSE;
}

/* The same resource without its server-owned members (the merge takes those from the
 * remote by rule). */
static JsonNode *
without_server_owned (JsonObject *resource)
{
  JsonObject *copy = clone (resource);
  JsonNode *node;

  if (copy == NULL)
    return NULL;
  json_object_remove_member (copy, "id");
  json_object_remove_member (copy, "meta");
  node = json_node_init_object (json_node_alloc (), copy);
  json_object_unref (copy);
  return node;
}

static char *
canonical (JsonObject *object)
{
  g_autoptr(JsonNode) node = object ? json_node_init_object (json_node_alloc (), object) : NULL;

  return hc_merge_canonical_json (node);
}

static char *
inputs_text (Sample *sample)
{
  g_autofree char *b = canonical (sample->base);
  g_autofree char *l = canonical (sample->local);
  g_autofree char *r = canonical (sample->remote);

  return g_strconcat (b, "\n", l, "\n", r, NULL);
}

static char *
describe (Sample *sample)
{
  g_autofree char *b = object_text (sample->base);
  g_autofree char *l = object_text (sample->local);
  g_autofree char *r = object_text (sample->remote);

  return g_strdup_printf ("HC_MERGE_SEED=%u, case %u (%s)\n  base   %s\n  local  %s\n  remote %s",
                          sample->seed, sample->index, sample->kind->type, b, l, r);
}

#define PROPERTY_FAIL(sample, ...) \
  G_STMT_START { \
    g_autofree char *what_ = g_strdup_printf (__VA_ARGS__); \
    g_autofree char *case_ = describe (sample); \
    g_error ("%s\n  %s", what_, case_); \
  } G_STMT_END

static gboolean
valid (JsonObject *resource,
       char      **why)
{
  g_autoptr(GError) error = NULL;

  if (resource == NULL || hc_fhir_validate (resource, &error))
    return TRUE;
  *why = g_strdup (error->message);
  return FALSE;
}

static void
check_identity (Sample     *sample,
                JsonObject *base,
                JsonObject *local,
                JsonObject *remote,
                JsonObject *expected,
                const char *property)
{
  g_autoptr(HcMergeResult) result = hc_merge_resources (base, local, remote);

  if (!same_object (result->merged, expected) || result->outcome != HC_MERGE_CLEAN ||
      result->conflicts->len > 0 || result->notices->len > 0)
    {
      g_autofree char *got = object_text (result->merged);

      PROPERTY_FAIL (sample, "%s does not hold: got %s (outcome %d)", property, got, result->outcome);
    }
}

static void
check_sample (Sample *sample)
{
  g_autofree char *before = NULL, *after = NULL, *first = NULL, *second = NULL;
  g_autofree char *why = NULL;
  g_autoptr(HcMergeResult) result = NULL;
  g_autoptr(HcMergeResult) again = NULL;
  g_autoptr(JsonNode) b = without_server_owned (sample->base);
  g_autoptr(JsonNode) m = NULL;
  g_autoptr(GString) lost = g_string_new (NULL);
  const char *type = sample->kind->type;

  if (!valid (sample->base, &why) || !valid (sample->local, &why) || !valid (sample->remote, &why))
    PROPERTY_FAIL (sample, "the generator made an invalid resource: %s", why);

  before = inputs_text (sample);
  result = hc_merge_resources (sample->base, sample->local, sample->remote);
  again = hc_merge_resources (sample->base, sample->local, sample->remote);
  after = inputs_text (sample);

  /* no input is modified */
  if (strcmp (before, after) != 0)
    PROPERTY_FAIL (sample, "the merge modified an input");

  /* deterministic */
  first = canonical (result->merged);
  second = canonical (again->merged);
  {
    g_autofree char *c1 = paths_text (result->conflicts), *c2 = paths_text (again->conflicts);
    g_autofree char *n1 = paths_text (result->notices), *n2 = paths_text (again->notices);

    if (strcmp (first, second) != 0 || strcmp (c1, c2) != 0 || strcmp (n1, n2) != 0 ||
        result->outcome != again->outcome)
      PROPERTY_FAIL (sample, "two merges of the same input differ");
  }

  /* the outcome says what the records say */
  if (result->outcome != (result->conflicts->len ? HC_MERGE_CONFLICT :
                          result->notices->len ? HC_MERGE_NOTICE : HC_MERGE_CLEAN))
    PROPERTY_FAIL (sample, "outcome %d does not match the records", result->outcome);

  /* valid in, valid out */
  if (!valid (result->merged, &why))
    {
      g_autofree char *got = object_text (result->merged);

      PROPERTY_FAIL (sample, "the merge is not valid FHIR: %s\n  merged %s", why, got);
    }

  /* nothing either side changed is lost without a record */
  m = without_server_owned (result->merged);
  {
    g_autoptr(JsonNode) l = without_server_owned (sample->local);
    g_autoptr(JsonNode) r = without_server_owned (sample->remote);

    if (!edit_kept (result, type, b, l, m, lost) || !edit_kept (result, type, b, r, m, lost))
      {
        g_autofree char *got = object_text (result->merged);
        g_autofree char *c = paths_text (result->conflicts), *n = paths_text (result->notices);

        PROPERTY_FAIL (sample, "an edit at %s is lost without a record\n  merged %s\n"
                       "  conflicts [%s] notices [%s]", lost->str, got, c, n);
      }
  }

  /* merge(b, x, x) = x; merge(b, b, r) = r; merge(b, l, b) = l */
  if (sample->local)
    check_identity (sample, sample->base, sample->local, sample->local, sample->local,
                    "merge(b, x, x) = x");
  if (sample->remote)
    check_identity (sample, sample->base, sample->remote, sample->remote, sample->remote,
                    "merge(b, x, x) = x");
  check_identity (sample, sample->base, sample->base, sample->remote, sample->remote,
                  "merge(b, b, r) = r");
  check_identity (sample, sample->base, sample->local, sample->base, sample->local,
                  "merge(b, l, b) = l");
}

typedef struct
{
  guint cases;
  guint outcomes[3];
  guint deletions;
  gint64 merge_us;
} Tally;

static void
test_properties (void)
{
  const char *seed_env = g_getenv ("HC_MERGE_SEED");
  const char *cases_env = g_getenv ("HC_MERGE_CASES");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  guint n_cases = cases_env ? (guint) g_ascii_strtoull (cases_env, NULL, 10) : DEFAULT_CASES;
  gint64 start = g_get_monotonic_time ();
  Tally tally = { 0 };

  g_test_message ("HC_MERGE_SEED=%u HC_MERGE_CASES=%u", seed, n_cases);
  for (guint i = 0; i < n_cases; i++)
    {
      Sample sample = { seed, i };

      sample_generate (&sample);
      check_sample (&sample);
      {
        gint64 before = g_get_monotonic_time ();
        g_autoptr(HcMergeResult) result = hc_merge_resources (sample.base, sample.local,
                                                              sample.remote);

        tally.merge_us += g_get_monotonic_time () - before;
        tally.outcomes[result->outcome]++;
        tally.deletions += sample.local == NULL || sample.remote == NULL;
      }
      tally.cases++;
      sample_clear (&sample);
    }
  g_test_message ("%u generated cases (%u clean, %u notice, %u conflict, %u with a deletion) "
                  "in %.2f s, the merge itself %.1f us a case", tally.cases,
                  tally.outcomes[HC_MERGE_CLEAN], tally.outcomes[HC_MERGE_NOTICE],
                  tally.outcomes[HC_MERGE_CONFLICT], tally.deletions,
                  (g_get_monotonic_time () - start) / 1e6,
                  tally.cases ? (double) tally.merge_us / tally.cases : 0.0);
  /* the generator reaches every outcome, or the properties above prove little */
  g_assert_true (n_cases < 500 || tally.outcomes[HC_MERGE_CLEAN] > n_cases / 20);
  g_assert_true (n_cases < 500 || tally.outcomes[HC_MERGE_NOTICE] > n_cases / 200);
  g_assert_true (n_cases < 500 || tally.outcomes[HC_MERGE_CONFLICT] > n_cases / 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/sync/merge/policies", test_policies);
  g_test_add_func ("/hc/sync/merge/array-keys", test_array_keys);
  g_test_add_func ("/hc/sync/merge/large-arrays", test_large_arrays);
  g_test_add_func ("/hc/sync/merge/canonical", test_canonical);
  g_test_add_func ("/hc/sync/merge/provenance", test_provenance);
  g_test_add_func ("/hc/sync/merge/resolve", test_resolve);
  g_test_add_func ("/hc/sync/merge/properties", test_properties);

  return g_test_run ();
}
