/* hc-encounter-data.c: what the encounter editor needs that is not a widget
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-encounter-data"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hc-clinical-data.h"
#include "hc-encounter-data.h"
#include "hc-fhir.h"
#include "hc-json.h"

#define SYSTEM_ICD10   "http://hl7.org/fhir/sid/icd-10-cm"
#define SYSTEM_LOINC   "http://loinc.org"
#define SYSTEM_OBSCAT  "http://terminology.hl7.org/CodeSystem/observation-category"
#define SYSTEM_USER    "urn:housecall:user"

typedef struct
{
  HcIcd10Code  entry;
  char        *compact;     /* folded code without the dot: "e119" */
  char       **words;       /* folded words of the description */
  char       **synonym_words;
} Icd10Entry;

struct _HcEncounterData
{
  gatomicrefcount  ref_count;
  JsonNode        *icd10_doc;       /* owns the strings the entries borrow */
  JsonNode        *templates_doc;
  GArray          *icd10;           /* Icd10Entry */
  GArray          *templates;       /* HcNoteTemplate */
  GArray          *snippets;        /* HcSnippet */
};

G_DEFINE_QUARK (hc-vital-error, hc_vital_error)

/* ------------------------------------------------------------------------------------------ */
/* Catalogs */

static void
icd10_entry_clear (gpointer data)
{
  Icd10Entry *e = data;

  g_free (e->compact);
  g_strfreev (e->words);
  g_strfreev (e->synonym_words);
}

/* The folded words (letters and digits) of @text, appended to @words. */
static void
add_words (GPtrArray  *words,
           const char *text)
{
  g_autofree char *folded = hc_fhir_fold (text);
  GString *word = g_string_new (NULL);

  for (const char *p = folded;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        g_ptr_array_add (words, g_strdup (word->str));
      g_string_truncate (word, 0);
      if (c == 0)
        break;
    }
  g_string_free (word, TRUE);
}

static char **
words_of (const char * const *texts,
          guint               n)
{
  GPtrArray *words = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    add_words (words, texts[i]);
  g_ptr_array_add (words, NULL);
  return (char **) g_ptr_array_free (words, FALSE);
}

/* @code folded, without dots and spaces */
static char *
compact_code (const char *code)
{
  g_autofree char *folded = hc_fhir_fold (code);
  GString *out = g_string_new (NULL);

  for (const char *p = folded; *p; p++)
    if (*p != '.' && *p != ' ')
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static gboolean
fail_file (GError     **error,
           const char  *file,
           const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "clinical data file %s: %s", file, what);
  return FALSE;
}

/* "format" is optional, but a file that says it is something else is the wrong file */
static gboolean
format_matches (JsonObject *root,
                const char *format)
{
  const char *declared = hc_json_get_string (root, "format");

  return declared == NULL || strcmp (declared, format) == 0;
}

static gboolean
read_icd10 (HcEncounterData  *self,
            GError          **error)
{
  JsonObject *root;
  JsonArray *codes;

  if (!JSON_NODE_HOLDS_OBJECT (self->icd10_doc))
    return fail_file (error, "icd10cm.json", "not an object");
  root = json_node_get_object (self->icd10_doc);
  if (!format_matches (root, "housecall-icd10cm"))
    return fail_file (error, "icd10cm.json", "\"format\" is not \"housecall-icd10cm\"");
  codes = hc_json_get_array (root, "codes");
  if (codes == NULL)
    return fail_file (error, "icd10cm.json", "no \"codes\" array");
  for (guint i = 0; i < json_array_get_length (codes); i++)
    {
      JsonObject *c = hc_json_array_get_object (codes, i);
      JsonArray *synonyms = c ? hc_json_get_array (c, "synonyms") : NULL;
      g_autoptr(GPtrArray) synonym_texts = g_ptr_array_new ();
      Icd10Entry e = { { NULL } };

      e.entry.code = c ? hc_json_get_string (c, "code") : NULL;
      e.entry.display = c ? hc_json_get_string (c, "display") : NULL;
      if (e.entry.code == NULL || e.entry.display == NULL)
        return fail_file (error, "icd10cm.json", "a code without \"code\" or \"display\"");
      for (guint s = 0; synonyms != NULL && s < json_array_get_length (synonyms); s++)
        {
          JsonNode *node = json_array_get_element (synonyms, s);
          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_ptr_array_add (synonym_texts, (gpointer) json_node_get_string (node));
        }
      e.compact = compact_code (e.entry.code);
      e.words = words_of (&e.entry.display, 1);
      e.synonym_words = words_of ((const char * const *) synonym_texts->pdata, synonym_texts->len);
      g_array_append_val (self->icd10, e);
    }
  return TRUE;
}

static const char *
member_or_empty (JsonObject *object,
                 const char *member)
{
  const char *s = hc_json_get_string (object, member);
  return s ? s : "";
}

static gboolean
read_templates (HcEncounterData  *self,
                GError          **error)
{
  JsonObject *root;
  JsonArray *templates, *snippets;

  if (!JSON_NODE_HOLDS_OBJECT (self->templates_doc))
    return fail_file (error, "note-templates.json", "not an object");
  root = json_node_get_object (self->templates_doc);
  if (!format_matches (root, "housecall-note-templates"))
    return fail_file (error, "note-templates.json",
                      "\"format\" is not \"housecall-note-templates\"");
  templates = hc_json_get_array (root, "templates");
  snippets = hc_json_get_array (root, "snippets");
  for (guint i = 0; templates != NULL && i < json_array_get_length (templates); i++)
    {
      JsonObject *t = hc_json_array_get_object (templates, i);
      HcNoteTemplate tmpl;

      if (t == NULL || hc_json_get_string (t, "id") == NULL || hc_json_get_string (t, "title") == NULL)
        return fail_file (error, "note-templates.json", "a template without \"id\" or \"title\"");
      tmpl.id = hc_json_get_string (t, "id");
      tmpl.title = hc_json_get_string (t, "title");
      tmpl.subjective = member_or_empty (t, "subjective");
      tmpl.objective = member_or_empty (t, "objective");
      tmpl.assessment = member_or_empty (t, "assessment");
      tmpl.plan = member_or_empty (t, "plan");
      g_array_append_val (self->templates, tmpl);
    }
  for (guint i = 0; snippets != NULL && i < json_array_get_length (snippets); i++)
    {
      JsonObject *s = hc_json_array_get_object (snippets, i);
      HcSnippet snippet;

      snippet.trigger = s ? hc_json_get_string (s, "trigger") : NULL;
      snippet.text = s ? hc_json_get_string (s, "text") : NULL;
      if (snippet.trigger == NULL || snippet.text == NULL || snippet.trigger[0] == '\0' ||
          strpbrk (snippet.trigger, " \t\n") != NULL)
        return fail_file (error, "note-templates.json",
                          "a snippet without \"trigger\" (one word) or \"text\"");
      g_array_append_val (self->snippets, snippet);
    }
  return TRUE;
}

