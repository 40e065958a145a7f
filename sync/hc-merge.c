/* hc-merge.c: three-way merge of two versions of one FHIR resource (DESIGN.md §6)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The merge walks base, local and remote together, element by element. At each element:
 * the same on both sides → keep it; changed on one side only → take that side; changed on both
 * sides differently → the element's policy (the nearest rule on its path, see `rules`) decides,
 * descending into objects and into arrays whose items have an identity (`id` or a natural key,
 * see `key_rules`) until the difference sits in one leaf. docs/sync.md ("Merge") lists the rules
 * in prose; keep the two in step.
 */

#define G_LOG_DOMAIN "hc-merge"

#include "config.h"

#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-merge.h"

typedef enum
{
  POLICY_AUTO,     /* descend; a leaf changed differently on both sides needs review */
  POLICY_SERVER,   /* server-owned: the remote's value, never a conflict */
  POLICY_APPEND,   /* union of items; an item edited differently on both sides is kept twice */
  POLICY_LWW,      /* descend; a leaf changed on both sides: the remote wins, with a notice */
  POLICY_STATE,    /* a lifecycle: the further state wins; off the ladder: review */
  POLICY_SAFE,     /* the more cautious value, provisionally, and review */
  POLICY_REVIEW,   /* the whole element: any concurrent different change needs review */
} Policy;

enum
{
  RULE_ANY_TYPE  = 1 << 0,  /* "*.meta": the path below any resource type */
  RULE_ANY_DEPTH = 1 << 1,  /* "note": an element of that name anywhere */
  RULE_ONE_VALUE_PER_SYSTEM = 1 << 2, /* identifiers: two new values for one system need review */
};

typedef struct
{
  const char         *path;
  Policy              policy;
  guint               flags;
  const char         *item_key;  /* the rule applies to the array item with this key only */
  const char * const *ladder;    /* POLICY_STATE: the states in order; POLICY_SAFE: codes by
                                  * increasing caution */
} Rule;

static const char * const encounter_ladder[] = {
  "planned", "arrived", "triaged", "in-progress", "onleave", "finished", NULL
};
static const char * const allergy_clinical_caution[] = { "resolved", "inactive", "active", NULL };
static const char * const allergy_verification_caution[] = {
  "entered-in-error", "refuted", "unconfirmed", "confirmed", NULL
};
static const char * const allergy_criticality_caution[] = {
  "low", "unable-to-assess", "high", NULL
};

/* Elements without a rule inherit their parent's; the resource itself is POLICY_AUTO. */
static const Rule rules[] = {
  { "*.id", POLICY_SERVER, RULE_ANY_TYPE },
  { "*.meta", POLICY_SERVER, RULE_ANY_TYPE },

  { "note", POLICY_APPEND, RULE_ANY_DEPTH },
  { "AllergyIntolerance.reaction", POLICY_APPEND },
  { "Encounter.diagnosis", POLICY_APPEND },
  { "Encounter.participant", POLICY_APPEND },
  { "Encounter.statusHistory", POLICY_APPEND },
  { "Composition.relatesTo", POLICY_APPEND },

  { "Patient.telecom", POLICY_LWW },
  { "Patient.address", POLICY_LWW },
  { "Patient.contact", POLICY_LWW },
  { "Patient.communication", POLICY_LWW },
  { "Patient.maritalStatus", POLICY_LWW },
  { "Patient.photo", POLICY_LWW },
  { "Patient.generalPractitioner", POLICY_LWW },

  { "Encounter.status", POLICY_STATE, 0, NULL, encounter_ladder },

  { "AllergyIntolerance.clinicalStatus", POLICY_SAFE, 0, NULL, allergy_clinical_caution },
  { "AllergyIntolerance.verificationStatus", POLICY_SAFE, 0, NULL, allergy_verification_caution },
  { "AllergyIntolerance.criticality", POLICY_SAFE, 0, NULL, allergy_criticality_caution },

  { "Patient.name", POLICY_REVIEW, 0, "official" },
  { "Patient.identifier", POLICY_AUTO, RULE_ONE_VALUE_PER_SYSTEM },
  { "Patient.birthDate", POLICY_REVIEW },
  { "Patient.gender", POLICY_REVIEW },
  { "Patient.deceased[x]", POLICY_REVIEW },
  { "Patient.multipleBirth[x]", POLICY_REVIEW },
  { "Patient.link", POLICY_REVIEW },
  { "AllergyIntolerance.code", POLICY_REVIEW },
  { "Condition.clinicalStatus", POLICY_REVIEW },
  { "Condition.verificationStatus", POLICY_REVIEW },
  { "Condition.code", POLICY_REVIEW },
  { "MedicationRequest.medication[x]", POLICY_REVIEW },
  { "MedicationRequest.dosageInstruction", POLICY_REVIEW },
  { "MedicationRequest.dispenseRequest.quantity", POLICY_REVIEW },
  { "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed", POLICY_REVIEW },
  { "ServiceRequest.code", POLICY_REVIEW },
  { "ServiceRequest.quantity[x]", POLICY_REVIEW },
  { "ServiceRequest.orderDetail", POLICY_REVIEW },
  { "modifierExtension", POLICY_REVIEW, RULE_ANY_DEPTH },
};

/* Natural keys of array items, by the array's element name. An item with an `id` is known by
 * it first; an item without any of the key's fields, and every item of a `content` array, is
 * known by its whole canonical JSON (so an edit is a removal plus an addition). */
typedef struct
{
  const char *name;
  const char *fields[3];
} KeyRule;

