/* hc-clinical.c: formulary, order catalog and prescribing safety checks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-clinical"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hc-clinical.h"
#include "hc-clinical-data.h"
#include "hc-fhir.h"
#include "hc-json.h"

#define SYSTEM_FORMULARY "urn:housecall:formulary"
#define SYSTEM_RXNORM    "http://www.nlm.nih.gov/research/umls/rxnorm"
#define SYSTEM_SNOMED    "http://snomed.info/sct"
#define SNOMED_ORAL      "26643006"

typedef struct
{
  char  *name;
  char  *folded;
  char  *rxnorm;
  char **classes;
} Ingredient;

typedef struct
{
  char               *klass;
  HcClinicalSeverity  severity;
  char               *message;
} Cover;

typedef struct
{
  char      *id;
  char     **names;     /* folded */
  char     **rxnorm;
  GPtrArray *covers;
} Allergen;

typedef struct
{
  char               *id;
  char               *a;
  gboolean            a_is_class;
  char               *b;
  gboolean            b_is_class;
  HcClinicalSeverity  severity;
  char               *message;
} Rule;

struct _HcClinical
{
  gatomicrefcount  ref_count;
  GPtrArray       *ingredients;       /* Ingredient */
  GHashTable      *ingredient_names;  /* folded name -> Ingredient */
  GHashTable      *classes;           /* class -> itself */
  GPtrArray       *drugs;             /* HcDrug */
  GPtrArray       *drug_keys;         /* char *: folded search text, parallel to drugs */
  GPtrArray       *allergens;         /* Allergen */
  GPtrArray       *rules;             /* Rule */
  GPtrArray       *orderables;        /* HcOrderable */
  GPtrArray       *orderable_keys;
};

/* Where an entry of a data file is, for error messages. */
typedef struct
{
  const char *path;
  const char *section;
  guint       index;
  const char *id;
} Where;

static const HcFrequency frequencies[] = {
  { "QD", N_("once daily"), 1, 1, "d", NULL },
  { "BID", N_("twice daily"), 2, 1, "d", NULL },
  { "TID", N_("three times daily"), 3, 1, "d", NULL },
  { "QID", N_("four times daily"), 4, 1, "d", NULL },
  { "QAM", N_("every morning"), 1, 1, "d", "MORN" },
  { "QPM", N_("every evening"), 1, 1, "d", "EVE" },
  { "QHS", N_("at bedtime"), 1, 1, "d", "HS" },
  { "Q4H", N_("every 4 hours"), 1, 4, "h", NULL },
  { "Q6H", N_("every 6 hours"), 1, 6, "h", NULL },
  { "Q8H", N_("every 8 hours"), 1, 8, "h", NULL },
  { "Q12H", N_("every 12 hours"), 1, 12, "h", NULL },
  { "QWK", N_("once a week"), 1, 1, "wk", NULL },
  { "Q5MIN", N_("every 5 minutes"), 1, 5, "min", NULL },
  { NULL, NULL, 0, 0, NULL, NULL },
};

G_DEFINE_QUARK (hc-clinical-error, hc_clinical_error)

static void
ingredient_free (gpointer data)
{
  Ingredient *ingredient = data;

  g_free (ingredient->name);
  g_free (ingredient->folded);
  g_free (ingredient->rxnorm);
  g_strfreev (ingredient->classes);
  g_free (ingredient);
}

static void
cover_free (gpointer data)
{
  Cover *cover = data;

  g_free (cover->klass);
  g_free (cover->message);
  g_free (cover);
}

static void
allergen_free (gpointer data)
{
  Allergen *allergen = data;

  g_free (allergen->id);
  g_strfreev (allergen->names);
  g_strfreev (allergen->rxnorm);
  g_clear_pointer (&allergen->covers, g_ptr_array_unref);
  g_free (allergen);
}

static void
rule_free (gpointer data)
{
  Rule *rule = data;

  g_free (rule->id);
  g_free (rule->a);
  g_free (rule->b);
  g_free (rule->message);
  g_free (rule);
}

static void
drug_free (gpointer data)
{
  HcDrug *drug = data;

  g_free (drug->id);
  g_free (drug->name);
  g_strfreev (drug->ingredients);
  g_free (drug->rxnorm);
  g_free (drug->strength);
  g_free (drug->form);
  g_free (drug->route);
  g_free (drug->dose_unit);
  g_free (drug->frequency);
  g_free (drug->quantity_unit);
  g_free (drug->instructions);
  g_free (drug);
}

