/* hc-visit-summary.h: what a printed visit summary says, from a patient's chart
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hc-encounter-data.h"

G_BEGIN_DECLS

typedef struct
{
  char *text;
  char *signer;        /* NULL: not signed */
  char *signed_at;
} HcVisitNote;

typedef struct
{
  char        *encounter_id;
  char        *start;          /* Encounter.period.start */
  char        *status;         /* Encounter.status */
  GArray      *vitals;         /* HcVitalValue, in HcVital order */
  GPtrArray   *diagnosis_codes;     /* char *, in rank order */
  GPtrArray   *diagnosis_displays;  /* char *, the same order */
  HcVisitNote  plan;           /* the plan of the progress note; text NULL when none */
  GPtrArray   *addenda;        /* HcVisitNote *, oldest first */
} HcVisitSummary;

/* The summary of Encounter @encounter_id, or of the newest Encounter when NULL, from @chart as
 * hc_store_list_chart_sync() returns it (with Encounter, Composition, Condition and Observation
 * records). NULL when there is no such encounter. */
HcVisitSummary *hc_visit_summary_new  (JsonArray      *chart,
                                       const char     *encounter_id);
void            hc_visit_summary_free (HcVisitSummary *summary);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcVisitSummary, hc_visit_summary_free)

G_END_DECLS
