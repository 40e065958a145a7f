/* hc-visit-summary.c: what a printed visit summary says, from a patient's chart
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-visit-summary"

#include "config.h"

#include <string.h>

#include "hc-json.h"
#include "hc-visit-summary.h"

static void
visit_note_clear (HcVisitNote *note)
{
  g_clear_pointer (&note->text, g_free);
  g_clear_pointer (&note->signer, g_free);
  g_clear_pointer (&note->signed_at, g_free);
}

static void
visit_note_free (gpointer data)
{
  visit_note_clear (data);
  g_free (data);
}

void
hc_visit_summary_free (HcVisitSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->encounter_id);
  g_free (summary->start);
  g_free (summary->status);
  g_array_unref (summary->vitals);
  g_ptr_array_unref (summary->diagnosis_codes);
  g_ptr_array_unref (summary->diagnosis_displays);
  visit_note_clear (&summary->plan);
  g_ptr_array_unref (summary->addenda);
  g_free (summary);
}

static JsonObject *
resource_at (JsonArray *chart,
             guint      i)
{
  JsonObject *entry = hc_json_array_get_object (chart, i);

  return entry ? hc_json_get_object (entry, "resource") : NULL;
}

static gboolean
is_type (JsonObject *resource,
         const char *type)
{
  return resource != NULL && g_strcmp0 (hc_json_get_string (resource, "resourceType"), type) == 0;
}

/* The "Type/id" of @member's reference, or NULL */
static const char *
reference_of (JsonObject *object,
              const char *member)
{
  JsonObject *ref = object ? hc_json_get_object (object, member) : NULL;

  return ref ? hc_json_get_string (ref, "reference") : NULL;
}

static JsonObject *
find_resource (JsonArray  *chart,
               const char *reference)
{
  for (guint i = 0; reference != NULL && i < json_array_get_length (chart); i++)
    {
      JsonObject *r = resource_at (chart, i);
      const char *type = r ? hc_json_get_string (r, "resourceType") : NULL;
      const char *id = r ? hc_json_get_string (r, "id") : NULL;
      gsize n = type ? strlen (type) : 0;

      if (type != NULL && id != NULL && strncmp (reference, type, n) == 0 &&
          reference[n] == '/' && strcmp (reference + n + 1, id) == 0)
        return r;
    }
  return NULL;
}

static void
read_signature (JsonObject  *note,
                HcVisitNote *out)
{
  JsonArray *attesters = hc_json_get_array (note, "attester");
  JsonObject *attester = attesters ? hc_json_array_get_object (attesters, 0) : NULL;
  JsonObject *party = attester ? hc_json_get_object (attester, "party") : NULL;

  if (!hc_note_is_signed (note) || attester == NULL)
    return;
  out->signer = g_strdup (party && hc_json_get_string (party, "display")
                          ? hc_json_get_string (party, "display")
                          : party ? hc_json_get_string (party, "reference") : NULL);
  out->signed_at = g_strdup (hc_json_get_string (attester, "time"));
}

static gboolean
is_addendum (JsonObject *note)
{
  JsonArray *relates = hc_json_get_array (note, "relatesTo");
  JsonObject *r = relates ? hc_json_array_get_object (relates, 0) : NULL;

  return r != NULL && g_strcmp0 (hc_json_get_string (r, "code"), "appends") == 0;
}

static const char *
code_display (JsonObject *condition,
              const char **code)
{
  JsonObject *concept = hc_json_get_object (condition, "code");
  JsonArray *coding = concept ? hc_json_get_array (concept, "coding") : NULL;
  JsonObject *c = coding ? hc_json_array_get_object (coding, 0) : NULL;

  *code = c ? hc_json_get_string (c, "code") : NULL;
  if (c != NULL && hc_json_get_string (c, "display") != NULL)
    return hc_json_get_string (c, "display");
  return concept ? hc_json_get_string (concept, "text") : NULL;
}