static void
orderable_free (gpointer data)
{
  HcOrderable *orderable = data;

  g_free (orderable->id);
  g_free (orderable->name);
  g_free (orderable->kind);
  g_free (orderable->specimen);
  g_free (orderable->loinc);
  g_free (orderable->display);
  g_strfreev (orderable->aliases);
  g_free (orderable);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading the files */

static gboolean G_GNUC_PRINTF (3, 4)
invalid (GError      **error,
         const Where  *where,
         const char   *format,
         ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (where->section == NULL)
    g_set_error (error, HC_CLINICAL_ERROR, HC_CLINICAL_ERROR_INVALID,
                 "clinical data file %s: %s", where->path, what);
  else if (where->id == NULL)
    g_set_error (error, HC_CLINICAL_ERROR, HC_CLINICAL_ERROR_INVALID,
                 "clinical data file %s: %s[%u]: %s", where->path, where->section, where->index,
                 what);
  else
    g_set_error (error, HC_CLINICAL_ERROR, HC_CLINICAL_ERROR_INVALID,
                 "clinical data file %s: %s[%u] (\"%s\"): %s", where->path, where->section,
                 where->index, where->id, what);
  return FALSE;
}

static gboolean
read_string (JsonObject   *object,
             const char   *member,
             gboolean      required,
             const Where  *where,
             char        **out,
             GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid (error, where, "\"%s\" is missing", member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      *json_node_get_string (node) == '\0')
    return invalid (error, where, "\"%s\" must be a non-empty string", member);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_strv (JsonObject   *object,
           const char   *member,
           gboolean      required,
           const Where  *where,
           char       ***out,
           GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return invalid (error, where, "\"%s\" is missing", member);
      *out = g_strv_builder_end (builder);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, where, "\"%s\" must be an array of strings", member);
  array = json_node_get_array (node);
  if (required && json_array_get_length (array) == 0)
    return invalid (error, where, "\"%s\" must not be empty", member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING ||
          *json_node_get_string (item) == '\0')
        return invalid (error, where, "\"%s\"[%u] must be a non-empty string", member, i);
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
read_number (JsonObject   *object,
             const char   *member,
             gboolean      required,
             double        fallback,
             double        max,
             const Where  *where,
             double       *out,
             GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  *out = fallback;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid (error, where, "\"%s\" is missing", member) : TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return invalid (error, where, "\"%s\" must be a number", member);
  *out = json_node_get_double (node);
  if (!isfinite (*out) || *out < 0 || *out > max)
    return invalid (error, where, "\"%s\" must be between 0 and %g", member, max);
  return TRUE;
}

static gboolean
read_boolean (JsonObject   *object,
              const char   *member,
              const Where  *where,
              gboolean     *out,
              GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, where, "\"%s\" must be true or false", member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_severity (JsonObject          *object,
               const Where         *where,
               HcClinicalSeverity  *out,
               GError             **error)
{
  g_autofree char *text = NULL;

  if (!read_string (object, "severity", TRUE, where, &text, error))
    return FALSE;
  if (strcmp (text, "high") == 0)
    *out = HC_CLINICAL_SEVERITY_HIGH;
  else if (strcmp (text, "moderate") == 0)
    *out = HC_CLINICAL_SEVERITY_MODERATE;
  else if (strcmp (text, "low") == 0)
    *out = HC_CLINICAL_SEVERITY_LOW;
  else
    return invalid (error, where, "\"severity\" must be \"high\", \"moderate\" or \"low\", not \"%s\"",
                    text);
  return TRUE;
}

/* The entry @index of @array as an object with a unique "id" (when @ids is not NULL). */
static JsonObject *
entry_at (JsonArray   *array,
          guint        index,
          GHashTable  *ids,
          Where       *where,
          GError     **error)
{
  JsonNode *node = json_array_get_element (array, index);
  JsonObject *object;

  where->index = index;
  where->id = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, where, "must be an object");
      return NULL;
    }
  object = json_node_get_object (node);
  if (ids != NULL)
    {
      where->id = hc_json_get_string (object, "id");
      if (where->id == NULL || *where->id == '\0')
        {
          invalid (error, where, "\"id\" must be a non-empty string");
          return NULL;
        }
      if (!g_hash_table_add (ids, (gpointer) where->id))
        {
          invalid (error, where, "the id is used twice");
          return NULL;
        }
    }
  return object;
}

/* Reads one entry of a section; @where names it (and its id) for errors. */
typedef gboolean (*ReadEntry) (HcClinical  *self,
                               JsonObject  *entry,
                               Where       *where,
                               GError     **error);

typedef struct
{
  const char *name;
  gboolean    has_ids;
  ReadEntry   read;
} Section;

/* Loads @file_name and reads every entry of each of its array @sections, in order. */
static gboolean
load_file (HcClinical     *self,
           const char     *file_name,
           const char     *format,
           const Section  *sections,
           guint           n_sections,
           GError        **error)
{
  g_autoptr(JsonNode) root = hc_clinical_data_load (file_name, error);
  g_autofree char *path = NULL;
  Where where = { NULL, NULL, 0, NULL };
  JsonObject *object;
  const char *found;

  if (root == NULL)
    return FALSE;
  path = hc_clinical_data_find (file_name);
  where.path = path;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, &where, "the top level must be an object");
  object = json_node_get_object (root);
  found = hc_json_get_string (object, "format");
  if (found != NULL && strcmp (found, format) != 0)
    return invalid (error, &where, "\"format\" is \"%s\", expected \"%s\"", found, format);
  for (guint s = 0; s < n_sections; s++)
    {
      g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      JsonArray *array = hc_json_get_array (object, sections[s].name);

      where.section = NULL;
      if (array == NULL)
        return invalid (error, &where, "\"%s\" must be an array", sections[s].name);
      where.section = sections[s].name;
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *entry = entry_at (array, i, sections[s].has_ids ? ids : NULL, &where, error);

          if (entry == NULL || !sections[s].read (self, entry, &where, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_ingredient (HcClinical  *self,
                 JsonObject  *object,
                 Where       *where,
                 GError     **error)
{
  Ingredient *ingredient = g_new0 (Ingredient, 1);

  g_ptr_array_add (self->ingredients, ingredient);
  if (!read_string (object, "name", TRUE, where, &ingredient->name, error) ||
      !read_string (object, "rxnorm", FALSE, where, &ingredient->rxnorm, error) ||
      !read_strv (object, "classes", FALSE, where, &ingredient->classes, error))
    return FALSE;
  where->id = ingredient->name;
  ingredient->folded = hc_fhir_fold (ingredient->name);
  if (!g_hash_table_insert (self->ingredient_names, ingredient->folded, ingredient))
    return invalid (error, where, "the ingredient is listed twice");
  for (guint c = 0; ingredient->classes[c] != NULL; c++)
    g_hash_table_add (self->classes, ingredient->classes[c]);
  return TRUE;
}

static gboolean
read_drug (HcClinical  *self,
           JsonObject  *object,
           Where       *where,
           GError     **error)
{
  HcDrug *drug = g_new0 (HcDrug, 1);
  g_autoptr(GString) key = NULL;
  JsonObject *sig;
  double number;

  g_ptr_array_add (self->drugs, drug);
  drug->id = g_strdup (where->id);
  if (!read_string (object, "name", TRUE, where, &drug->name, error) ||
      !read_strv (object, "ingredients", TRUE, where, &drug->ingredients, error) ||
      !read_string (object, "rxnorm", FALSE, where, &drug->rxnorm, error) ||
      !read_string (object, "strength", FALSE, where, &drug->strength, error) ||
      !read_string (object, "form", FALSE, where, &drug->form, error) ||
      !read_string (object, "route", TRUE, where, &drug->route, error))
    return FALSE;
  for (guint n = 0; drug->ingredients[n] != NULL; n++)
    {
      g_autofree char *folded = hc_fhir_fold (drug->ingredients[n]);

      if (!g_hash_table_contains (self->ingredient_names, folded))
        return invalid (error, where, "ingredient \"%s\" is not in \"ingredients\"",
                        drug->ingredients[n]);
    }
  sig = hc_json_get_object (object, "sig");
  if (sig == NULL)
    return invalid (error, where, "\"sig\" (the default dosage) must be an object");
  if (!read_number (sig, "dose", TRUE, 0, 1000, where, &drug->dose, error) ||
      !read_string (sig, "unit", TRUE, where, &drug->dose_unit, error) ||
      !read_string (sig, "frequency", TRUE, where, &drug->frequency, error) ||
      !read_boolean (sig, "as_needed", where, &drug->as_needed, error) ||
      !read_number (sig, "days", FALSE, 0, 3650, where, &number, error))
    return FALSE;
  drug->days = (guint) number;
  if (!read_number (sig, "quantity", TRUE, 0, 100000, where, &drug->quantity, error) ||
      !read_string (sig, "quantity_unit", FALSE, where, &drug->quantity_unit, error) ||
      !read_number (sig, "refills", FALSE, 0, 99, where, &number, error))
    return FALSE;
  drug->refills = (guint) number;
  if (!read_string (sig, "instructions", FALSE, where, &drug->instructions, error))
    return FALSE;
  if (drug->quantity_unit == NULL)
    drug->quantity_unit = g_strdup (drug->dose_unit);
  if (hc_clinical_get_frequency (drug->frequency) == NULL)
    return invalid (error, where, "sig frequency \"%s\" is unknown (known: QD, BID, TID, QID, "
                    "QAM, QPM, QHS, Q4H, Q6H, Q8H, Q12H, QWK, Q5MIN)", drug->frequency);

  key = g_string_new (drug->name);
  for (guint n = 0; drug->ingredients[n] != NULL; n++)
    g_string_append_printf (key, " %s", drug->ingredients[n]);
  g_ptr_array_add (self->drug_keys, hc_fhir_fold (key->str));
  return TRUE;
}

static gboolean
is_known (HcClinical *self,
          const char *name,
          gboolean    is_class)
{
  g_autofree char *folded = NULL;

  if (is_class)
    return g_hash_table_contains (self->classes, name);
  folded = hc_fhir_fold (name);
  return g_hash_table_contains (self->ingredient_names, folded);
}

static gboolean
read_allergen (HcClinical  *self,
               JsonObject  *object,
               Where       *where,
               GError     **error)
{
  Allergen *allergen = g_new0 (Allergen, 1);
  JsonArray *covers;

  g_ptr_array_add (self->allergens, allergen);
  allergen->id = g_strdup (where->id);
  allergen->covers = g_ptr_array_new_with_free_func (cover_free);
  if (!read_strv (object, "names", TRUE, where, &allergen->names, error) ||
      !read_strv (object, "rxnorm", FALSE, where, &allergen->rxnorm, error))
    return FALSE;
  for (guint n = 0; allergen->names[n] != NULL; n++)
    {
      char *folded = hc_fhir_fold (allergen->names[n]);

      g_free (allergen->names[n]);
      allergen->names[n] = folded;
    }
  covers = hc_json_get_array (object, "covers");
  if (covers == NULL || json_array_get_length (covers) == 0)
    return invalid (error, where, "\"covers\" must be a non-empty array");
  for (guint c = 0; c < json_array_get_length (covers); c++)
    {
      JsonObject *entry = hc_json_array_get_object (covers, c);
      Cover *cover;

      if (entry == NULL)
        return invalid (error, where, "\"covers\"[%u] must be an object", c);
      cover = g_new0 (Cover, 1);
      g_ptr_array_add (allergen->covers, cover);
      if (!read_string (entry, "class", TRUE, where, &cover->klass, error) ||
          !read_severity (entry, where, &cover->severity, error) ||
          !read_string (entry, "message", TRUE, where, &cover->message, error))
        return FALSE;
      if (!is_known (self, cover->klass, TRUE))
        return invalid (error, where, "\"covers\"[%u]: class \"%s\" is not a class of any "
                        "ingredient in formulary.json", c, cover->klass);
    }
  return TRUE;
}

static gboolean
read_rule_side (HcClinical   *self,
                JsonObject   *object,
                const char   *member,
                const Where  *where,
                char        **name,
                gboolean     *is_class,
                GError      **error)
{
  JsonObject *side = hc_json_get_object (object, member);
  g_autofree char *ingredient = NULL;
  g_autofree char *klass = NULL;

  if (side == NULL)
    return invalid (error, where, "\"%s\" must be an object with \"ingredient\" or \"class\"",
                    member);
  if (!read_string (side, "ingredient", FALSE, where, &ingredient, error) ||
      !read_string (side, "class", FALSE, where, &klass, error))
    return FALSE;
  if ((ingredient == NULL) == (klass == NULL))
    return invalid (error, where, "\"%s\" needs exactly one of \"ingredient\" and \"class\"",
                    member);
  *is_class = klass != NULL;
  *name = *is_class ? g_steal_pointer (&klass) : g_steal_pointer (&ingredient);
  if (!is_known (self, *name, *is_class))
    return invalid (error, where, "\"%s\": %s \"%s\" is not in formulary.json", member,
                    *is_class ? "class" : "ingredient", *name);
  if (!*is_class)
    {
      char *folded = hc_fhir_fold (*name);

      g_free (*name);
      *name = folded;
    }
  return TRUE;
}

static gboolean
read_rule (HcClinical  *self,
           JsonObject  *object,
           Where       *where,
           GError     **error)
{
  Rule *rule = g_new0 (Rule, 1);

  g_ptr_array_add (self->rules, rule);
  rule->id = g_strdup (where->id);
  return read_rule_side (self, object, "a", where, &rule->a, &rule->a_is_class, error) &&
         read_rule_side (self, object, "b", where, &rule->b, &rule->b_is_class, error) &&
         read_severity (object, where, &rule->severity, error) &&
         read_string (object, "message", TRUE, where, &rule->message, error);
}

static gboolean
read_orderable (HcClinical  *self,
                JsonObject  *object,
                Where       *where,
                GError     **error)
{
  HcOrderable *orderable = g_new0 (HcOrderable, 1);
  g_autofree char *key = NULL;
  g_autofree char *aliases = NULL;

  g_ptr_array_add (self->orderables, orderable);
  orderable->id = g_strdup (where->id);
  if (!read_string (object, "name", TRUE, where, &orderable->name, error) ||
      !read_string (object, "kind", TRUE, where, &orderable->kind, error) ||
      !read_string (object, "specimen", FALSE, where, &orderable->specimen, error) ||
      !read_string (object, "loinc", FALSE, where, &orderable->loinc, error) ||
      !read_string (object, "display", FALSE, where, &orderable->display, error) ||
      !read_strv (object, "aliases", FALSE, where, &orderable->aliases, error))
    return FALSE;
  if (strcmp (orderable->kind, "lab") != 0 && strcmp (orderable->kind, "imaging") != 0 &&
      strcmp (orderable->kind, "procedure") != 0)
    return invalid (error, where, "\"kind\" must be \"lab\", \"imaging\" or \"procedure\"");
  if (orderable->loinc != NULL && !g_regex_match_simple ("^[0-9]{1,7}-[0-9]$", orderable->loinc,
                                                         0, 0))
    return invalid (error, where, "\"loinc\" \"%s\" is not a LOINC code (digits, dash, "
                    "check digit)", orderable->loinc);
  aliases = g_strjoinv (" ", orderable->aliases);
  key = g_strjoin (" ", orderable->name, aliases, orderable->loinc, NULL);
  g_ptr_array_add (self->orderable_keys, hc_fhir_fold (key));
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Matching */

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c);
}

/* Whether @needle occurs in @haystack as whole words (both folded). */
static gboolean
contains_words (const char *haystack,
                const char *needle)
{
  gsize length = strlen (needle);
  const char *at = haystack;

  if (length == 0)
    return FALSE;
  while ((at = strstr (at, needle)) != NULL)
    {
      gboolean start = at == haystack ||
                       !is_word_char (g_utf8_get_char (g_utf8_prev_char (at)));
      gboolean end = at[length] == '\0' || !is_word_char (g_utf8_get_char (at + length));

      if (start && end)
        return TRUE;
      at = g_utf8_next_char (at);
    }
  return FALSE;
}

/* Whether some word of @haystack starts with @prefix (both folded). */
static gboolean
has_word_prefix (const char *haystack,
                 const char *prefix)
{
  gsize length = strlen (prefix);
  const char *at = haystack;

  while ((at = strstr (at, prefix)) != NULL)
    {
      if (at == haystack || !is_word_char (g_utf8_get_char (g_utf8_prev_char (at))))
        return TRUE;
      at += length;
    }
  return FALSE;
}

static GPtrArray *
search (GPtrArray  *items,
        GPtrArray  *keys,
        const char *query,
        guint       limit)
{
  g_autofree char *folded = hc_fhir_fold (query);
  g_auto(GStrv) words = g_strsplit_set (folded, " \t,;/", -1);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < items->len && (limit == 0 || found->len < limit); i++)
    {
      gboolean all = TRUE;

      for (guint w = 0; words[w] != NULL && all; w++)
        all = words[w][0] == '\0' || has_word_prefix (keys->pdata[i], words[w]);
      if (all)
        g_ptr_array_add (found, items->pdata[i]);
    }
  return found;
}

static gboolean
strv_has (char       **strv,
          const char  *value)
{
  return strv != NULL && value != NULL && g_strv_contains ((const char * const *) strv, value);
}

static Ingredient *
find_ingredient (HcClinical *self,
                 const char *name)
{
  g_autofree char *folded = hc_fhir_fold (name);

  return g_hash_table_lookup (self->ingredient_names, folded);
}

/* A CodeableConcept's text and codings' displays, folded; and its RxNorm codes. */
static void
concept_terms (JsonObject *concept,
               GPtrArray  *texts,
               GPtrArray  *rxnorm,
               GPtrArray  *formulary)
{
  JsonArray *codings;
  const char *text;

  if (concept == NULL)
    return;
  if ((text = hc_json_get_string (concept, "text")) != NULL)
    g_ptr_array_add (texts, hc_fhir_fold (text));
  codings = hc_json_get_array (concept, "coding");
  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    {
      JsonObject *coding = hc_json_array_get_object (codings, i);
      const char *system, *code;

      if (coding == NULL)
        continue;
      system = hc_json_get_string (coding, "system");
      code = hc_json_get_string (coding, "code");
      if ((text = hc_json_get_string (coding, "display")) != NULL)
        g_ptr_array_add (texts, hc_fhir_fold (text));
      if (code == NULL)
        continue;
      if (g_strcmp0 (system, SYSTEM_RXNORM) == 0 && rxnorm != NULL)
        g_ptr_array_add (rxnorm, g_strdup (code));
      else if (g_strcmp0 (system, SYSTEM_FORMULARY) == 0 && formulary != NULL)
        g_ptr_array_add (formulary, g_strdup (code));
    }
}

static gboolean
terms_mention (GPtrArray  *texts,
               const char *folded_name)
{
  for (guint i = 0; i < texts->len; i++)
    if (contains_words (texts->pdata[i], folded_name))
      return TRUE;
  return FALSE;
}

static gboolean
ptr_array_has_string (GPtrArray  *array,
                      const char *value)
{
  for (guint i = 0; value != NULL && i < array->len; i++)
    if (strcmp (array->pdata[i], value) == 0)
      return TRUE;
  return FALSE;
}

/* The Ingredients of a MedicationRequest, without repeats. */
static GPtrArray *
request_ingredients (HcClinical *self,
                     JsonObject *request)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rxnorm = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) formulary = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *found = g_ptr_array_new ();

  concept_terms (hc_json_get_object (request, "medicationCodeableConcept"), texts, rxnorm,
                 formulary);
  for (guint i = 0; i < self->drugs->len; i++)
    {
      HcDrug *drug = self->drugs->pdata[i];

      if (!ptr_array_has_string (formulary, drug->id) && !ptr_array_has_string (rxnorm, drug->rxnorm))
        continue;
      for (guint n = 0; drug->ingredients[n] != NULL; n++)
        {
          Ingredient *ingredient = find_ingredient (self, drug->ingredients[n]);

          if (!g_ptr_array_find (found, ingredient, NULL))
            g_ptr_array_add (found, ingredient);
        }
    }
  for (guint i = 0; i < self->ingredients->len; i++)
    {
      Ingredient *ingredient = self->ingredients->pdata[i];

      if (g_ptr_array_find (found, ingredient, NULL))
        continue;
      if (ptr_array_has_string (rxnorm, ingredient->rxnorm) ||
          terms_mention (texts, ingredient->folded))
        g_ptr_array_add (found, ingredient);
    }
  return found;
}