static const KeyRule key_rules[] = {
  { "identifier", { "system", "value" } },
  { "telecom", { "system", "value" } },
  { "coding", { "system", "code" } },
  { "name", { "use" } },
  { "address", { "use" } },
  { "reaction", { "substance" } },
  { "dosageInstruction", { "sequence" } },
  { "dosage", { "sequence" } },
  { "participant", { "individual" } },
  { "diagnosis", { "condition" } },
  { "section", { "code" } },
  { "extension", { "url" } },
  { "note", { NULL } },
  { "relatesTo", { NULL } },
  { "statusHistory", { NULL } },
};

/* Type names that end the name of a choice element (value[x] → valueQuantity), longest first
 * where one ends another (DateTime before Time). */
static const char * const choice_suffixes[] = {
  "Base64Binary", "CodeableConcept", "ParameterDefinition", "TriggerDefinition",
  "DataRequirement", "RelatedArtifact", "ContactDetail", "ContactPoint", "UnsignedInt",
  "PositiveInt", "SampledData", "UsageContext", "Contributor", "Attachment", "Annotation",
  "Expression", "Identifier", "HumanName", "Reference", "Signature", "Canonical", "Quantity",
  "DateTime", "Duration", "Distance", "Markdown", "Instant", "Boolean", "Integer", "Decimal",
  "Address", "Timing", "Dosage", "String", "Period", "Coding", "Money", "Range", "Ratio",
  "Count", "Date", "Time", "Code", "Uuid", "Meta", "Age", "Uri", "Url", "Oid", "Id",
};

static const char * const order_types[] = { "MedicationRequest", "ServiceRequest", NULL };
/* Order statuses that stop an order, by increasing caution (the provisional value of cancel
 * vs edit). ServiceRequest says revoked where MedicationRequest says cancelled. */
static const char * const order_stops[] = {
  "on-hold", "stopped", "revoked", "cancelled", "entered-in-error", NULL
};

typedef struct
{
  GPtrArray *conflicts;
  GPtrArray *notices;
  gboolean   signed_note;   /* Composition signed on some side: local edits need review */
} Merge;

static JsonNode *merge_node (Merge      *m,
                             const char *path,
                             Policy      policy,
                             gboolean    atomic,
                             JsonNode   *b,
                             JsonNode   *l,
                             JsonNode   *r);

/* Canonical JSON: object members sorted, no whitespace, numbers as hc-json writes them. */

static void
append_string (GString    *out,
               const char *s)
{
  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *s < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *s);
      else
        g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

static void
append_scalar (GString  *out,
               JsonNode *node)
{
  g_autofree char *text = NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    switch (json_node_get_value_type (node))
      {
      case G_TYPE_STRING:
        append_string (out, json_node_get_string (node));
        return;
      case G_TYPE_INT64:
        g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        return;
      case G_TYPE_BOOLEAN:
        g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        return;
      default:
        break;
      }
  text = hc_json_to_string (node, FALSE);   /* doubles: the shortest exact text */
  g_string_append (out, text);
}

static void
append_canonical (GString  *out,
                  JsonNode *node)
{
  if (node == NULL)
    {
      g_string_append (out, "null");
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      GList *names = g_list_sort (json_object_get_members (object), (GCompareFunc) strcmp);

      g_string_append_c (out, '{');
      for (GList *n = names; n != NULL; n = n->next)
        {
          if (n != names)
            g_string_append_c (out, ',');
          append_string (out, n->data);
          g_string_append_c (out, ':');
          append_canonical (out, json_object_get_member (object, n->data));
        }
      g_string_append_c (out, '}');
      g_list_free (names);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          append_canonical (out, json_array_get_element (array, i));
        }
      g_string_append_c (out, ']');
    }
  else
    {
      append_scalar (out, node);
    }
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, object);
  json_object_unref (object);
  return node;
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_array (node, array);
  json_array_unref (array);
  return node;
}

/* A deep copy (json_node_copy() shares objects and arrays), so the result never aliases an
 * input. */
