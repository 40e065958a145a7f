/* hc-trend-plot.h: a small time-series plot of one or two measurements
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 time;     /* Unix seconds */
  double value;
} HcTrendPoint;

#define HC_TYPE_TREND_PLOT (hc_trend_plot_get_type ())

G_DECLARE_FINAL_TYPE (HcTrendPlot, hc_trend_plot, HC, TREND_PLOT, GtkWidget)

GtkWidget  *hc_trend_plot_new             (void);
/* @title names the measurement ("Weight"), @unit is its unit as shown ("kg"); @decimals is
 * how many decimals values are read with. */
void        hc_trend_plot_set_measurement (HcTrendPlot        *self,
                                           const char         *title,
                                           const char         *unit,
                                           int                 decimals);
/* Drops series and markers. */
void        hc_trend_plot_clear           (HcTrendPlot        *self);
/* Adds a series (at most two: e.g. systolic and diastolic); @points in any order. */
void        hc_trend_plot_add_series      (HcTrendPlot        *self,
                                           const char         *name,
                                           const HcTrendPoint *points,
                                           guint               n_points);
/* Marks an event on the time axis, e.g. a medication's start (@start) or stop. */
void        hc_trend_plot_add_marker      (HcTrendPlot        *self,
                                           gint64              time,
                                           const char         *label,
                                           gboolean            start);
guint       hc_trend_plot_get_n_points    (HcTrendPlot        *self,
                                           guint               series);
guint       hc_trend_plot_get_n_markers   (HcTrendPlot        *self);
/* What a screen reader says: "Weight, 12 readings, latest 82 kg on 2026-10-02, down from
 * 85 kg". */
const char *hc_trend_plot_get_description (HcTrendPlot        *self);

G_END_DECLS