static gboolean
side_matches (const char *name,
              gboolean    is_class,
              GPtrArray  *ingredients)
{
  for (guint i = 0; i < ingredients->len; i++)
    {
      Ingredient *ingredient = ingredients->pdata[i];

      if (is_class ? strv_has (ingredient->classes, name) : strcmp (ingredient->folded, name) == 0)
        return TRUE;
    }
  return FALSE;
}

static const char *
status_code (JsonObject *resource,
             const char *member)
{
  JsonObject *concept = hc_json_get_object (resource, member);
  JsonObject *coding = concept ? hc_json_array_get_object (hc_json_get_array (concept, "coding"), 0)
                               : NULL;

  return coding ? hc_json_get_string (coding, "code") : NULL;
}

const char *
hc_clinical_concept_label (JsonObject *concept)
{
  const char *text;
  JsonObject *coding;

  if (concept == NULL)
    return NULL;
  if ((text = hc_json_get_string (concept, "text")) != NULL)
    return text;
  coding = hc_json_array_get_object (hc_json_get_array (concept, "coding"), 0);
  return coding ? hc_json_get_string (coding, "display") : NULL;
}

static HcClinicalWarning *
warning_new (HcClinicalWarningKind  kind,
             HcClinicalSeverity     severity,
             const char            *rule,
             const char            *message,
             JsonObject            *culprit,
             char                  *culprit_text)
{
  HcClinicalWarning *warning = g_new0 (HcClinicalWarning, 1);

  warning->kind = kind;
  warning->severity = severity;
  warning->rule = g_strdup (rule);
  warning->message = g_strdup (message);
  warning->culprit = g_strdup_printf ("%s/%s", hc_json_get_string (culprit, "resourceType"),
                                      hc_json_get_string (culprit, "id"));
  warning->culprit_text = culprit_text;
  return warning;
}