static JsonNode *
copy_node (JsonNode *node)
{
  return node ? hc_json_copy (node) : NULL;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

static JsonObject *
node_object (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
node_array (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
node_string (JsonNode *node)
{
  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static void
record (GPtrArray  *list,
        const char *path)
{
  for (guint i = 0; i < list->len; i++)
    if (strcmp (list->pdata[i], path) == 0)
      return;
  g_ptr_array_add (list, g_strdup (path));
}

/* Rules */

static const char *
last_segment (const char *path)
{
  const char *dot = strrchr (path, '.');

  return dot ? dot + 1 : path;
}

static gboolean
rule_matches (const Rule *rule,
              const char *path,
              const char *item_key)
{
  if ((rule->item_key == NULL) != (item_key == NULL) ||
      (item_key != NULL && strcmp (rule->item_key, item_key) != 0))
    return FALSE;
  if (rule->flags & RULE_ANY_DEPTH)
    return strchr (path, '.') != NULL && strcmp (last_segment (path), rule->path) == 0;
  if (rule->flags & RULE_ANY_TYPE)
    {
      const char *dot = strchr (path, '.');

      return dot != NULL && strcmp (dot, rule->path + 1) == 0;
    }
  return strcmp (path, rule->path) == 0;
}

static const Rule *
find_rule (const char *path,
           const char *item_key)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    if (rule_matches (&rules[i], path, item_key))
      return &rules[i];
  return NULL;
}

static Policy
policy_for (const char *path,
            const char *item_key,
            Policy      inherited)
{
  const Rule *rule = find_rule (path, item_key);

  return rule ? rule->policy : inherited;
}

/* Array item identity */

static const KeyRule *
find_key_rule (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (key_rules); i++)
    if (strcmp (key_rules[i].name, name) == 0)
      return &key_rules[i];
  return NULL;
}

/* One field of a natural key: a string as is, a Reference by its reference, a CodeableConcept
 * by its codings, anything else as canonical JSON. */
static void
append_key_part (GString  *out,
                 JsonNode *node)
{
  JsonObject *object = node_object (node);
  JsonArray *codings = object ? hc_json_get_array (object, "coding") : NULL;

  if (node_string (node))
    g_string_append (out, node_string (node));
  else if (object && hc_json_get_string (object, "reference"))
    g_string_append (out, hc_json_get_string (object, "reference"));
  else if (codings && json_array_get_length (codings) > 0)
    for (guint i = 0; i < json_array_get_length (codings); i++)
      {
        JsonObject *coding = hc_json_array_get_object (codings, i);

        g_string_append_printf (out, "%s%s|%s", i > 0 ? "," : "",
                                coding && hc_json_get_string (coding, "system") ?
                                hc_json_get_string (coding, "system") : "",
                                coding && hc_json_get_string (coding, "code") ?
                                hc_json_get_string (coding, "code") : "");
      }
  else
    append_canonical (out, node);
}

static char *
item_key (const KeyRule *rule,
          JsonNode      *item,
          gboolean       by_id)
{
  JsonObject *object = node_object (item);
  GString *key;
  gboolean any = FALSE;

  if (by_id && object && hc_json_get_string (object, "id"))
    return g_strconcat ("id:", hc_json_get_string (object, "id"), NULL);
  if (rule == NULL)
    return NULL;
  key = g_string_new ("k:");
  for (guint i = 0; object && i < G_N_ELEMENTS (rule->fields) && rule->fields[i]; i++)
    {
      JsonNode *field = json_object_get_member (object, rule->fields[i]);

      if (i > 0)
        g_string_append_c (key, '|');
      if (field)
        {
          append_key_part (key, field);
          any = TRUE;
        }
    }
  if (!any)
    {
      g_string_assign (key, "c:");
      append_canonical (key, item);
    }
  return g_string_free (key, FALSE);
}

/* The policy of one item: an item rule of the array ("Patient.name" with use official) applies
 * when any version of the item has that natural key, whatever its id. */
static Policy
item_policy (const char    *path,
             const KeyRule *rule,
             Policy         inherited,
             JsonNode      *versions[3])
{
  for (guint s = 0; s < 3; s++)
    {
      g_autofree char *natural = versions[s] ? item_key (rule, versions[s], FALSE) : NULL;
      const Rule *item_rule = natural && g_str_has_prefix (natural, "k:") ?
                              find_rule (path, natural + 2) : NULL;

      if (item_rule)
        return item_rule->policy;
    }
  return inherited;
}

/* An array is matched by identity when its element name has a key rule, or when every item
 * on every side has an `id`. Otherwise it is atomic: compared whole. */
static gboolean
array_is_keyed (const char *name,
                JsonArray  *arrays[3])
{
  gboolean any = FALSE;

  if (find_key_rule (name))
    return TRUE;
  for (guint s = 0; s < 3; s++)
    for (guint i = 0; arrays[s] && i < json_array_get_length (arrays[s]); i++)
      {
        JsonObject *item = hc_json_array_get_object (arrays[s], i);

        if (item == NULL || hc_json_get_string (item, "id") == NULL)
          return FALSE;
        any = TRUE;
      }
  return any;
}

typedef struct
{
  GPtrArray  *keys;    /* char *, in array order, repeated keys numbered "#2", "#3", … */
  GHashTable *items;   /* key → JsonNode (borrowed) */
} Keyed;

static void
keyed_init (Keyed         *keyed,
            const KeyRule *rule,
            JsonArray     *array)
{
  keyed->keys = g_ptr_array_new_with_free_func (g_free);
  keyed->items = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autofree char *base = item_key (rule, item, TRUE);
      char *key = g_strdup (base ? base : "c:");

      for (guint n = 2; g_hash_table_contains (keyed->items, key); n++)
        {
          g_free (key);
          key = g_strdup_printf ("%s#%u", base, n);
        }
      g_ptr_array_add (keyed->keys, key);
      g_hash_table_insert (keyed->items, key, item);
    }
}

static void
keyed_clear (Keyed *keyed)
{
  g_hash_table_destroy (keyed->items);
  g_ptr_array_unref (keyed->keys);
}

static GPtrArray *
anchored (GHashTable *anchors,
          const char *anchor)
{
  GPtrArray *list = g_hash_table_lookup (anchors, anchor);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (anchors, (char *) anchor, list);
    }
  return list;
}

static void
append_keys (GPtrArray *order,
             GPtrArray *keys)
{
  for (guint i = 0; keys && i < keys->len; i++)
    g_ptr_array_add (order, keys->pdata[i]);
}

/* The merged order: the remote's items in its order, and each run of items only the local side
 * has after the nearest local predecessor the remote has, else before the nearest local
 * successor the remote has, else at the end. Items the local side kept unchanged but the
 * remote removed are gone. Linear in the number of items. */