/**
 * hc_encounter_data_new:
 * @icd10: the parsed icd10cm.json
 * @templates: (nullable): the parsed note-templates.json
 *
 * Returns: (transfer full): the catalogs, or %NULL when a document is not usable
 */
HcEncounterData *
hc_encounter_data_new (JsonNode  *icd10,
                       JsonNode  *templates,
                       GError   **error)
{
  HcEncounterData *self;

  g_return_val_if_fail (icd10 != NULL, NULL);

  self = g_new0 (HcEncounterData, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->icd10_doc = json_node_ref (icd10);
  self->templates_doc = templates ? json_node_ref (templates) : NULL;
  self->icd10 = g_array_new (FALSE, TRUE, sizeof (Icd10Entry));
  g_array_set_clear_func (self->icd10, icd10_entry_clear);
  self->templates = g_array_new (FALSE, TRUE, sizeof (HcNoteTemplate));
  self->snippets = g_array_new (FALSE, TRUE, sizeof (HcSnippet));
  if (!read_icd10 (self, error) || (templates != NULL && !read_templates (self, error)))
    {
      hc_encounter_data_unref (self);
      return NULL;
    }
  return self;
}

/**
 * hc_encounter_data_load:
 *
 * Returns: (transfer full): the shipped (or the practice's) catalogs, or %NULL
 */
HcEncounterData *
hc_encounter_data_load (GError **error)
{
  g_autoptr(JsonNode) icd10 = hc_clinical_data_load ("icd10cm.json", error);
  g_autoptr(JsonNode) templates = NULL;

  if (icd10 == NULL)
    return NULL;
  templates = hc_clinical_data_load ("note-templates.json", error);
  if (templates == NULL)
    return NULL;
  return hc_encounter_data_new (icd10, templates, error);
}

HcEncounterData *
hc_encounter_data_ref (HcEncounterData *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hc_encounter_data_unref (HcEncounterData *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_array_unref (self->icd10);
  g_array_unref (self->templates);
  g_array_unref (self->snippets);
  g_clear_pointer (&self->icd10_doc, json_node_unref);
  g_clear_pointer (&self->templates_doc, json_node_unref);
  g_free (self);
}

/* Whether every query word starts some word of @words (and @more, when not NULL); *@first says
 * whether the first query word starts the first word. */
static gboolean
words_match (char      **query,
             char      **words,
             char      **more,
             gboolean   *first)
{
  *first = FALSE;
  for (guint q = 0; query[q] != NULL; q++)
    {
      gboolean found = FALSE;

      for (guint w = 0; !found && words[w] != NULL; w++)
        if (g_str_has_prefix (words[w], query[q]))
          {
            found = TRUE;
            if (q == 0 && w == 0)
              *first = TRUE;
          }
      for (guint w = 0; !found && more != NULL && more[w] != NULL; w++)
        found = g_str_has_prefix (more[w], query[q]);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  guint        rank;
  guint        tie;
  guint        index;
  const HcIcd10Code *entry;
} Hit;

static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const Hit *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->tie != y->tie)
    return x->tie < y->tie ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

GPtrArray *
hc_encounter_data_search_icd10 (HcEncounterData *self,
                                const char      *query,
                                guint            limit)
{
  const char *q = query;
  g_autofree char *compact = NULL;
  g_auto(GStrv) query_words = NULL;
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (self != NULL, out);
  if (query == NULL)
    return out;
  compact = compact_code (q);
  query_words = words_of (&q, 1);
  if (query_words[0] == NULL || limit == 0)
    return out;

  for (guint i = 0; i < self->icd10->len; i++)
    {
      Icd10Entry *e = &g_array_index (self->icd10, Icd10Entry, i);
      Hit hit = { G_MAXUINT, 0, i, &e->entry };
      gboolean first;

      if (strcmp (e->compact, compact) == 0)
        hit.rank = 0;
      else if (g_str_has_prefix (e->compact, compact))
        {
          hit.rank = 1;
          hit.tie = strlen (e->compact);
        }
      else if (words_match (query_words, e->words, NULL, &first))
        {
          hit.rank = first ? 2 : 3;
          hit.tie = g_strv_length (e->words);
        }
      else if (words_match (query_words, e->words, e->synonym_words, &first))
        {
          hit.rank = 4;
          hit.tie = g_strv_length (e->words);
        }
      if (hit.rank != G_MAXUINT)
        g_array_append_val (hits, hit);
    }
  g_array_sort (hits, compare_hits);
  for (guint i = 0; i < hits->len && i < limit; i++)
    g_ptr_array_add (out, (gpointer) g_array_index (hits, Hit, i).entry);
  return out;
}

const HcIcd10Code *
hc_encounter_data_lookup_icd10 (HcEncounterData *self,
                                const char      *code)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; code != NULL && i < self->icd10->len; i++)
    {
      Icd10Entry *e = &g_array_index (self->icd10, Icd10Entry, i);
      if (strcmp (e->entry.code, code) == 0)
        return &e->entry;
    }
  return NULL;
}