/* At most one warning for one allergy: the most severe of what it covers in @ingredients. */
static void
check_allergy (HcClinical *self,
               JsonObject *allergy,
               GPtrArray  *ingredients,
               GPtrArray  *warnings)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rxnorm = g_ptr_array_new_with_free_func (g_free);
  const char *verification = status_code (allergy, "verificationStatus");
  const char *clinical = status_code (allergy, "clinicalStatus");
  g_autofree char *direct_message = NULL;
  const char *rule = NULL, *message = NULL;
  HcClinicalSeverity severity = HC_CLINICAL_SEVERITY_LOW;
  gboolean found = FALSE, resolved;
  GString *label;

  if (g_strcmp0 (verification, "entered-in-error") == 0 || g_strcmp0 (verification, "refuted") == 0)
    return;
  resolved = g_strcmp0 (clinical, "inactive") == 0 || g_strcmp0 (clinical, "resolved") == 0;
  concept_terms (hc_json_get_object (allergy, "code"), texts, rxnorm, NULL);

  /* an allergy to an ingredient of this drug */
  for (guint i = 0; i < ingredients->len && !found; i++)
    {
      Ingredient *ingredient = ingredients->pdata[i];

      if (ptr_array_has_string (rxnorm, ingredient->rxnorm) ||
          terms_mention (texts, ingredient->folded))
        {
          direct_message = g_strdup_printf ("Allergy to %s on record: this drug contains %s.",
                                            ingredient->name, ingredient->name);
          message = direct_message;
          rule = ingredient->name;
          severity = HC_CLINICAL_SEVERITY_HIGH;
          found = TRUE;
        }
    }
  /* or to a class the drug belongs to or cross-reacts with */
  for (guint a = 0; a < self->allergens->len && severity < HC_CLINICAL_SEVERITY_HIGH; a++)
    {
      Allergen *allergen = self->allergens->pdata[a];
      gboolean matches = FALSE;

      for (guint n = 0; allergen->rxnorm[n] != NULL && !matches; n++)
        matches = ptr_array_has_string (rxnorm, allergen->rxnorm[n]);
      for (guint n = 0; allergen->names[n] != NULL && !matches; n++)
        matches = terms_mention (texts, allergen->names[n]);
      if (!matches)
        continue;
      for (guint c = 0; c < allergen->covers->len; c++)
        {
          Cover *cover = allergen->covers->pdata[c];

          if ((!found || cover->severity > severity) &&
              side_matches (cover->klass, TRUE, ingredients))
            {
              severity = cover->severity;
              message = cover->message;
              rule = allergen->id;
              found = TRUE;
            }
        }
    }
  if (!found)
    return;

  label = g_string_new (hc_clinical_concept_label (hc_json_get_object (allergy, "code")));
  if (label->len == 0)
    g_string_append (label, "allergy");
  if (g_strcmp0 (hc_json_get_string (allergy, "type"), "intolerance") == 0)
    g_string_append (label, " (intolerance)");
  if (g_strcmp0 (verification, "unconfirmed") == 0 || g_strcmp0 (verification, "presumed") == 0)
    g_string_append (label, " (unconfirmed)");
  if (g_strcmp0 (hc_json_get_string (allergy, "criticality"), "high") == 0)
    g_string_append (label, " (high criticality)");
  {
    JsonObject *reaction = hc_json_array_get_object (hc_json_get_array (allergy, "reaction"), 0);
    JsonObject *manifestation = reaction
      ? hc_json_array_get_object (hc_json_get_array (reaction, "manifestation"), 0) : NULL;
    const char *what = hc_clinical_concept_label (manifestation);

    if (what != NULL)
      g_string_append_printf (label, ", reaction: %s", what);
  }
  if (resolved)
    {
      /* still worth a look: the reaction happened once */
      g_string_append (label, " (marked resolved)");
      severity = HC_CLINICAL_SEVERITY_LOW;
    }
  g_ptr_array_add (warnings, warning_new (HC_CLINICAL_WARNING_ALLERGY, severity, rule, message,
                                          allergy, g_string_free (label, FALSE)));
}