static GPtrArray *
merged_key_order (Keyed *base,
                  Keyed *local,
                  Keyed *remote)
{
  GPtrArray *order = g_ptr_array_new ();
  g_autoptr(GPtrArray) tail = g_ptr_array_new ();
  g_autofree char **next_remote = g_new0 (char *, local->keys->len + 1);
  g_autoptr(GHashTable) after = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_ptr_array_unref);
  const char *previous = NULL;   /* the last local key the remote has */
  GPtrArray *run = NULL;          /* where the current run of local-only keys goes */

  for (guint i = local->keys->len; i-- > 0;)
    next_remote[i] = g_hash_table_contains (remote->items, local->keys->pdata[i]) ?
                     local->keys->pdata[i] : next_remote[i + 1];
  for (guint i = 0; i < local->keys->len; i++)
    {
      char *key = local->keys->pdata[i];

      if (g_hash_table_contains (remote->items, key))
        {
          previous = key;
          run = NULL;
          continue;
        }
      if (nodes_equal (g_hash_table_lookup (base->items, key),
                       g_hash_table_lookup (local->items, key)))
        continue;
      if (run == NULL)
        run = previous ? anchored (after, previous) :
              next_remote[i] ? anchored (before, next_remote[i]) : tail;
      g_ptr_array_add (run, key);
    }
  for (guint i = 0; i < remote->keys->len; i++)
    {
      append_keys (order, g_hash_table_lookup (before, remote->keys->pdata[i]));
      g_ptr_array_add (order, remote->keys->pdata[i]);
      append_keys (order, g_hash_table_lookup (after, remote->keys->pdata[i]));
    }
  append_keys (order, tail);
  return order;
}

/* Leaves and whole elements */

static guint
ladder_rank (const char * const *ladder,
             JsonNode           *node)
{
  JsonObject *object = node_object (node);
  const char *code = node_string (node);

  if (object && hc_json_get_array (object, "coding"))
    {
      JsonObject *coding = hc_json_array_get_object (hc_json_get_array (object, "coding"), 0);

      code = coding ? hc_json_get_string (coding, "code") : NULL;
    }
  for (guint i = 0; code && ladder[i]; i++)
    if (strcmp (ladder[i], code) == 0)
      return i + 1;
  return 0;
}

/* Both sides changed @path to different values, and the element is not merged further. */
static JsonNode *
resolve_leaf (Merge      *m,
              const char *path,
              Policy      policy,
              JsonNode   *l,
              JsonNode   *r)
{
  const Rule *rule = find_rule (path, NULL);
  guint lr, rr;

  if ((policy == POLICY_STATE || policy == POLICY_SAFE) && (rule == NULL || rule->ladder == NULL))
    policy = POLICY_REVIEW;

  switch (policy)
    {
    case POLICY_SERVER:
      return copy_node (r);
    case POLICY_LWW:
      record (m->notices, path);
      return copy_node (r);
    case POLICY_STATE:
      lr = ladder_rank (rule->ladder, l);
      rr = ladder_rank (rule->ladder, r);
      if (lr > 0 && rr > 0)
        {
          record (m->notices, path);
          return copy_node (lr > rr ? l : r);
        }
      record (m->conflicts, path);
      return copy_node (r);
    case POLICY_SAFE:
      lr = ladder_rank (rule->ladder, l);
      rr = ladder_rank (rule->ladder, r);
      record (m->conflicts, path);
      return copy_node (lr > rr ? l : r);
    case POLICY_AUTO:
    case POLICY_APPEND:
    case POLICY_REVIEW:
    default:
      record (m->conflicts, path);
      return copy_node (r);
    }
}

/* Objects */

static gboolean
ends_with_type (const char *name,
                gsize      *prefix_len)
{
  gsize len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (choice_suffixes); i++)
    {
      gsize n = strlen (choice_suffixes[i]);

      if (len > n && strcmp (name + len - n, choice_suffixes[i]) == 0 &&
          g_ascii_islower (name[len - n - 1]))
        {
          *prefix_len = len - n;
          return TRUE;
        }
    }
  return FALSE;
}

/* The element a member belongs to: "_birthDate" (a primitive's extensions) goes with
 * "birthDate", and a choice "valueQuantity" with "value[x]". */
static char *
group_of (const char *name)
{
  gsize prefix_len;

  if (name[0] == '_')
    name++;
  if (ends_with_type (name, &prefix_len))
    return g_strdup_printf ("%.*s[x]", (int) prefix_len, name);
  return g_strdup (name);
}

static void
add_names (GPtrArray  *names,
           JsonObject *object)
{
  g_autoptr(GList) list = object ? json_object_get_members (object) : NULL;

  for (GList *n = list; n != NULL; n = n->next)
    if (!g_ptr_array_find_with_equal_func (names, n->data, g_str_equal, NULL))
      g_ptr_array_add (names, n->data);
}

/* The members of @object in @group, as a new object, or NULL when it has none. */
static JsonNode *
group_members (JsonObject *object,
               GPtrArray  *members)
{
  JsonObject *sub = NULL;

  for (guint i = 0; object && i < members->len; i++)
    {
      JsonNode *value = json_object_get_member (object, members->pdata[i]);

      if (value == NULL)
        continue;
      if (sub == NULL)
        sub = json_object_new ();
      json_object_set_member (sub, members->pdata[i], json_node_copy (value));
    }
  return sub ? object_node (sub) : NULL;
}

/* One member: its policy is its own rule, or its choice element's ("medication[x]" for
 * medicationCodeableConcept), or its parent's. */
static void
merge_member (Merge      *m,
              JsonObject *result,
              const char *parent_path,
              Policy      policy,
              const char *group,
              const char *name,
              JsonObject *b,
              JsonObject *l,
              JsonObject *r)
{
  g_autofree char *path = g_strconcat (parent_path, ".", name + (name[0] == '_'), NULL);
  g_autofree char *group_path = g_strconcat (parent_path, ".", group, NULL);
  JsonNode *merged;

  policy = policy_for (path, NULL, policy_for (group_path, NULL, policy));
  merged = merge_node (m, path, policy, FALSE, member (b, name), member (l, name),
                       member (r, name));

  if (merged)
    json_object_set_member (result, name, merged);
}