guint
hc_encounter_data_get_n_templates (HcEncounterData *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->templates->len;
}

const HcNoteTemplate *
hc_encounter_data_get_template (HcEncounterData *self,
                                guint            index)
{
  g_return_val_if_fail (self != NULL && index < self->templates->len, NULL);
  return &g_array_index (self->templates, HcNoteTemplate, index);
}

const HcNoteTemplate *
hc_encounter_data_find_template (HcEncounterData *self,
                                 const char      *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; id != NULL && i < self->templates->len; i++)
    if (strcmp (g_array_index (self->templates, HcNoteTemplate, i).id, id) == 0)
      return &g_array_index (self->templates, HcNoteTemplate, i);
  return NULL;
}

guint
hc_encounter_data_get_n_snippets (HcEncounterData *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->snippets->len;
}

const HcSnippet *
hc_encounter_data_get_snippet (HcEncounterData *self,
                               guint            index)
{
  g_return_val_if_fail (self != NULL && index < self->snippets->len, NULL);
  return &g_array_index (self->snippets, HcSnippet, index);
}

const HcSnippet *
hc_encounter_data_match_snippet (HcEncounterData *self,
                                 const char      *text,
                                 gsize            length,
                                 gsize           *start)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  for (guint i = 0; i < self->snippets->len; i++)
    {
      const HcSnippet *s = &g_array_index (self->snippets, HcSnippet, i);
      gsize n = strlen (s->trigger);
      char before;

      if (n > length || g_ascii_strncasecmp (text + length - n, s->trigger, n) != 0)
        continue;
      before = length > n ? text[length - n - 1] : ' ';
      if (before != ' ' && before != '\n' && before != '\t' && before != '(')
        continue;
      if (start != NULL)
        *start = length - n;
      return s;
    }
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Vital signs */

typedef struct
{
  const char *names;        /* aliases, folded, separated by '|' */
  const char *shown;        /* how messages write it */
  double      factor;       /* to the stored unit: stored = value * factor + offset */
  double      offset;
} Unit;

typedef struct
{
  const char *loinc;
  const char *display;
  const char *unit;         /* valueQuantity.unit */
  const char *ucum;         /* valueQuantity.code */
  double      min, max;     /* plausible, in the stored unit */
  double      step;         /* rounding of the stored value */
  const Unit *units;        /* the first is the stored unit; NULL-terminated by names */
  gboolean    unit_required;
} VitalDef;

static const Unit weight_units[] = {
  { "kg|kgs|kilo|kilos|kilogram|kilograms", "kg", 1, 0 },
  { "lb|lbs|pound|pounds|#", "lb", 0.45359237, 0 },
  { "g|gram|grams", "g", 0.001, 0 },
  { NULL, NULL, 0, 0 },
};
static const Unit height_units[] = {
  { "cm|centimeter|centimeters|centimetre|centimetres", "cm", 1, 0 },
  { "in|inch|inches|\"", "in", 2.54, 0 },
  { "m|meter|meters|metre|metres", "m", 100, 0 },
  { "ft|feet|foot|'", "ft", 30.48, 0 },
  { NULL, NULL, 0, 0 },
};
static const Unit temperature_units[] = {
  { "c|°c|ºc|cel|celsius|degc|deg c", "°C", 1, 0 },
  { "f|°f|ºf|fahrenheit|degf|deg f", "°F", 5.0 / 9.0, -32 * 5.0 / 9.0 },
  { NULL, NULL, 0, 0 },
};
static const Unit pressure_units[] = {
  { "mmhg|mm hg|mm[hg]", "mmHg", 1, 0 },
  { NULL, NULL, 0, 0 },
};
static const Unit rate_units[] = {
  { "/min|min|bpm|per min|beats/min|breaths/min|/minute", "/min", 1, 0 },
  { NULL, NULL, 0, 0 },
};
static const Unit percent_units[] = {
  { "%|percent", "%", 1, 0 },
  { NULL, NULL, 0, 0 },
};
static const Unit bmi_units[] = {
  { "kg/m2", "kg/m²", 1, 0 },
  { NULL, NULL, 0, 0 },
};

static const VitalDef vitals[HC_N_VITALS] = {
  [HC_VITAL_WEIGHT] = { "29463-7", "Body weight", "kg", "kg", 0.3, 400, 0.1, weight_units, TRUE },
  [HC_VITAL_HEIGHT] = { "8302-2", "Body height", "cm", "cm", 25, 250, 0.1, height_units, TRUE },
  [HC_VITAL_TEMPERATURE] = { "8310-5", "Body temperature", "°C", "Cel", 25, 45, 0.1,
                             temperature_units, TRUE },
  [HC_VITAL_BLOOD_PRESSURE] = { "85354-9", "Blood pressure panel with all children optional",
                                "mmHg", "mm[Hg]", 40, 300, 1, pressure_units, FALSE },
  [HC_VITAL_PULSE] = { "8867-4", "Heart rate", "beats/minute", "/min", 20, 250, 1, rate_units,
                       FALSE },
  [HC_VITAL_RESPIRATORY_RATE] = { "9279-1", "Respiratory rate", "breaths/minute", "/min", 4, 80,
                                  1, rate_units, FALSE },
  [HC_VITAL_OXYGEN_SATURATION] = { "2708-6", "Oxygen saturation in Arterial blood", "%", "%", 50,
                                   100, 1, percent_units, FALSE },
  [HC_VITAL_BMI] = { "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "kg/m2", 5, 150, 0.1,
                     bmi_units, FALSE },
};

#define DIASTOLIC_MIN 20
#define DIASTOLIC_MAX 200