static void
check_medication (HcClinical *self,
                  JsonObject *other,
                  GPtrArray  *ingredients,
                  GPtrArray  *warnings)
{
  g_autoptr(GPtrArray) theirs = request_ingredients (self, other);
  const char *label =
    hc_clinical_concept_label (hc_json_get_object (other, "medicationCodeableConcept"));

  if (label == NULL)
    label = "medication";
  for (guint i = 0; i < ingredients->len; i++)
    if (g_ptr_array_find (theirs, ingredients->pdata[i], NULL))
      {
        Ingredient *ingredient = ingredients->pdata[i];
        g_autofree char *message =
          g_strdup_printf ("Already prescribed: %s is in an active prescription. Change or stop "
                           "that prescription rather than adding a second one.", ingredient->name);

        g_ptr_array_add (warnings, warning_new (HC_CLINICAL_WARNING_DUPLICATE,
                                                HC_CLINICAL_SEVERITY_MODERATE, ingredient->name,
                                                message, other, g_strdup (label)));
        break;
      }
  for (guint r = 0; r < self->rules->len; r++)
    {
      Rule *rule = self->rules->pdata[r];

      if ((side_matches (rule->a, rule->a_is_class, ingredients) &&
           side_matches (rule->b, rule->b_is_class, theirs)) ||
          (side_matches (rule->b, rule->b_is_class, ingredients) &&
           side_matches (rule->a, rule->a_is_class, theirs)))
        g_ptr_array_add (warnings, warning_new (HC_CLINICAL_WARNING_INTERACTION, rule->severity,
                                                rule->id, rule->message, other, g_strdup (label)));
    }
}