static gboolean
same_member_names (JsonNode *a,
                   JsonNode *b)
{
  JsonObject *x = node_object (a), *y = node_object (b);
  g_autoptr(GList) names = x ? json_object_get_members (x) : NULL;

  if (x == NULL || y == NULL || json_object_get_size (x) != json_object_get_size (y))
    return FALSE;
  for (GList *n = names; n != NULL; n = n->next)
    if (!json_object_has_member (y, n->data))
      return FALSE;
  return TRUE;
}

/* The members of one choice element (or a primitive and its "_" extensions) merge one by one
 * when both sides use the same ones; otherwise the element is compared whole, so the merge
 * never ends with two types of one value[x]. */
static void
merge_group (Merge      *m,
             JsonObject *result,
             const char *parent_path,
             Policy      policy,
             const char *group,
             GPtrArray  *members,
             JsonObject *b,
             JsonObject *l,
             JsonObject *r)
{
  g_autofree char *path = g_strconcat (parent_path, ".", group, NULL);
  Policy group_policy = policy_for (path, NULL, policy);
  g_autoptr(JsonNode) gb = group_members (b, members);
  g_autoptr(JsonNode) gl = group_members (l, members);
  g_autoptr(JsonNode) gr = group_members (r, members);
  g_autoptr(JsonNode) merged = NULL;
  JsonObject *object;
  g_autoptr(GList) names = NULL;

  if (same_member_names (gl, gr) && (gb == NULL || same_member_names (gb, gl)))
    {
      for (guint i = 0; i < members->len; i++)
        merge_member (m, result, parent_path, group_policy, group, members->pdata[i], b, l, r);
      return;
    }
  merged = merge_node (m, path, group_policy, TRUE, gb, gl, gr);
  object = node_object (merged);
  names = object ? json_object_get_members (object) : NULL;
  for (GList *n = names; n != NULL; n = n->next)
    json_object_set_member (result, n->data,
                            json_node_copy (json_object_get_member (object, n->data)));
}

static JsonNode *
merge_object (Merge      *m,
              const char *path,
              Policy      policy,
              JsonObject *b,
              JsonObject *l,
              JsonObject *r)
{
  JsonObject *result = json_object_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) members = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) g_ptr_array_unref);

  add_names (names, r);
  add_names (names, l);
  add_names (names, b);
  for (guint i = 0; i < names->len; i++)
    {
      char *group = group_of (names->pdata[i]);
      GPtrArray *list = g_hash_table_lookup (members, group);

      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_ptr_array_add (groups, group);
          g_hash_table_insert (members, group, list);
        }
      else
        {
          g_free (group);
        }
      g_ptr_array_add (list, names->pdata[i]);
    }

  for (guint i = 0; i < groups->len; i++)
    {
      GPtrArray *list = g_hash_table_lookup (members, groups->pdata[i]);

      if (list->len == 1)
        merge_member (m, result, path, policy, groups->pdata[i], list->pdata[0], b, l, r);
      else
        merge_group (m, result, path, policy, groups->pdata[i], list, b, l, r);
    }
  if (json_object_get_size (result) == 0)
    {
      /* every member was removed by one side or the other; FHIR has no empty objects */
      json_object_unref (result);
      return NULL;
    }
  return object_node (result);
}

/* Arrays */

static gboolean
merge_is_clean (Merge *trial)
{
  return trial->conflicts->len == 0 && trial->notices->len == 0;
}

static void
merge_clear (Merge *m)
{
  g_ptr_array_unref (m->conflicts);
  g_ptr_array_unref (m->notices);
}

static void
merge_init (Merge *m)
{
  m->conflicts = g_ptr_array_new_with_free_func (g_free);
  m->notices = g_ptr_array_new_with_free_func (g_free);
  m->signed_note = FALSE;
}

/* One keyed item changed on both sides. Appended items merge when that is clean, and are
 * otherwise kept in both versions (the remote's first); other items go through their policy. */
static void
merge_item (Merge      *m,
            JsonArray  *result,
            const char *path,
            Policy      policy,
            JsonNode   *b,
            JsonNode   *l,
            JsonNode   *r)
{
  JsonNode *merged;

  if (policy == POLICY_APPEND && l != NULL && r != NULL && !nodes_equal (l, r) &&
      !nodes_equal (b, l) && !nodes_equal (b, r))
    {
      Merge trial;

      merge_init (&trial);
      trial.signed_note = m->signed_note;
      merged = merge_node (&trial, path, policy, FALSE, b, l, r);
      if (!merge_is_clean (&trial))
        {
          g_clear_pointer (&merged, json_node_unref);
          json_array_add_element (result, copy_node (r));
          json_array_add_element (result, copy_node (l));
        }
      merge_clear (&trial);
      if (merged)
        json_array_add_element (result, merged);
      return;
    }
  if (policy == POLICY_APPEND && b != NULL && (l == NULL) != (r == NULL) &&
      !nodes_equal (b, l ? l : r))
    {
      /* removed on one side, edited on the other: the edit stays, the removal is noted */
      record (m->notices, path);
      json_array_add_element (result, copy_node (l ? l : r));
      return;
    }
  merged = merge_node (m, path, policy, FALSE, b, l, r);
  if (merged)
    json_array_add_element (result, merged);
}

static const char *
identifier_system (JsonNode *item)
{
  const char *system = hc_json_get_string (node_object (item), "system");

  return system ? system : "";
}

/* Items that only @side added. */
static GPtrArray *
additions (Keyed *base,
           Keyed *side)
{
  GPtrArray *added = g_ptr_array_new ();

  for (guint i = 0; i < side->keys->len; i++)
    if (!g_hash_table_contains (base->items, side->keys->pdata[i]))
      g_ptr_array_add (added, g_hash_table_lookup (side->items, side->keys->pdata[i]));
  return added;
}