const char *
hc_vital_get_label (HcVital kind)
{
  switch (kind)
    {
    case HC_VITAL_WEIGHT: return _("Weight");
    case HC_VITAL_HEIGHT: return _("Height");
    case HC_VITAL_TEMPERATURE: return _("Temperature");
    case HC_VITAL_BLOOD_PRESSURE: return _("Blood pressure");
    case HC_VITAL_PULSE: return _("Pulse");
    case HC_VITAL_RESPIRATORY_RATE: return _("Respiratory rate");
    case HC_VITAL_OXYGEN_SATURATION: return _("SpO₂");
    case HC_VITAL_BMI: return _("BMI");
    case HC_N_VITALS:
    default:
      g_return_val_if_reached ("");
    }
}

const char *
hc_vital_get_example (HcVital kind)
{
  switch (kind)
    {
    case HC_VITAL_WEIGHT: return _("72.5 kg or 160 lb");
    case HC_VITAL_HEIGHT: return _("170 cm or 67 in");
    case HC_VITAL_TEMPERATURE: return _("37.2 °C or 99 °F");
    case HC_VITAL_BLOOD_PRESSURE: return _("120/80 mmHg");
    case HC_VITAL_PULSE: return _("72 /min");
    case HC_VITAL_RESPIRATORY_RATE: return _("16 /min");
    case HC_VITAL_OXYGEN_SATURATION: return _("98 %");
    case HC_VITAL_BMI: return "";
    case HC_N_VITALS:
    default:
      g_return_val_if_reached ("");
    }
}

const char *
hc_vital_get_units (HcVital kind)
{
  switch (kind)
    {
    case HC_VITAL_WEIGHT: return _("kg or lb");
    case HC_VITAL_HEIGHT: return _("cm or in");
    case HC_VITAL_TEMPERATURE: return _("°C or °F");
    case HC_VITAL_BLOOD_PRESSURE: return _("systolic/diastolic");
    case HC_VITAL_PULSE: return _("/min");
    case HC_VITAL_RESPIRATORY_RATE: return _("/min");
    case HC_VITAL_OXYGEN_SATURATION: return "%";
    case HC_VITAL_BMI: return _("kg/m²");
    case HC_N_VITALS:
    default:
      g_return_val_if_reached ("");
    }
}

/* The accepted units of @kind for messages: "kg or lb" */
static char *
unit_choices (HcVital kind)
{
  const Unit *units = vitals[kind].units;

  if (units[1].names == NULL)
    return g_strdup (units[0].shown);
  /* Translators: the two usual units of a measurement, e.g. "kg or lb" */
  return g_strdup_printf (_("%s or %s"), units[0].shown, units[1].shown);
}

static gboolean
unit_matches (const Unit *unit,
              const char *folded)
{
  g_auto(GStrv) names = g_strsplit (unit->names, "|", -1);

  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], folded) == 0)
      return TRUE;
  return FALSE;
}

static const Unit *
find_unit (const Unit *units,
           const char *folded)
{
  for (guint i = 0; units[i].names != NULL; i++)
    if (unit_matches (&units[i], folded))
      return &units[i];
  return NULL;
}

/* Reads a decimal (with '.' or ','), skipping spaces; FALSE when there is none. */
static gboolean
read_number (const char **p,
             double      *out)
{
  char buf[32];
  gsize n = 0;
  char *end;
  const char *s = *p;

  while (*s == ' ')
    s++;
  while ((g_ascii_isdigit (*s) || *s == '.' || *s == ',') && n + 1 < sizeof buf)
    {
      buf[n++] = *s == ',' ? '.' : *s;
      s++;
    }
  buf[n] = '\0';
  if (n == 0 || (!g_ascii_isdigit (buf[0]) && buf[0] != '.'))
    return FALSE;
  *out = g_ascii_strtod (buf, &end);
  if (*end != '\0' || !isfinite (*out))
    return FALSE;
  while (*s == ' ')
    s++;
  *p = s;
  return TRUE;
}

static double
round_to (double value,
          double step)
{
  /* divide by a whole number: 726 / 10.0 is the double nearest 72.6, 726 * 0.1 is not */
  double per_unit = round (1 / step);

  return round (value * per_unit) / per_unit;
}

/* "0.3", "72.5", "400" */
static char *
format_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (fabs (value - round (value)) < 1e-9)
    return g_strdup_printf ("%.0f", value);
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.1f", round (value * 10) / 10));
}

static gboolean
check_range (HcVital      kind,
             const Unit  *unit,
             double       typed,
             double       stored,
             double       min,
             double       max,
             GError     **error)
{
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;
  g_autofree char *value = NULL;

  if (stored >= min && stored <= max)
    return TRUE;
  lo = format_number ((min - unit->offset) / unit->factor);
  hi = format_number ((max - unit->offset) / unit->factor);
  value = format_number (typed);
  if (kind == HC_VITAL_TEMPERATURE && unit == &temperature_units[0] &&
      typed * temperature_units[1].factor + temperature_units[1].offset >= min &&
      typed * temperature_units[1].factor + temperature_units[1].offset <= max)
    {
      g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_RANGE,
                   _("%s °C is not a plausible temperature (%s to %s °C). Did you mean °F?"),
                   value, lo, hi);
      return FALSE;
    }
  /* Translators: e.g. "Weight 900 kg is out of range: expected 0.3 to 400 kg." */
  g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_RANGE,
               _("%s %s %s is out of range: expected %s to %s %s."),
               hc_vital_get_label (kind), value, unit->shown, lo, hi, unit->shown);
  return FALSE;
}

/* Feet and inches: 5'7", 5' 7, 5 ft 7 in */
static gboolean
parse_feet_inches (const char *text,
                   double     *cm)
{
  const char *p = text;
  double feet, inches = 0;

  if (!read_number (&p, &feet))
    return FALSE;
  if (*p == '\'')
    p++;
  else if (g_str_has_prefix (p, "ft"))
    p += 2;
  else
    return FALSE;
  while (*p == ' ')
    p++;
  if (*p == '\0')
    return FALSE;   /* plain feet: the unit table has it */
  if (!read_number (&p, &inches))
    return FALSE;
  if (*p == '"')
    p++;
  else if (g_str_has_prefix (p, "in"))
    p += 2;
  while (*p == ' ')
    p++;
  if (*p != '\0' || inches >= 12)
    return FALSE;
  *cm = (feet * 12 + inches) * 2.54;
  return TRUE;
}