static int
by_severity (gconstpointer a,
             gconstpointer b)
{
  const HcClinicalWarning *x = *(HcClinicalWarning * const *) a;
  const HcClinicalWarning *y = *(HcClinicalWarning * const *) b;

  return (int) y->severity - (int) x->severity;
}

static const char *
format_number (char   buffer[G_ASCII_DTOSTR_BUF_SIZE],
               double value)
{
  return g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%g", value);
}

static const char *
plural_unit (const char *unit,
             double      amount)
{
  static const char * const countable[] = { "tablet", "capsule", "puff", "drop", "spray",
                                            "patch", "inhaler", "suppository", "bottle", NULL };

  if (amount == 1 || unit == NULL || !g_strv_contains (countable, unit))
    return NULL;
  return "s";
}

/* ------------------------------------------------------------------------------------------ */
/* Public API */

HcClinical *
hc_clinical_load (GError **error)
{
  static const Section formulary[] = {
    { "ingredients", FALSE, read_ingredient },
    { "drugs", TRUE, read_drug },
  };
  static const Section allergens[] = { { "allergens", TRUE, read_allergen } };
  static const Section rules[] = { { "rules", TRUE, read_rule } };
  static const Section orderables[] = { { "tests", TRUE, read_orderable } };
  g_autoptr(HcClinical) self = g_new0 (HcClinical, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->ingredients = g_ptr_array_new_with_free_func (ingredient_free);
  self->ingredient_names = g_hash_table_new (g_str_hash, g_str_equal);
  self->classes = g_hash_table_new (g_str_hash, g_str_equal);
  self->drugs = g_ptr_array_new_with_free_func (drug_free);
  self->drug_keys = g_ptr_array_new_with_free_func (g_free);
  self->allergens = g_ptr_array_new_with_free_func (allergen_free);
  self->rules = g_ptr_array_new_with_free_func (rule_free);
  self->orderables = g_ptr_array_new_with_free_func (orderable_free);
  self->orderable_keys = g_ptr_array_new_with_free_func (g_free);
  if (!load_file (self, "formulary.json", "housecall-formulary", formulary, 2, error) ||
      !load_file (self, "allergy-classes.json", "housecall-allergy-classes", allergens, 1, error) ||
      !load_file (self, "interactions.json", "housecall-interactions", rules, 1, error) ||
      !load_file (self, "lab-catalog.json", "housecall-lab-catalog", orderables, 1, error))
    return NULL;
  g_debug ("clinical catalogs: %u drugs, %u allergens, %u interaction rules, %u orderables",
           self->drugs->len, self->allergens->len, self->rules->len, self->orderables->len);
  return g_steal_pointer (&self);
}

HcClinical *
hc_clinical_ref (HcClinical *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hc_clinical_unref (HcClinical *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->orderable_keys);
  g_ptr_array_unref (self->orderables);
  g_ptr_array_unref (self->rules);
  g_ptr_array_unref (self->allergens);
  g_ptr_array_unref (self->drug_keys);
  g_ptr_array_unref (self->drugs);
  g_hash_table_unref (self->classes);
  g_hash_table_unref (self->ingredient_names);
  g_ptr_array_unref (self->ingredients);
  g_free (self);
}

GPtrArray *
hc_clinical_search_drugs (HcClinical *self,
                          const char *prefix,
                          guint       limit)
{
  g_return_val_if_fail (self != NULL, NULL);
  return search (self->drugs, self->drug_keys, prefix ? prefix : "", limit);
}

GPtrArray *
hc_clinical_search_orderables (HcClinical *self,
                               const char *prefix,
                               guint       limit)
{
  g_return_val_if_fail (self != NULL, NULL);
  return search (self->orderables, self->orderable_keys, prefix ? prefix : "", limit);
}

const HcDrug *
hc_clinical_get_drug (HcClinical *self,
                      const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; id != NULL && i < self->drugs->len; i++)
    if (strcmp (((HcDrug *) self->drugs->pdata[i])->id, id) == 0)
      return self->drugs->pdata[i];
  return NULL;
}

const HcOrderable *
hc_clinical_get_orderable (HcClinical *self,
                           const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; id != NULL && i < self->orderables->len; i++)
    if (strcmp (((HcOrderable *) self->orderables->pdata[i])->id, id) == 0)
      return self->orderables->pdata[i];
  return NULL;
}

const HcDrug *
hc_clinical_drug_for_request (HcClinical *self,
                              JsonObject *request)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rxnorm = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) formulary = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  concept_terms (hc_json_get_object (request, "medicationCodeableConcept"), texts, rxnorm,
                 formulary);
  for (guint i = 0; i < formulary->len; i++)
    {
      const HcDrug *drug = hc_clinical_get_drug (self, formulary->pdata[i]);

      if (drug != NULL)
        return drug;
    }
  for (guint i = 0; i < self->drugs->len; i++)
    {
      HcDrug *drug = self->drugs->pdata[i];
      g_autofree char *name = hc_fhir_fold (drug->name);

      if (ptr_array_has_string (rxnorm, drug->rxnorm) || ptr_array_has_string (texts, name))
        return drug;
    }
  return NULL;
}

GStrv
hc_clinical_request_ingredients (HcClinical *self,
                                 JsonObject *request)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  found = request_ingredients (self, request);
  for (guint i = 0; i < found->len; i++)
    g_strv_builder_add (builder, ((Ingredient *) found->pdata[i])->name);
  return g_strv_builder_end (builder);
}

const HcFrequency *
hc_clinical_frequencies (void)
{
  return frequencies;
}