/* Both sides gave one identifier system a different new value (a changed MRN, say): the
 * identity of the patient is in question, not a list to union. */
static gboolean
two_values_for_one_system (Keyed *base,
                           Keyed *local,
                           Keyed *remote)
{
  g_autoptr(GPtrArray) ladd = additions (base, local);
  g_autoptr(GPtrArray) radd = additions (base, remote);

  for (guint i = 0; i < ladd->len; i++)
    for (guint j = 0; j < radd->len; j++)
      if (strcmp (identifier_system (ladd->pdata[i]), identifier_system (radd->pdata[j])) == 0 &&
          !nodes_equal (ladd->pdata[i], radd->pdata[j]))
        return TRUE;
  return FALSE;
}

static JsonNode *
merge_array (Merge      *m,
             const char *path,
             Policy      policy,
             JsonArray  *b,
             JsonArray  *l,
             JsonArray  *r)
{
  const KeyRule *rule = find_key_rule (last_segment (path));
  const Rule *path_rule = find_rule (path, NULL);
  JsonArray *result = json_array_new ();
  Keyed kb, kl, kr;
  g_autoptr(GPtrArray) order = NULL;

  keyed_init (&kb, rule, b);
  keyed_init (&kl, rule, l);
  keyed_init (&kr, rule, r);

  if (path_rule && (path_rule->flags & RULE_ONE_VALUE_PER_SYSTEM) && r != NULL &&
      two_values_for_one_system (&kb, &kl, &kr))
    {
      /* review, with the remote's whole list provisionally */
      record (m->conflicts, path);
      for (guint i = 0; i < json_array_get_length (r); i++)
        json_array_add_element (result, copy_node (json_array_get_element (r, i)));
    }
  else
    {
      order = merged_key_order (&kb, &kl, &kr);
      for (guint i = 0; i < order->len; i++)
        {
          const char *key = order->pdata[i];
          JsonNode *versions[3] = {
            g_hash_table_lookup (kb.items, key), g_hash_table_lookup (kl.items, key),
            g_hash_table_lookup (kr.items, key)
          };

          merge_item (m, result, path, item_policy (path, rule, policy, versions),
                      versions[0], versions[1], versions[2]);
        }
    }
  keyed_clear (&kb);
  keyed_clear (&kl);
  keyed_clear (&kr);
  if (json_array_get_length (result) == 0)
    {
      /* every item was removed by one side or the other; FHIR has no empty arrays */
      json_array_unref (result);
      return NULL;
    }
  return array_node (result);
}

/* Any element: the three-way rule, then the policy where both sides changed it. @atomic: do
 * not descend (a choice element whose type differs between the sides). */
static JsonNode *
merge_node (Merge      *m,
            const char *path,
            Policy      policy,
            gboolean    atomic,
            JsonNode   *b,
            JsonNode   *l,
            JsonNode   *r)
{
  if (nodes_equal (l, r))
    return copy_node (l);
  if (policy == POLICY_SERVER)
    return copy_node (r);
  if (nodes_equal (b, l))
    return copy_node (r);
  if (nodes_equal (b, r))
    {
      /* a signed note changes by addenda only: a local edit waits for review */
      if (m->signed_note && policy != POLICY_APPEND)
        {
          record (m->conflicts, path);
          return copy_node (r);
        }
      return copy_node (l);
    }

  if (atomic || policy == POLICY_REVIEW || policy == POLICY_SAFE || policy == POLICY_STATE)
    return resolve_leaf (m, path, policy, l, r);
  if (node_object (l) && node_object (r) && (b == NULL || node_object (b)))
    return merge_object (m, path, policy, node_object (b), node_object (l), node_object (r));
  /* a keyed array removed whole on one side: its items were removed one by one */
  if ((l == NULL || node_array (l)) && (r == NULL || node_array (r)) &&
      (b == NULL || node_array (b)))
    {
      JsonArray *arrays[3] = { node_array (b), node_array (l), node_array (r) };

      if (array_is_keyed (last_segment (path), arrays))
        return merge_array (m, path, policy, arrays[0], arrays[1], arrays[2]);
    }
  return resolve_leaf (m, path, policy, l, r);
}

/* Whole resources */

static gboolean
is_server_owned (const char *name)
{
  return strcmp (name, "id") == 0 || strcmp (name, "meta") == 0;
}

/* Every member of @a but the server-owned ones has an equal member in @b. */
static gboolean
edits_contained_in (JsonObject *a,
                    JsonObject *b)
{
  g_autoptr(GList) names = json_object_get_members (a);

  for (GList *n = names; n != NULL; n = n->next)
    if (!is_server_owned (n->data) &&
        !nodes_equal (json_object_get_member (a, n->data), member (b, n->data)))
      return FALSE;
  return TRUE;
}

/* @a and @b equal apart from their server-owned elements. */
static gboolean
equal_as_edits (JsonObject *a,
                JsonObject *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return edits_contained_in (a, b) && edits_contained_in (b, a);
}

/* A copy of @edit with the server-owned elements of @server. */
static JsonObject *
with_server_elements (JsonObject *edit,
                      JsonObject *server)
{
  JsonObject *object = hc_json_object_copy (edit);
  static const char * const owned[] = { "id", "meta" };

  for (guint i = 0; i < G_N_ELEMENTS (owned); i++)
    {
      if (json_object_has_member (server, owned[i]))
        json_object_set_member (object, owned[i],
                                copy_node (json_object_get_member (server, owned[i])));
      else if (json_object_has_member (object, owned[i]))
        json_object_remove_member (object, owned[i]);
    }
  return object;
}

