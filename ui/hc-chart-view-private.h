/* hc-chart-view-private.h: what tests may look at inside HcChartView
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-chart-view.h"
#include "hc-trend-plot.h"

G_BEGIN_DECLS

/* How many chart loads have finished (successfully or not), to wait on. */
guint         _hc_chart_view_get_load_serial  (HcChartView *self);
/* How many checks of the chart's stamp have finished (each may or may not load). */
guint         _hc_chart_view_get_check_serial (HcChartView *self);
AdwViewStack *_hc_chart_view_get_stack        (HcChartView *self);
const char   *_hc_chart_view_get_name         (HcChartView *self);
const char   *_hc_chart_view_get_allergy_text (HcChartView *self);
/* The conflict banner's text, NULL while it is hidden. */
const char   *_hc_chart_view_get_conflict_text (HcChartView *self);
/* "allergy-high", "allergy-present", "allergy-none" or "allergy-unknown" */
const char   *_hc_chart_view_get_allergy_style (HcChartView *self);
/* "weight", "blood-pressure" or "hba1c"; builds the summary if needed */
HcTrendPlot  *_hc_chart_view_get_plot         (HcChartView *self,
                                               const char  *name);
/* Every label's text on @page ("summary", "encounters", …), one per line; builds the page. */
char         *_hc_chart_view_get_page_text    (HcChartView *self,
                                               const char  *page);
/* Every label's text in the whole view, header included. */
char         *_hc_chart_view_get_all_text     (HcChartView *self);
/* How many widgets on @page have @css_class (e.g. "sync-local", "abnormal-flag"). */
guint         _hc_chart_view_count_class      (HcChartView *self,
                                               const char  *page,
                                               const char  *css_class);

G_END_DECLS
