/* hc-chart-view.h: one patient's chart: header, allergy banner, summary and record tabs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_CHART_VIEW (hc_chart_view_get_type ())

G_DECLARE_FINAL_TYPE (HcChartView, hc_chart_view, HC, CHART_VIEW, GtkWidget)

GtkWidget *hc_chart_view_new         (HcStore     *store);
void       hc_chart_view_set_store   (HcChartView *self,
                                      HcStore     *store);
/* Shows @patient's header at once and loads the chart from the store; the same patient again
 * only refreshes the header (use hc_chart_view_reload() for the records). */
void       hc_chart_view_set_patient (HcChartView *self,
                                      HcPatient   *patient);
HcPatient *hc_chart_view_get_patient (HcChartView *self);
/* Loads the records of the shown patient again. */
void       hc_chart_view_reload      (HcChartView *self);
/* Forgets the patient and removes every record from the widgets (for locking). */
void       hc_chart_view_clear       (HcChartView *self);

G_END_DECLS