/* The unit of another measurement that @folded names, for "cm is not a unit of weight" */
static gboolean
is_other_unit (HcVital     kind,
               const char *folded)
{
  for (int k = 0; k < HC_N_VITALS; k++)
    if (vitals[k].units != vitals[kind].units && find_unit (vitals[k].units, folded) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
read_unit (HcVital       kind,
           const char   *rest,
           const Unit  **unit,
           GError      **error)
{
  g_autofree char *folded = g_strstrip (hc_fhir_fold (rest));
  g_autofree char *typed = g_strstrip (g_strdup (rest));
  g_autofree char *choices = unit_choices (kind);
  const char *label = hc_vital_get_label (kind);

  if (folded[0] == '\0')
    {
      if (!vitals[kind].unit_required)
        {
          *unit = &vitals[kind].units[0];
          return TRUE;
        }
      /* Translators: e.g. "Add the unit: kg or lb." */
      g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_UNIT, _("Add the unit: %s."), choices);
      return FALSE;
    }
  *unit = find_unit (vitals[kind].units, folded);
  if (*unit != NULL)
    return TRUE;
  if (is_other_unit (kind, folded))
    /* Translators: e.g. "Weight needs kg or lb, not cm." */
    g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_UNIT,
                 _("%s needs %s, not %s."), label, choices, typed);
  else
    g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_UNIT,
                 /* Translators: e.g. "Weight: unknown unit “xx”. Use kg or lb." */
                 _("%s: unknown unit “%s”. Use %s."), label, typed, choices);
  return FALSE;
}