const HcFrequency *
hc_clinical_get_frequency (const char *id)
{
  for (guint i = 0; id != NULL && frequencies[i].id != NULL; i++)
    if (strcmp (frequencies[i].id, id) == 0)
      return &frequencies[i];
  return NULL;
}

char *
hc_clinical_format_sig (const HcPrescription *rx)
{
  const HcFrequency *frequency;
  const char *route, *verb = "Take", *where = NULL;
  char dose[G_ASCII_DTOSTR_BUF_SIZE];
  GString *sig;

  g_return_val_if_fail (rx != NULL, NULL);

  frequency = hc_clinical_get_frequency (rx->frequency);
  route = rx->route ? rx->route : (rx->drug ? rx->drug->route : NULL);
  if (g_strcmp0 (route, "oral") == 0)
    where = "by mouth";
  else if (g_strcmp0 (route, "sublingual") == 0)
    {
      verb = "Dissolve";
      where = "under the tongue";
    }
  else if (g_strcmp0 (route, "inhalation") == 0)
    verb = "Inhale";
  else if (g_strcmp0 (route, "topical") == 0)
    {
      verb = "Apply";
      where = "to the skin";
    }
  else if (route != NULL)
    where = route;

  sig = g_string_new (verb);
  g_string_append_printf (sig, " %s", format_number (dose, rx->dose));
  if (rx->dose_unit != NULL)
    g_string_append_printf (sig, " %s%s", rx->dose_unit,
                            plural_unit (rx->dose_unit, rx->dose) ? "s" : "");
  if (where != NULL)
    g_string_append_printf (sig, " %s", where);
  if (frequency != NULL)
    g_string_append_printf (sig, " %s", frequency->label);
  if (rx->as_needed)
    g_string_append (sig, " as needed");
  if (rx->days > 0)
    g_string_append_printf (sig, rx->days == 1 ? " for %u day" : " for %u days", rx->days);
  g_string_append_c (sig, '.');
  if (rx->instructions != NULL && *rx->instructions != '\0')
    g_string_append_printf (sig, " %s", rx->instructions);
  return g_string_free (sig, FALSE);
}