static const char *
resource_type (JsonObject *a,
               JsonObject *b)
{
  const char *type = a ? hc_json_get_string (a, "resourceType") : NULL;

  if (type == NULL && b)
    type = hc_json_get_string (b, "resourceType");
  return type ? type : "Resource";
}

static gboolean
in_list (const char * const *list,
         const char         *value)
{
  return value != NULL && g_strv_contains (list, value);
}

static guint
list_rank (const char * const *list,
           const char         *value)
{
  for (guint i = 0; value && list[i]; i++)
    if (strcmp (list[i], value) == 0)
      return i + 1;
  return 0;
}

/* Cancel (or hold) vs edit of an order: both sides changed it and at least one of them
 * stopped it. The provisional status is the stop, the more final one if both stopped. */
static void
apply_order_stop (Merge      *m,
                  const char *type,
                  JsonObject *merged,
                  JsonObject *b,
                  JsonObject *l,
                  JsonObject *r)
{
  const char *bs = hc_json_get_string (b, "status");
  const char *ls = hc_json_get_string (l, "status");
  const char *rs = hc_json_get_string (r, "status");
  guint lrank = g_strcmp0 (ls, bs) != 0 ? list_rank (order_stops, ls) : 0;
  guint rrank = g_strcmp0 (rs, bs) != 0 ? list_rank (order_stops, rs) : 0;
  g_autofree char *path = NULL;

  if (!in_list (order_types, type) || (lrank == 0 && rrank == 0) || g_strcmp0 (ls, rs) == 0)
    return;
  path = g_strconcat (type, ".status", NULL);
  record (m->conflicts, path);
  json_object_set_string_member (merged, "status", lrank > rrank ? ls : rs);
}

static gboolean
composition_signed (JsonObject *resource)
{
  static const char * const signed_states[] = { "final", "amended", NULL };

  return in_list (signed_states, hc_json_get_string (resource, "status"));
}

static HcMergeResult *
merge_result_new (Merge      *m,
                  JsonObject *merged)
{
  HcMergeResult *result = g_new0 (HcMergeResult, 1);

  result->merged = merged;
  result->conflicts = g_steal_pointer (&m->conflicts);
  result->notices = g_steal_pointer (&m->notices);
  if (result->conflicts->len > 0)
    result->outcome = HC_MERGE_CONFLICT;
  else if (result->notices->len > 0)
    result->outcome = HC_MERGE_NOTICE;
  else
    result->outcome = HC_MERGE_CLEAN;
  return result;
}

static JsonObject *
copy_object (JsonObject *object)
{
  return object ? with_server_elements (object, object) : NULL;
}

/* The top-level member a conflict path names ("Patient.birthDate": "birthDate"); NULL for the
 * whole resource ("Patient"). */
static char *
path_member (const char *path)
{
  const char *dot = strchr (path, '.');
  const char *end;

  if (dot == NULL)
    return NULL;
  end = strchr (dot + 1, '.');
  return end ? g_strndup (dot + 1, end - (dot + 1)) : g_strdup (dot + 1);
}

/* @name is a type of the choice element @prefix ("medication" of "medication[x]"). */
static gboolean
is_choice_of (const char *name,
              const char *prefix)
{
  return g_str_has_prefix (name, prefix) && g_ascii_isupper (name[strlen (prefix)]);
}

/* @into's @member becomes @from's (absent when @from has none). */
static void
take_member (JsonObject *into,
             JsonObject *from,
             const char *member)
{
  g_autofree char *prefix = g_str_has_suffix (member, "[x]") ?
                            g_strndup (member, strlen (member) - 3) : NULL;
  GList *names;

  names = json_object_get_members (into);
  for (GList *l = names; l != NULL; l = l->next)
    if (prefix ? is_choice_of (l->data, prefix) : strcmp (l->data, member) == 0)
      json_object_remove_member (into, l->data);
  g_list_free (names);
  names = json_object_get_members (from);
  for (GList *l = names; l != NULL; l = l->next)
    if (prefix ? is_choice_of (l->data, prefix) : strcmp (l->data, member) == 0)
      json_object_set_member (into, l->data, copy_node (json_object_get_member (from, l->data)));
  g_list_free (names);
}

JsonObject *
hc_merge_resolve (JsonObject *base,
                  JsonObject *local,
                  JsonObject *remote,
                  gboolean    keep_local)
{
  JsonObject *chosen = keep_local ? local : remote;
  JsonObject *other = keep_local ? remote : local;
  g_autoptr(HcMergeResult) result = NULL;
  JsonObject *resolved;

  if (chosen == NULL || other == NULL)
    return copy_object (chosen);
  /* the merge gives the review elements the "remote" side's value: the chosen one goes there */
  result = hc_merge_resources (base, other, chosen);
  if (result->merged == NULL)
    return copy_object (chosen);
  resolved = json_object_ref (result->merged);
  /* what the rules settled otherwise (the cautious value of an allergy, the further state, the
   * later contact data) yields to the clinician's choice too */
  for (guint i = 0; i < result->conflicts->len; i++)
    {
      g_autofree char *member = path_member (result->conflicts->pdata[i]);

      if (member == NULL)
        {
          json_object_unref (resolved);
          return copy_object (chosen);
        }
      take_member (resolved, chosen, member);
    }
  /* the server-owned elements are the server's */
  if (remote != NULL && keep_local)
    take_member (resolved, remote, "meta");
  return resolved;
}

