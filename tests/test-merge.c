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

static const Case cases[] = {
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
  { "review-birthdate",
    PATIENT META(1) ",'birthDate':'1970-01-01'}",
    PATIENT META(1) ",'birthDate':'1970-01-02'}",
    PATIENT META(2) ",'birthDate':'1971-01-01'}",
    PATIENT META(2) ",'birthDate':'1971-01-01'}",
    HC_MERGE_CONFLICT, "Patient.birthDate", "" },
  { "telecom-keyed-lww",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'home'},{'system':'email','value':'a@b'}]}",
    PATIENT META(1) ",'telecom':[{'system':'phone','value':'1','use':'work'},{'system':'email','value':'a@b'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'1','use':'mobile'}]}",
    PATIENT META(2) ",'telecom':[{'system':'phone','value':'1','use':'mobile'}]}",
    HC_MERGE_NOTICE, "", "Patient.telecom.use" },
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
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i]);
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
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/sync/merge/table", test_table);
  g_test_add_func ("/hc/sync/merge/provenance", test_provenance);

  return g_test_run ();
}