HcVisitSummary *
hc_visit_summary_new (JsonArray  *chart,
                      const char *encounter_id)
{
  HcVisitSummary *s;
  JsonObject *encounter = NULL, *period;
  g_autofree char *encounter_ref = NULL;
  JsonArray *diagnoses;
  GPtrArray *addenda_sources;
  gboolean have_vital[HC_N_VITALS] = { FALSE };
  HcVitalValue vital_values[HC_N_VITALS];

  g_return_val_if_fail (chart != NULL, NULL);

  for (guint i = 0; i < json_array_get_length (chart) && encounter == NULL; i++)
    {
      JsonObject *r = resource_at (chart, i);
      if (is_type (r, "Encounter") &&
          (encounter_id == NULL || g_strcmp0 (hc_json_get_string (r, "id"), encounter_id) == 0))
        encounter = r;
    }
  if (encounter == NULL)
    return NULL;

  s = g_new0 (HcVisitSummary, 1);
  s->encounter_id = g_strdup (hc_json_get_string (encounter, "id"));
  encounter_ref = g_strconcat ("Encounter/", s->encounter_id, NULL);
  period = hc_json_get_object (encounter, "period");
  s->start = g_strdup (period ? hc_json_get_string (period, "start") : NULL);
  s->status = g_strdup (hc_json_get_string (encounter, "status"));
  s->vitals = g_array_new (FALSE, TRUE, sizeof (HcVitalValue));
  s->diagnosis_codes = g_ptr_array_new_with_free_func (g_free);
  s->diagnosis_displays = g_ptr_array_new_with_free_func (g_free);
  s->addenda = g_ptr_array_new_with_free_func (visit_note_free);

  diagnoses = hc_json_get_array (encounter, "diagnosis");
  for (guint i = 0; diagnoses != NULL && i < json_array_get_length (diagnoses); i++)
    {
      JsonObject *condition = find_resource (chart, reference_of (hc_json_array_get_object (diagnoses, i),
                                                                  "condition"));
      const char *code = NULL;
      const char *display = condition ? code_display (condition, &code) : NULL;

      if (condition == NULL)
        continue;   /* entered in error, or not in this store */
      g_ptr_array_add (s->diagnosis_codes, g_strdup (code ? code : ""));
      g_ptr_array_add (s->diagnosis_displays, g_strdup (display ? display : ""));
    }

  /* the chart is newest first: the addenda are collected and reversed */
  addenda_sources = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (chart); i++)
    {
      JsonObject *r = resource_at (chart, i);
      HcVitalValue v;

      if (g_strcmp0 (reference_of (r, "encounter"), encounter_ref) != 0)
        continue;
      if (is_type (r, "Observation") && hc_vital_from_observation (r, &v) && !have_vital[v.kind])
        {
          have_vital[v.kind] = TRUE;
          vital_values[v.kind] = v;
        }
      else if (is_type (r, "Composition") && is_addendum (r))
        g_ptr_array_add (addenda_sources, r);
      else if (is_type (r, "Composition") && s->plan.text == NULL && s->plan.signer == NULL)
        {
          s->plan.text = hc_note_get_section_text (r, "Plan");
          if (s->plan.text == NULL)
            s->plan.text = g_strdup ("");
          read_signature (r, &s->plan);
        }
    }
  for (int k = 0; k < HC_N_VITALS; k++)
    if (have_vital[k])
      g_array_append_val (s->vitals, vital_values[k]);
  for (guint i = addenda_sources->len; i > 0; i--)
    {
      JsonObject *r = addenda_sources->pdata[i - 1];
      HcVisitNote *note = g_new0 (HcVisitNote, 1);

      note->text = hc_note_get_section_text (r, "Addendum");
      read_signature (r, note);
      g_ptr_array_add (s->addenda, note);
    }
  g_ptr_array_unref (addenda_sources);
  return s;
}