JsonObject *
hc_clinical_build_medication_request (const HcPrescription *rx,
                                      const char           *patient_id,
                                      const char           *requester_display,
                                      const char           *authored_on)
{
  const HcFrequency *frequency;
  JsonObject *request, *concept, *category, *subject, *requester, *dosage, *timing, *repeat;
  JsonObject *route, *dose, *dispense;
  JsonArray *codings, *array;
  g_autofree char *reference = NULL;
  g_autofree char *sig = NULL;
  const char *route_name;

  g_return_val_if_fail (rx != NULL && rx->drug != NULL, NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  frequency = hc_clinical_get_frequency (rx->frequency);
  g_return_val_if_fail (frequency != NULL, NULL);

  request = json_object_new ();
  json_object_set_string_member (request, "resourceType", "MedicationRequest");
  json_object_set_string_member (request, "status", "active");
  json_object_set_string_member (request, "intent", "order");

  category = json_object_new ();
  codings = json_array_new ();
  json_array_add_object_element (codings,
    hc_fhir_coding_new ("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "outpatient",
                "Outpatient"));
  json_object_set_array_member (category, "coding", codings);
  array = json_array_new ();
  json_array_add_object_element (array, category);
  json_object_set_array_member (request, "category", array);

  concept = json_object_new ();
  codings = json_array_new ();
  json_array_add_object_element (codings, hc_fhir_coding_new (SYSTEM_FORMULARY, rx->drug->id,
                                                      rx->drug->name));
  if (rx->drug->rxnorm != NULL)
    json_array_add_object_element (codings, hc_fhir_coding_new (SYSTEM_RXNORM, rx->drug->rxnorm,
                                                        rx->drug->name));
  json_object_set_array_member (concept, "coding", codings);
  json_object_set_string_member (concept, "text", rx->drug->name);
  json_object_set_object_member (request, "medicationCodeableConcept", concept);

  subject = json_object_new ();
  reference = g_strdup_printf ("Patient/%s", patient_id);
  json_object_set_string_member (subject, "reference", reference);
  json_object_set_object_member (request, "subject", subject);
  if (authored_on != NULL)
    json_object_set_string_member (request, "authoredOn", authored_on);
  if (requester_display != NULL)
    {
      requester = json_object_new ();
      json_object_set_string_member (requester, "display", requester_display);
      json_object_set_object_member (request, "requester", requester);
    }

  dosage = json_object_new ();
  json_object_set_int_member (dosage, "sequence", 1);
  sig = hc_clinical_format_sig (rx);
  json_object_set_string_member (dosage, "text", sig);
  if (rx->instructions != NULL && *rx->instructions != '\0')
    json_object_set_string_member (dosage, "patientInstruction", rx->instructions);
  timing = json_object_new ();
  repeat = json_object_new ();
  if (rx->days > 0)
    json_object_set_object_member (repeat, "boundsDuration", hc_fhir_quantity_new (rx->days, "days", "d"));
  json_object_set_int_member (repeat, "frequency", frequency->frequency);
  json_object_set_int_member (repeat, "period", frequency->period);
  json_object_set_string_member (repeat, "periodUnit", frequency->period_unit);
  if (frequency->when != NULL)
    {
      array = json_array_new ();
      json_array_add_string_element (array, frequency->when);
      json_object_set_array_member (repeat, "when", array);
    }
  json_object_set_object_member (timing, "repeat", repeat);
  concept = json_object_new ();
  json_object_set_string_member (concept, "text", frequency->label);
  json_object_set_object_member (timing, "code", concept);
  json_object_set_object_member (dosage, "timing", timing);
  json_object_set_boolean_member (dosage, "asNeededBoolean", rx->as_needed);
  route_name = rx->route ? rx->route : rx->drug->route;
  route = json_object_new ();
  if (g_strcmp0 (route_name, "oral") == 0)
    {
      codings = json_array_new ();
      json_array_add_object_element (codings, hc_fhir_coding_new (SYSTEM_SNOMED, SNOMED_ORAL,
                                                          "Oral route"));
      json_object_set_array_member (route, "coding", codings);
    }
  json_object_set_string_member (route, "text", route_name);
  json_object_set_object_member (dosage, "route", route);
  dose = json_object_new ();
  json_object_set_object_member (dose, "doseQuantity",
                                 hc_fhir_quantity_new (rx->dose, rx->dose_unit,
                                               g_strcmp0 (rx->dose_unit, "tablet") == 0 ? "{tbl}"
                                                                                        : NULL));
  array = json_array_new ();
  json_array_add_object_element (array, dose);
  json_object_set_array_member (dosage, "doseAndRate", array);
  array = json_array_new ();
  json_array_add_object_element (array, dosage);
  json_object_set_array_member (request, "dosageInstruction", array);

  dispense = json_object_new ();
  json_object_set_int_member (dispense, "numberOfRepeatsAllowed", rx->refills);
  json_object_set_object_member (dispense, "quantity",
                                 hc_fhir_quantity_new (rx->quantity, rx->quantity_unit,
                                               g_strcmp0 (rx->quantity_unit, "tablet") == 0 ? "{tbl}"
                                                                                            : NULL));
  if (rx->days > 0)
    json_object_set_object_member (dispense, "expectedSupplyDuration",
                                   hc_fhir_quantity_new (rx->days, "days", "d"));
  json_object_set_object_member (request, "dispenseRequest", dispense);
  return request;
}

gboolean
hc_clinical_read_prescription (HcClinical     *self,
                               JsonObject     *request,
                               HcPrescription *rx)
{
  JsonObject *dosage, *repeat, *bounds, *route, *dose, *dispense, *quantity;
  const char *unit, *when = NULL;
  JsonArray *whens;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (request != NULL && rx != NULL, FALSE);

  memset (rx, 0, sizeof *rx);
  rx->drug = hc_clinical_drug_for_request (self, request);
  dosage = hc_json_array_get_object (hc_json_get_array (request, "dosageInstruction"), 0);
  if (dosage == NULL)
    return FALSE;
  repeat = hc_json_get_object (hc_json_get_object (dosage, "timing"), "repeat");
  if (repeat == NULL)
    return FALSE;
  unit = hc_json_get_string (repeat, "periodUnit");
  whens = hc_json_get_array (repeat, "when");
  if (whens != NULL && json_array_get_length (whens) == 1)
    when = json_array_get_string_element (whens, 0);
  for (guint i = 0; frequencies[i].id != NULL; i++)
    if (json_object_get_int_member_with_default (repeat, "frequency", 1) == frequencies[i].frequency &&
        json_object_get_int_member_with_default (repeat, "period", 1) == frequencies[i].period &&
        g_strcmp0 (unit, frequencies[i].period_unit) == 0 && g_strcmp0 (when, frequencies[i].when) == 0)
      rx->frequency = frequencies[i].id;
  if (rx->frequency == NULL)
    return FALSE;
  if ((bounds = hc_json_get_object (repeat, "boundsDuration")) != NULL)
    rx->days = (guint) json_object_get_double_member_with_default (bounds, "value", 0);
  rx->as_needed = json_object_get_boolean_member_with_default (dosage, "asNeededBoolean", FALSE);
  route = hc_json_get_object (dosage, "route");
  rx->route = route ? hc_json_get_string (route, "text") : NULL;
  if (route != NULL && g_strcmp0 (status_code (dosage, "route"), SNOMED_ORAL) == 0)
    rx->route = "oral";
  if (rx->route == NULL && rx->drug != NULL)
    rx->route = rx->drug->route;
  dose = hc_json_get_object (hc_json_array_get_object (hc_json_get_array (dosage, "doseAndRate"),
                                                       0), "doseQuantity");
  if (dose == NULL)
    return FALSE;
  rx->dose = json_object_get_double_member_with_default (dose, "value", 0);
  rx->dose_unit = hc_json_get_string (dose, "unit");
  rx->instructions = hc_json_get_string (dosage, "patientInstruction");
  if ((dispense = hc_json_get_object (request, "dispenseRequest")) != NULL)
    {
      rx->refills = (guint) json_object_get_int_member_with_default (dispense,
                                                                     "numberOfRepeatsAllowed", 0);
      if ((quantity = hc_json_get_object (dispense, "quantity")) != NULL)
        {
          rx->quantity = json_object_get_double_member_with_default (quantity, "value", 0);
          rx->quantity_unit = hc_json_get_string (quantity, "unit");
        }
    }
  return TRUE;
}

GPtrArray *
hc_clinical_check (HcClinical         *self,
                   JsonObject         *proposed,
                   JsonArray          *chart,
                   const char * const *ignore_ids)
{
  g_autoptr(GPtrArray) ingredients = NULL;
  GPtrArray *warnings;
  const char *own_id;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (proposed != NULL, NULL);

  warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) hc_clinical_warning_free);
  ingredients = request_ingredients (self, proposed);
  own_id = hc_json_get_string (proposed, "id");
  for (guint i = 0; chart != NULL && i < json_array_get_length (chart); i++)
    {
      JsonObject *resource = hc_json_array_get_object (chart, i);
      const char *type, *id, *status;

      if (resource != NULL && hc_json_get_object (resource, "resource") != NULL)
        resource = hc_json_get_object (resource, "resource");
      if (resource == NULL)
        continue;
      type = hc_json_get_string (resource, "resourceType");
      id = hc_json_get_string (resource, "id");
      if (g_strcmp0 (type, "AllergyIntolerance") == 0)
        check_allergy (self, resource, ingredients, warnings);
      else if (g_strcmp0 (type, "MedicationRequest") == 0)
        {
          status = hc_json_get_string (resource, "status");
          if (g_strcmp0 (status, "active") != 0 && g_strcmp0 (status, "on-hold") != 0)
            continue;
          if (id != NULL && (g_strcmp0 (id, own_id) == 0 ||
                             (ignore_ids != NULL && g_strv_contains (ignore_ids, id))))
            continue;
          check_medication (self, resource, ingredients, warnings);
        }
    }
  g_ptr_array_sort (warnings, by_severity);
  return warnings;
}

const char *
hc_clinical_severity_to_string (HcClinicalSeverity severity)
{
  switch (severity)
    {
    case HC_CLINICAL_SEVERITY_HIGH:
      return "high";
    case HC_CLINICAL_SEVERITY_MODERATE:
      return "moderate";
    case HC_CLINICAL_SEVERITY_LOW:
    default:
      return "low";
    }
}

void
hc_clinical_warning_free (HcClinicalWarning *warning)
{
  if (warning == NULL)
    return;
  g_free (warning->rule);
  g_free (warning->message);
  g_free (warning->culprit);
  g_free (warning->culprit_text);
  g_free (warning);
}