gboolean
hc_vital_parse (HcVital        kind,
                const char    *text,
                HcVitalValue  *out,
                GError       **error)
{
  g_autofree char *trimmed = NULL;
  const VitalDef *def;
  const Unit *unit = NULL;
  const char *p;
  double typed, typed2 = 0;

  g_return_val_if_fail (kind < HC_VITAL_BMI, FALSE);
  g_return_val_if_fail (text != NULL && out != NULL, FALSE);

  def = &vitals[kind];
  trimmed = g_strstrip (g_strdup (text));
  p = trimmed;
  memset (out, 0, sizeof *out);
  out->kind = kind;

  if (kind == HC_VITAL_HEIGHT && parse_feet_inches (trimmed, &out->value))
    {
      out->value = round_to (out->value, def->step);
      return check_range (kind, &height_units[0], out->value, out->value, def->min, def->max,
                          error);
    }
  if (!read_number (&p, &typed))
    {
      g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_SYNTAX,
                   kind == HC_VITAL_BLOOD_PRESSURE ? _("Type systolic/diastolic, e.g. 120/80.")
                   /* Translators: e.g. "Type a number, e.g. 72.5 kg or 160 lb." */
                   : _("Type a number, e.g. %s."), hc_vital_get_example (kind));
      return FALSE;
    }
  if (kind == HC_VITAL_BLOOD_PRESSURE)
    {
      if (*p != '/' || (p++, !read_number (&p, &typed2)))
        {
          g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_SYNTAX,
                       _("Type systolic/diastolic, e.g. 120/80."));
          return FALSE;
        }
    }
  if (!read_unit (kind, p, &unit, error))
    return FALSE;

  out->value = round_to (typed * unit->factor + unit->offset, def->step);
  if (!check_range (kind, unit, typed, out->value, def->min, def->max, error))
    return FALSE;
  if (kind == HC_VITAL_BLOOD_PRESSURE)
    {
      out->value2 = round_to (typed2, def->step);
      if (!check_range (kind, unit, typed2, out->value2, DIASTOLIC_MIN, DIASTOLIC_MAX, error))
        return FALSE;
      if (out->value <= out->value2)
        {
          g_set_error (error, HC_VITAL_ERROR, HC_VITAL_ERROR_RANGE,
                       _("The systolic pressure (first) must be higher than the diastolic."));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
hc_vital_bmi (const HcVitalValue *weight,
              const HcVitalValue *height,
              HcVitalValue       *out)
{
  double m;

  g_return_val_if_fail (weight != NULL && height != NULL && out != NULL, FALSE);
  g_return_val_if_fail (weight->kind == HC_VITAL_WEIGHT && height->kind == HC_VITAL_HEIGHT, FALSE);

  m = height->value / 100;
  memset (out, 0, sizeof *out);
  out->kind = HC_VITAL_BMI;
  if (m <= 0)
    return FALSE;
  out->value = round_to (weight->value / (m * m), vitals[HC_VITAL_BMI].step);
  return out->value >= vitals[HC_VITAL_BMI].min && out->value <= vitals[HC_VITAL_BMI].max;
}

char *
hc_vital_format (const HcVitalValue *value)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_return_val_if_fail (value != NULL && value->kind < HC_N_VITALS, NULL);

  a = format_number (value->value);
  if (value->kind == HC_VITAL_BLOOD_PRESSURE)
    {
      b = format_number (value->value2);
      return g_strdup_printf ("%s/%s mmHg", a, b);
    }
  if (value->kind == HC_VITAL_PULSE || value->kind == HC_VITAL_RESPIRATORY_RATE)
    return g_strdup_printf ("%s /min", a);
  return g_strdup_printf ("%s %s", a, vitals[value->kind].units[0].shown);
}

static JsonObject *
loinc_concept (HcVital kind)
{
  JsonObject *concept = hc_fhir_concept_new (SYSTEM_LOINC, vitals[kind].loinc, vitals[kind].display,
                                     vitals[kind].display);

  /* as the demo: the profile wants 2708-6; the pulse oximetry code says how it was taken */
  if (kind == HC_VITAL_OXYGEN_SATURATION)
    json_array_add_object_element (json_object_get_array_member (concept, "coding"),
                                   hc_fhir_coding_new (SYSTEM_LOINC, "59408-5",
                                               "Oxygen saturation in Arterial blood by Pulse oximetry"));
  return concept;
}

static void
set_object (JsonObject *object,
            const char *member,
            JsonObject *value)
{
  json_object_set_object_member (object, member, value);
}

static JsonArray *
add_array (JsonObject *object,
           const char *member)
{
  JsonArray *array = json_array_new ();

  json_object_set_array_member (object, member, array);
  return array;
}

JsonObject *
hc_vital_to_observation (const HcVitalValue *value,
                         const char         *id,
                         const char         *status,
                         const char         *patient_id,
                         const char         *encounter_id,
                         const char         *effective,
                         JsonObject         *performer)
{
  JsonObject *obs;
  const VitalDef *def;
  JsonArray *category;

  g_return_val_if_fail (value != NULL && value->kind < HC_N_VITALS, NULL);
  g_return_val_if_fail (status != NULL && patient_id != NULL && effective != NULL, NULL);

  def = &vitals[value->kind];
  obs = json_object_new ();
  json_object_set_string_member (obs, "resourceType", "Observation");
  if (id != NULL)
    json_object_set_string_member (obs, "id", id);
  json_object_set_string_member (obs, "status", status);
  category = add_array (obs, "category");
  json_array_add_object_element (category, hc_fhir_concept_new (SYSTEM_OBSCAT, "vital-signs",
                                                        "Vital Signs", NULL));
  set_object (obs, "code", loinc_concept (value->kind));
  set_object (obs, "subject", hc_fhir_reference_new ("Patient", patient_id, NULL));
  if (encounter_id != NULL)
    set_object (obs, "encounter", hc_fhir_reference_new ("Encounter", encounter_id, NULL));
  json_object_set_string_member (obs, "effectiveDateTime", effective);
  if (performer != NULL)
    json_array_add_object_element (add_array (obs, "performer"), hc_json_object_copy (performer));
  if (value->kind == HC_VITAL_BLOOD_PRESSURE)
    {
      JsonArray *components = add_array (obs, "component");
      JsonObject *systolic = json_object_new ();
      JsonObject *diastolic = json_object_new ();

      set_object (systolic, "code", hc_fhir_concept_new (SYSTEM_LOINC, "8480-6", "Systolic blood pressure",
                                                 "Systolic blood pressure"));
      set_object (systolic, "valueQuantity", hc_fhir_quantity_new (value->value, def->unit, def->ucum));
      set_object (diastolic, "code", hc_fhir_concept_new (SYSTEM_LOINC, "8462-4",
                                                  "Diastolic blood pressure",
                                                  "Diastolic blood pressure"));
      set_object (diastolic, "valueQuantity", hc_fhir_quantity_new (value->value2, def->unit, def->ucum));
      json_array_add_object_element (components, systolic);
      json_array_add_object_element (components, diastolic);
    }
  else
    set_object (obs, "valueQuantity", hc_fhir_quantity_new (value->value, def->unit, def->ucum));
  return obs;
}

static gboolean
has_loinc (JsonObject *concept,
           const char *code)
{
  JsonArray *coding = concept ? hc_json_get_array (concept, "coding") : NULL;

  for (guint i = 0; coding != NULL && i < json_array_get_length (coding); i++)
    {
      JsonObject *c = hc_json_array_get_object (coding, i);
      if (c != NULL && g_strcmp0 (hc_json_get_string (c, "system"), SYSTEM_LOINC) == 0 &&
          g_strcmp0 (hc_json_get_string (c, "code"), code) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A valueQuantity in the stored unit of @kind, converting the UCUM units of the other usual
 * unit (imported records). */
static gboolean
read_quantity (JsonObject *quantity,
               HcVital     kind,
               double     *out)
{
  JsonNode *node = quantity ? json_object_get_member (quantity, "value") : NULL;
  const char *code = quantity ? hc_json_get_string (quantity, "code") : NULL;
  double v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  v = json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                        : json_node_get_double (node);
  if (g_strcmp0 (code, "[lb_av]") == 0)
    v *= weight_units[1].factor;
  else if (g_strcmp0 (code, "[in_i]") == 0)
    v *= height_units[1].factor;
  else if (g_strcmp0 (code, "[degF]") == 0)
    v = v * temperature_units[1].factor + temperature_units[1].offset;
  else if (g_strcmp0 (code, "g") == 0 && kind == HC_VITAL_WEIGHT)
    v *= weight_units[2].factor;
  *out = round_to (v, vitals[kind].step);
  return TRUE;
}

gboolean
hc_vital_from_observation (JsonObject   *observation,
                           HcVitalValue *out)
{
  JsonObject *code;

  g_return_val_if_fail (observation != NULL && out != NULL, FALSE);

  code = hc_json_get_object (observation, "code");
  memset (out, 0, sizeof *out);
  for (int k = 0; k < HC_N_VITALS; k++)
    {
      if (!has_loinc (code, vitals[k].loinc))
        continue;
      out->kind = k;
      if (k != HC_VITAL_BLOOD_PRESSURE)
        return read_quantity (hc_json_get_object (observation, "valueQuantity"), k, &out->value);
      {
        JsonArray *components = hc_json_get_array (observation, "component");
        gboolean sys = FALSE, dia = FALSE;

        for (guint i = 0; components != NULL && i < json_array_get_length (components); i++)
          {
            JsonObject *c = hc_json_array_get_object (components, i);
            JsonObject *cc = c ? hc_json_get_object (c, "code") : NULL;
            JsonObject *q = c ? hc_json_get_object (c, "valueQuantity") : NULL;

            if (has_loinc (cc, "8480-6"))
              sys = read_quantity (q, k, &out->value);
            else if (has_loinc (cc, "8462-4"))
              dia = read_quantity (q, k, &out->value2);
          }
        return sys && dia;
      }
    }
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Resources */

static const char * const soap_titles[HC_N_SOAP] = {
  "Subjective", "Objective", "Assessment", "Plan",
};
static const char * const soap_codes[HC_N_SOAP][2] = {
  { "61150-9", "Subjective Narrative" },
  { "61149-1", "Objective Narrative" },
  { "51848-0", "Evaluation note" },
  { "18776-5", "Plan of care note" },
};

const char *
hc_soap_section_title (HcSoapSection section)
{
  g_return_val_if_fail (section < HC_N_SOAP, NULL);
  return soap_titles[section];
}

JsonObject *
hc_user_reference (const char *user,
                   const char *name)
{
  JsonObject *ref = json_object_new ();

  if (user != NULL && user[0] != '\0')
    {
      JsonObject *identifier = json_object_new ();

      json_object_set_string_member (identifier, "system", SYSTEM_USER);
      json_object_set_string_member (identifier, "value", user);
      set_object (ref, "identifier", identifier);
    }
  json_object_set_string_member (ref, "display", name && name[0] ? name : user ? user : "?");
  return ref;
}

char *
hc_encounter_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");
}

static JsonObject *
new_resource (const char *type,
              const char *id)
{
  JsonObject *resource = json_object_new ();

  json_object_set_string_member (resource, "resourceType", type);
  if (id != NULL)
    json_object_set_string_member (resource, "id", id);
  return resource;
}

JsonObject *
hc_encounter_build (const char         *id,
                    const char         *status,
                    const char         *patient_id,
                    JsonObject         *practitioner,
                    const char         *start,
                    const char         *end,
                    const char * const *diagnosis_ids)
{
  JsonObject *encounter, *period, *participant;

  g_return_val_if_fail (status != NULL && patient_id != NULL && start != NULL, NULL);

  encounter = new_resource ("Encounter", id);
  json_object_set_string_member (encounter, "status", status);
  set_object (encounter, "class", hc_fhir_coding_new ("http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                              "AMB", "ambulatory"));
  set_object (encounter, "subject", hc_fhir_reference_new ("Patient", patient_id, NULL));
  if (practitioner != NULL)
    {
      participant = json_object_new ();
      json_array_add_object_element (add_array (participant, "type"),
        hc_fhir_concept_new ("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF",
                     "primary performer", NULL));
      set_object (participant, "individual", hc_json_object_copy (practitioner));
      json_array_add_object_element (add_array (encounter, "participant"), participant);
    }
  period = json_object_new ();
  json_object_set_string_member (period, "start", start);
  if (end != NULL)
    json_object_set_string_member (period, "end", end);
  set_object (encounter, "period", period);
  if (diagnosis_ids != NULL && diagnosis_ids[0] != NULL)
    {
      JsonArray *diagnoses = add_array (encounter, "diagnosis");

      for (guint i = 0; diagnosis_ids[i] != NULL; i++)
        {
          JsonObject *d = json_object_new ();

          set_object (d, "condition", hc_fhir_reference_new ("Condition", diagnosis_ids[i], NULL));
          json_object_set_int_member (d, "rank", i + 1);
          json_array_add_object_element (diagnoses, d);
        }
    }
  return encounter;
}

/* Plain text as XHTML: paragraphs at blank lines, line breaks within them. */
static char *
text_to_xhtml (const char *text)
{
  GString *out = g_string_new ("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
  g_auto(GStrv) paragraphs = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text));

  paragraphs = g_regex_split_simple ("\\n[ \\t]*\\n\\s*", trimmed, 0, 0);
  for (guint i = 0; paragraphs[i] != NULL; i++)
    {
      g_auto(GStrv) lines = g_strsplit (paragraphs[i], "\n", -1);

      if (paragraphs[i][0] == '\0')
        continue;
      g_string_append (out, "<p>");
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_autofree char *escaped = g_markup_escape_text (lines[l], -1);
          if (l > 0)
            g_string_append (out, "<br/>");
          g_string_append (out, escaped);
        }
      g_string_append (out, "</p>");
    }
  g_string_append (out, "</div>");
  return g_string_free (out, FALSE);
}

static void
add_section (JsonArray  *sections,
             const char *title,
             const char *code,
             const char *code_display,
             const char *text)
{
  JsonObject *section, *narrative;
  g_autofree char *div = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));

  if (trimmed[0] == '\0')
    return;   /* FHIR wants text in a section; an empty one is left out */
  section = json_object_new ();
  json_object_set_string_member (section, "title", title);
  if (code != NULL)
    set_object (section, "code", hc_fhir_concept_new (SYSTEM_LOINC, code, code_display, code_display));
  narrative = json_object_new ();
  div = text_to_xhtml (trimmed);
  json_object_set_string_member (narrative, "status", "generated");
  json_object_set_string_member (narrative, "div", div);
  set_object (section, "text", narrative);
  json_array_add_object_element (sections, section);
}

static JsonObject *
new_note (const char *id,
          const char *title,
          const char *patient_id,
          const char *encounter_id,
          const char *date,
          JsonObject *author,
          const char *signed_at)
{
  JsonObject *note = new_resource ("Composition", id);

  json_object_set_string_member (note, "status", signed_at ? "final" : "preliminary");
  set_object (note, "type", hc_fhir_concept_new (SYSTEM_LOINC, "11506-3", "Progress note", "Progress note"));
  set_object (note, "subject", hc_fhir_reference_new ("Patient", patient_id, NULL));
  if (encounter_id != NULL)
    set_object (note, "encounter", hc_fhir_reference_new ("Encounter", encounter_id, NULL));
  json_object_set_string_member (note, "date", signed_at ? signed_at : date);
  json_array_add_object_element (add_array (note, "author"), hc_json_object_copy (author));
  json_object_set_string_member (note, "title", title);
  if (signed_at != NULL)
    {
      JsonObject *attester = json_object_new ();

      json_object_set_string_member (attester, "mode", "legal");
      json_object_set_string_member (attester, "time", signed_at);
      set_object (attester, "party", hc_json_object_copy (author));
      json_array_add_object_element (add_array (note, "attester"), attester);
    }
  return note;
}

JsonObject *
hc_note_build (const char         *id,
               const char         *patient_id,
               const char         *encounter_id,
               const char         *date,
               JsonObject         *author,
               const char * const  sections[HC_N_SOAP],
               const char         *signed_at)
{
  JsonObject *note;
  JsonArray *array;

  g_return_val_if_fail (patient_id != NULL && date != NULL && author != NULL, NULL);

  note = new_note (id, "Progress note", patient_id, encounter_id, date, author, signed_at);
  array = add_array (note, "section");
  for (int s = 0; s < HC_N_SOAP; s++)
    add_section (array, soap_titles[s], soap_codes[s][0], soap_codes[s][1], sections[s]);
  if (json_array_get_length (array) == 0)
    json_object_remove_member (note, "section");
  return note;
}

JsonObject *
hc_addendum_build (const char *id,
                   const char *patient_id,
                   const char *encounter_id,
                   const char *target_id,
                   const char *date,
                   JsonObject *author,
                   const char *text,
                   const char *signed_at)
{
  JsonObject *note, *relates, *target;
  JsonArray *array;

  g_return_val_if_fail (patient_id != NULL && target_id != NULL && author != NULL, NULL);

  note = new_note (id, "Addendum", patient_id, encounter_id, date, author, signed_at);
  relates = json_object_new ();
  json_object_set_string_member (relates, "code", "appends");
  target = hc_fhir_reference_new ("Composition", target_id, NULL);
  set_object (relates, "targetReference", target);
  json_array_add_object_element (add_array (note, "relatesTo"), relates);
  array = add_array (note, "section");
  add_section (array, "Addendum", NULL, NULL, text);
  if (json_array_get_length (array) == 0)
    json_object_remove_member (note, "section");
  return note;
}

/* Appends the text of XHTML @div to @out: block ends and <br/> as new lines, <li> as "- ". */
static void
append_xhtml_text (GString    *out,
                   const char *div)
{
  const char *p = div;

  while (*p)
    {
      if (*p == '<')
        {
          const char *end = strchr (p, '>');
          gboolean closing = p[1] == '/';
          const char *name = p + (closing ? 2 : 1);
          gsize n = strcspn (name, " />");

          if (end == NULL)
            break;
          if ((n == 2 && strncmp (name, "br", 2) == 0) ||
              (closing && n == 2 && strncmp (name, "li", 2) == 0))
            g_string_append_c (out, '\n');
          else if (closing && n == 1 && name[0] == 'p')
            g_string_append (out, "\n\n");
          else if (!closing && n == 2 && strncmp (name, "li", 2) == 0)
            g_string_append (out, "- ");
          p = end + 1;
        }
      else if (*p == '&')
        {
          static const struct { const char *entity; const char *text; } entities[] = {
            { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
            { "&apos;", "'" }, { "&#39;", "'" }, { "&#x27;", "'" }, { "&nbsp;", " " },
          };
          gboolean known = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (entities) && !known; i++)
            if (g_str_has_prefix (p, entities[i].entity))
              {
                g_string_append (out, entities[i].text);
                p += strlen (entities[i].entity);
                known = TRUE;
              }
          if (!known)
            g_string_append_c (out, *p++);
        }
      else
        g_string_append_c (out, *p++);
    }
}

char *
hc_note_get_section_text (JsonObject *composition,
                          const char *title)
{
  JsonArray *sections;

  g_return_val_if_fail (composition != NULL && title != NULL, NULL);

  sections = hc_json_get_array (composition, "section");
  for (guint i = 0; sections != NULL && i < json_array_get_length (sections); i++)
    {
      JsonObject *s = hc_json_array_get_object (sections, i);
      JsonObject *text = s ? hc_json_get_object (s, "text") : NULL;
      const char *div = text ? hc_json_get_string (text, "div") : NULL;
      GString *out;

      if (s == NULL || g_strcmp0 (hc_json_get_string (s, "title"), title) != 0)
        continue;
      out = g_string_new (NULL);
      if (div != NULL)
        append_xhtml_text (out, div);
      while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
        g_string_truncate (out, out->len - 1);
      return g_string_free (out, FALSE);
    }
  return NULL;
}

gboolean
hc_note_is_signed (JsonObject *composition)
{
  JsonArray *attesters;

  g_return_val_if_fail (composition != NULL, FALSE);
  attesters = hc_json_get_array (composition, "attester");
  return g_strcmp0 (hc_json_get_string (composition, "status"), "final") == 0 &&
         attesters != NULL && json_array_get_length (attesters) > 0;
}

JsonObject *
hc_diagnosis_build (const char        *id,
                    const char        *patient_id,
                    const char        *encounter_id,
                    const HcIcd10Code *code,
                    const char        *recorded,
                    JsonObject        *recorder)
{
  JsonObject *condition;

  g_return_val_if_fail (patient_id != NULL && code != NULL, NULL);

  condition = new_resource ("Condition", id);
  set_object (condition, "clinicalStatus",
              hc_fhir_concept_new ("http://terminology.hl7.org/CodeSystem/condition-clinical", "active",
                           "Active", NULL));
  set_object (condition, "verificationStatus",
              hc_fhir_concept_new ("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                           "confirmed", "Confirmed", NULL));
  json_array_add_object_element (add_array (condition, "category"),
    hc_fhir_concept_new ("http://terminology.hl7.org/CodeSystem/condition-category",
                 "encounter-diagnosis", "Encounter Diagnosis", NULL));
  set_object (condition, "code", hc_fhir_concept_new (SYSTEM_ICD10, code->code, code->display,
                                              code->display));
  set_object (condition, "subject", hc_fhir_reference_new ("Patient", patient_id, NULL));
  if (encounter_id != NULL)
    set_object (condition, "encounter", hc_fhir_reference_new ("Encounter", encounter_id, NULL));
  if (recorded != NULL)
    json_object_set_string_member (condition, "recordedDate", recorded);
  if (recorder != NULL)
    set_object (condition, "recorder", hc_json_object_copy (recorder));
  return condition;
}