HcMergeResult *
hc_merge_resources (JsonObject *base,
                    JsonObject *local,
                    JsonObject *remote)
{
  const char *type = resource_type (remote, local ? local : base);
  JsonObject *merged;
  Merge m;

  merge_init (&m);

  /* the same on both sides, or changed on one side only */
  if (equal_as_edits (local, remote))
    return merge_result_new (&m, remote ? copy_object (remote) : NULL);
  if (equal_as_edits (base, local))
    return merge_result_new (&m, copy_object (remote));
  if (equal_as_edits (base, remote))
    return merge_result_new (&m, local ? with_server_elements (local, remote ? remote : local)
                                       : NULL);

  /* deleted on one side, edited on the other: the edited version stays until someone decides,
   * except for an order, where the deletion is the cautious value */
  if (local == NULL || remote == NULL)
    {
      JsonObject *edited = local ? local : remote;

      record (m.conflicts, type);
      return merge_result_new (&m, in_list (order_types, type) ? NULL : copy_object (edited));
    }

  if (g_strcmp0 (hc_json_get_string (local, "resourceType"),
                 hc_json_get_string (remote, "resourceType")) != 0)
    {
      record (m.conflicts, type);
      return merge_result_new (&m, copy_object (remote));
    }

  m.signed_note = strcmp (type, "Composition") == 0 &&
                  (composition_signed (base) || composition_signed (local) ||
                   composition_signed (remote));
  {
    g_autoptr(JsonNode) node = merge_object (&m, type, POLICY_AUTO, base, local, remote);

    merged = json_object_ref (json_node_get_object (node));
  }
  apply_order_stop (&m, type, merged, base, local, remote);
  return merge_result_new (&m, merged);
}

void
hc_merge_result_free (HcMergeResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->merged, json_object_unref);
  g_clear_pointer (&result->conflicts, g_ptr_array_unref);
  g_clear_pointer (&result->notices, g_ptr_array_unref);
  g_free (result);
}

char *
hc_merge_canonical_json (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  append_canonical (out, node);
  return g_string_free (out, FALSE);
}

char *
hc_merge_item_key (const char *array_name,
                   JsonNode   *item)
{
  g_return_val_if_fail (array_name != NULL, NULL);
  g_return_val_if_fail (item != NULL, NULL);

  return item_key (find_key_rule (array_name), item, TRUE);
}

static JsonObject *
reference_object (const char *reference)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "reference", reference);
  return object;
}

static JsonObject *
coding_concept (const char *system,
                const char *code,
                const char *display,
                const char *text)
{
  JsonObject *concept = json_object_new ();
  JsonObject *coding = json_object_new ();
  JsonArray *codings = json_array_new ();

  json_object_set_string_member (coding, "system", system);
  json_object_set_string_member (coding, "code", code);
  if (display)
    json_object_set_string_member (coding, "display", display);
  json_array_add_object_element (codings, coding);
  json_object_set_array_member (concept, "coding", codings);
  if (text)
    json_object_set_string_member (concept, "text", text);
  return concept;
}

static void
add_revision (JsonArray  *entities,
              const char *type,
              const char *id,
              gint64      version)
{
  JsonObject *entity = json_object_new ();
  g_autofree char *reference = NULL;

  if (version <= 0)
    {
      json_object_unref (entity);
      return;
    }
  reference = g_strdup_printf ("%s/%s/_history/%" G_GINT64_FORMAT, type, id, version);
  json_object_set_string_member (entity, "role", "revision");
  json_object_set_object_member (entity, "what", reference_object (reference));
  json_array_add_object_element (entities, entity);
}

JsonObject *
hc_merge_provenance (const char *provenance_id,
                     const char *type,
                     const char *id,
                     gint64      local_base_version,
                     gint64      remote_version,
                     const char *activity,
                     const char *agent,
                     const char *recorded)
{
  JsonObject *provenance;
  JsonArray *targets, *agents, *entities;
  JsonObject *who, *agent_object;
  g_autofree char *target = NULL;
  gboolean resolve;

  g_return_val_if_fail (provenance_id != NULL && type != NULL && id != NULL, NULL);
  g_return_val_if_fail (activity != NULL && agent != NULL && recorded != NULL, NULL);

  resolve = strcmp (activity, "resolve") == 0;
  target = g_strconcat (type, "/", id, NULL);
  provenance = json_object_new ();
  json_object_set_string_member (provenance, "resourceType", "Provenance");
  json_object_set_string_member (provenance, "id", provenance_id);

  targets = json_array_new ();
  json_array_add_object_element (targets, reference_object (target));
  json_object_set_array_member (provenance, "target", targets);
  json_object_set_string_member (provenance, "recorded", recorded);
  json_object_set_object_member (provenance, "activity",
                                 coding_concept ("http://terminology.hl7.org/CodeSystem/"
                                                 "v3-DataOperation", "UPDATE", "revise",
                                                 activity));

  who = json_object_new ();
  if (strchr (agent, '/') != NULL && hc_fhir_is_valid_reference (agent))
    json_object_set_string_member (who, "reference", agent);
  else
    json_object_set_string_member (who, "display", agent);
  agent_object = json_object_new ();
  json_object_set_object_member (agent_object, "type",
                                 coding_concept ("http://terminology.hl7.org/CodeSystem/"
                                                 "provenance-participant-type",
                                                 resolve ? "author" : "assembler",
                                                 resolve ? "Author" : "Assembler", NULL));
  json_object_set_object_member (agent_object, "who", who);
  agents = json_array_new ();
  json_array_add_object_element (agents, agent_object);
  json_object_set_array_member (provenance, "agent", agents);

  entities = json_array_new ();
  add_revision (entities, type, id, local_base_version);
  if (remote_version != local_base_version)
    add_revision (entities, type, id, remote_version);
  if (json_array_get_length (entities) > 0)
    json_object_set_array_member (provenance, "entity", entities);
  else
    json_array_unref (entities);
  return provenance;
}
