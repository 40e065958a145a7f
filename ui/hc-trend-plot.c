/* hc-trend-plot.c: a small time-series plot of one or two measurements
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawn with cairo into the snapshot, in the widget's foreground colour and libadwaita's named
 * colours, so it reads in the light, dark and high-contrast styles. Values on the y axis with
 * the unit, dates (ISO) on the time axis, medication starts (▲) and stops (■) as dashed lines.
 */

#define G_LOG_DOMAIN "hc-trend-plot"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "hc-trend-plot.h"

#define MAX_SERIES 2
#define MARGIN_LEFT 48
#define MARGIN_RIGHT 14
#define MARGIN_TOP 10
#define MARGIN_BOTTOM 24
#define MARKER_ROW 15

typedef struct
{
  char   *name;
  GArray *points;   /* HcTrendPoint, by time */
} Series;

typedef struct
{
  gint64  time;
  char   *label;
  gboolean start;
} Marker;

struct _HcTrendPlot
{
  GtkWidget  parent_instance;

  /* owned */
  char      *title;
  char      *unit;
  int        decimals;
  Series     series[MAX_SERIES];
  guint      n_series;
  GArray    *markers;       /* Marker */
  char      *description;
};

G_DEFINE_FINAL_TYPE (HcTrendPlot, hc_trend_plot, GTK_TYPE_WIDGET)

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const HcTrendPoint *pa = a, *pb = b;

  return (pa->time > pb->time) - (pa->time < pb->time);
}

static void
clear_marker (gpointer data)
{
  g_free (((Marker *) data)->label);
}

static char *
format_value (HcTrendPlot *self,
              double       value)
{
  return g_strdup_printf ("%.*f", self->decimals, value);
}

static char *
format_date (gint64      time,
             const char *format)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (time);

  return when ? g_date_time_format (when, format) : g_strdup ("");
}

/* "128/82" for the latest (@from_end 0) or the one before (1) reading of every series. */
static char *
format_reading (HcTrendPlot *self,
                guint        from_end)
{
  GString *text = g_string_new (NULL);

  for (guint s = 0; s < self->n_series; s++)
    {
      GArray *points = self->series[s].points;
      g_autofree char *value = NULL;

      if (points->len <= from_end)
        continue;
      value = format_value (self, g_array_index (points, HcTrendPoint,
                                                 points->len - 1 - from_end).value);
      g_string_append_printf (text, "%s%s", text->len ? "/" : "", value);
    }
  return g_string_free (text, FALSE);
}

static double
reading_sum (HcTrendPlot *self,
             guint        from_end)
{
  double sum = 0;

  for (guint s = 0; s < self->n_series; s++)
    {
      GArray *points = self->series[s].points;

      if (points->len > from_end)
        sum += g_array_index (points, HcTrendPoint, points->len - 1 - from_end).value;
    }
  return sum;
}

static void
update_description (HcTrendPlot *self)
{
  GArray *first = self->n_series > 0 ? self->series[0].points : NULL;
  guint n = first ? first->len : 0;
  g_autofree char *latest = NULL;
  g_autofree char *date = NULL;
  g_autofree char *readings = NULL;
  GString *text;

  g_clear_pointer (&self->description, g_free);
  if (n == 0)
    {
      /* Translators: a plot's description, e.g. "Weight, no readings" */
      self->description = g_strdup_printf (_("%s, no readings"), self->title ? self->title : "");
      goto done;
    }

  latest = format_reading (self, 0);
  date = format_date (g_array_index (first, HcTrendPoint, n - 1).time, "%Y-%m-%d");
  readings = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u reading", "%u readings", n), n);
  text = g_string_new (NULL);
  /* Translators: a plot's description: the measurement, how many readings, the latest value
   * with its unit and its date, e.g. "Weight, 12 readings, latest 82.0 kg on 2026-10-02" */
  g_string_append_printf (text, _("%s, %s, latest %s %s on %s"), self->title ? self->title : "",
                          readings, latest, self->unit ? self->unit : "", date);
  if (n > 1)
    {
      g_autofree char *previous = format_reading (self, 1);
      double now = reading_sum (self, 0), before = reading_sum (self, 1);
      const char *unit = self->unit ? self->unit : "";

      if (now < before)
        /* Translators: appended to a plot's description, e.g. ", down from 85.0 kg" */
        g_string_append_printf (text, _(", down from %s %s"), previous, unit);
      else if (now > before)
        /* Translators: appended to a plot's description, e.g. ", up from 80.0 kg" */
        g_string_append_printf (text, _(", up from %s %s"), previous, unit);
      else
        g_string_append (text, _(", unchanged"));
    }
  if (self->markers->len > 0)
    {
      g_string_append (text, "; ");
      for (guint i = 0; i < self->markers->len; i++)
        {
          Marker *m = &g_array_index (self->markers, Marker, i);
          g_autofree char *when = format_date (m->time, "%Y-%m-%d");

          if (i > 0)
            g_string_append (text, ", ");
          /* Translators: a medication marked on a plot, e.g. "Metformin started 2025-03-02" */
          g_string_append_printf (text, m->start ? _("%s started %s") : _("%s stopped %s"),
                                  m->label, when);
        }
    }
  self->description = g_string_free (text, FALSE);

done:
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->title ? self->title : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->description);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A round step (1, 2 or 5 × 10^n) that divides @span into about @ticks parts. */
static double
nice_step (double span,
           int    ticks)
{
  double raw = span / MAX (ticks, 1);
  double magnitude = pow (10, floor (log10 (raw)));
  double fraction = raw / magnitude;

  if (fraction <= 1)
    return magnitude;
  if (fraction <= 2)
    return 2 * magnitude;
  if (fraction <= 5)
    return 5 * magnitude;
  return 10 * magnitude;
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color,
              const char *fallback)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       xalign)
{
  int width, height;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_move_to (cr, x - width * xalign, y - height / 2.0);
  pango_cairo_show_layout (cr, layout);
}

static void
hc_trend_plot_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  HcTrendPlot *self = HC_TREND_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg, colors[MAX_SERIES], start_color, stop_color;
  gint64 tmin = G_MAXINT64, tmax = G_MININT64;
  double vmin = G_MAXDOUBLE, vmax = -G_MAXDOUBLE, step, x0, x1, y0, y1;
  guint marker_rows = 0;
  gint64 *row_end;
  cairo_t *cr;
  int label_width = 0;

  for (guint s = 0; s < self->n_series; s++)
    for (guint i = 0; i < self->series[s].points->len; i++)
      {
        HcTrendPoint *p = &g_array_index (self->series[s].points, HcTrendPoint, i);

        tmin = MIN (tmin, p->time);
        tmax = MAX (tmax, p->time);
        vmin = MIN (vmin, p->value);
        vmax = MAX (vmax, p->value);
      }
  if (tmin > tmax || width < 80 || height < 60)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  lookup_color (widget, "accent_color", &colors[0], "#1c71d8");
  lookup_color (widget, "purple_3", &colors[1], "#9141ac");
  lookup_color (widget, "success_color", &start_color, "#26a269");
  lookup_color (widget, "error_color", &stop_color, "#c01c28");

  /* a single reading, or all on one day: a month either side */
  if (tmax - tmin < 86400)
    {
      tmin -= 30 * 86400;
      tmax += 30 * 86400;
    }
  else
    {
      gint64 pad = (tmax - tmin) / 30;
      tmin -= pad;
      tmax += pad;
    }
  if (vmax - vmin < 1e-9)
    {
      vmin -= MAX (1, fabs (vmin) * 0.05);
      vmax += MAX (1, fabs (vmax) * 0.05);
    }
  step = nice_step (vmax - vmin, 4);
  vmin = floor (vmin / step) * step;
  vmax = ceil (vmax / step) * step;

  /* medication markers in staggered rows above the plot, so labels do not overlap */
  row_end = g_newa (gint64, 3);
  for (guint r = 0; r < 3; r++)
    row_end[r] = G_MININT64;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  pango_layout_set_font_description (layout, NULL);
  {
    PangoAttrList *attrs = pango_attr_list_new ();
    pango_attr_list_insert (attrs, pango_attr_scale_new (0.83));
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    pango_layout_set_attributes (layout, attrs);
    pango_attr_list_unref (attrs);
  }

  for (guint i = 0; i < self->markers->len; i++)
    {
      Marker *m = &g_array_index (self->markers, Marker, i);
      if (m->time >= tmin && m->time <= tmax)
        marker_rows = MIN (3, MAX (marker_rows, 1));
    }
  /* rows are assigned while drawing; reserve what the count of markers needs */
  if (marker_rows > 0)
    marker_rows = MIN (3, self->markers->len);

  x0 = MARGIN_LEFT;
  x1 = width - MARGIN_RIGHT;
  y0 = MARGIN_TOP + marker_rows * MARKER_ROW;
  y1 = height - MARGIN_BOTTOM;
  if (y1 - y0 < 30)
    {
      marker_rows = 0;
      y0 = MARGIN_TOP;
    }

#define X(t) (x0 + (x1 - x0) * ((double) ((t) - tmin) / (double) (tmax - tmin)))
#define Y(v) (y1 - (y1 - y0) * (((v) - vmin) / (vmax - vmin)))

  /* horizontal grid and value labels */
  cairo_set_line_width (cr, 1);
  for (double v = vmin; v <= vmax + step / 2; v += step)
    {
      g_autofree char *label = g_strdup_printf ("%.*f", step < 1 ? 1 : 0, v);
      double y = round (Y (v)) + 0.5;

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.12);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x1, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      draw_text (cr, layout, label, x0 - 6, y, 1.0);
    }
  /* the unit, above the value labels */
  if (self->unit != NULL && marker_rows == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      draw_text (cr, layout, self->unit, x0 - 6, MAX (y0 - 2, 6), 1.0);
    }

  /* dates on the time axis: as many as fit, evenly spaced */
  {
    gboolean long_span = tmax - tmin > 400 * 86400;
    const char *format = long_span ? "%Y-%m" : "%Y-%m-%d";
    g_autofree char *sample = format_date (tmax, format);
    int n_labels;

    pango_layout_set_text (layout, sample, -1);
    pango_layout_get_pixel_size (layout, &label_width, NULL);
    n_labels = CLAMP ((int) ((x1 - x0) / (label_width + 24)), 2, 6);
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
    for (int i = 0; i < n_labels; i++)
      {
        gint64 t = tmin + (tmax - tmin) * (2 * i + 1) / (2 * n_labels);
        g_autofree char *label = format_date (t, format);

        draw_text (cr, layout, label, X (t), y1 + MARGIN_BOTTOM / 2.0 + 1, 0.5);
      }
  }

  /* the axes */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
  cairo_move_to (cr, x0 + 0.5, y0);
  cairo_line_to (cr, x0 + 0.5, y1 + 0.5);
  cairo_line_to (cr, x1, y1 + 0.5);
  cairo_stroke (cr);

  /* medication starts and stops */
  for (guint i = 0; i < self->markers->len; i++)
    {
      Marker *m = &g_array_index (self->markers, Marker, i);
      GdkRGBA *c = m->start ? &start_color : &stop_color;
      double x, ly;
      int lw, lh;
      guint row = 0;

      if (m->time < tmin || m->time > tmax)
        continue;
      x = round (X (m->time)) + 0.5;
      cairo_set_source_rgba (cr, c->red, c->green, c->blue, 0.8);
      cairo_save (cr);
      cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 0);
      cairo_move_to (cr, x, y0);
      cairo_line_to (cr, x, y1);
      cairo_stroke (cr);
      cairo_restore (cr);
      if (m->start)
        {
          cairo_move_to (cr, x, y1 - 7);
          cairo_line_to (cr, x - 5, y1);
          cairo_line_to (cr, x + 5, y1);
          cairo_close_path (cr);
        }
      else
        cairo_rectangle (cr, x - 4, y1 - 8, 8, 8);
      cairo_fill (cr);

      if (marker_rows == 0)
        continue;
      pango_layout_set_text (layout, m->label, -1);
      pango_layout_get_pixel_size (layout, &lw, &lh);
      while (row + 1 < marker_rows && row_end[row] > (gint64) (x - 2))
        row++;
      row_end[row] = (gint64) (x + lw + 8);
      ly = MARGIN_TOP + row * MARKER_ROW + MARKER_ROW / 2.0;
      cairo_set_source_rgba (cr, c->red, c->green, c->blue, 1);
      draw_text (cr, layout, m->label, MIN (x + 3, x1 - lw), ly, 0.0);
    }

  /* the series: lines and points */
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint s = 0; s < self->n_series; s++)
    {
      GArray *points = self->series[s].points;
      GdkRGBA *c = &colors[s];

      cairo_set_source_rgba (cr, c->red, c->green, c->blue, 1);
      for (guint i = 0; i < points->len; i++)
        {
          HcTrendPoint *p = &g_array_index (points, HcTrendPoint, i);
          if (i == 0)
            cairo_move_to (cr, X (p->time), Y (p->value));
          else
            cairo_line_to (cr, X (p->time), Y (p->value));
        }
      cairo_stroke (cr);
      for (guint i = 0; i < points->len; i++)
        {
          HcTrendPoint *p = &g_array_index (points, HcTrendPoint, i);

          cairo_new_sub_path (cr);
          cairo_arc (cr, X (p->time), Y (p->value), s == 0 ? 3.5 : 3, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }

  /* a legend when there are two series */
  if (self->n_series > 1)
    {
      double x = x1;

      for (int s = (int) self->n_series - 1; s >= 0; s--)
        {
          int lw, lh;

          pango_layout_set_text (layout, self->series[s].name, -1);
          pango_layout_get_pixel_size (layout, &lw, &lh);
          x -= lw;
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
          draw_text (cr, layout, self->series[s].name, x, y0 + 8, 0.0);
          cairo_set_source_rgba (cr, colors[s].red, colors[s].green, colors[s].blue, 1);
          cairo_rectangle (cr, x - 16, y0 + 7, 12, 3);
          cairo_fill (cr);
          x -= 28;
        }
    }
#undef X
#undef Y

  cairo_destroy (cr);
}

static void
hc_trend_plot_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  HcTrendPlot *self = HC_TREND_PLOT (widget);
  guint rows = MIN (3, self->markers->len);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 480;
    }
  else
    *minimum = *natural = 140 + rows * MARKER_ROW;
}

static void
hc_trend_plot_finalize (GObject *object)
{
  HcTrendPlot *self = HC_TREND_PLOT (object);

  for (guint s = 0; s < MAX_SERIES; s++)
    {
      g_clear_pointer (&self->series[s].name, g_free);
      g_clear_pointer (&self->series[s].points, g_array_unref);
    }
  g_clear_pointer (&self->markers, g_array_unref);
  g_free (self->title);
  g_free (self->unit);
  g_free (self->description);

  G_OBJECT_CLASS (hc_trend_plot_parent_class)->finalize (object);
}

static void
hc_trend_plot_class_init (HcTrendPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = hc_trend_plot_finalize;
  widget_class->snapshot = hc_trend_plot_snapshot;
  widget_class->measure = hc_trend_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "hctrendplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
hc_trend_plot_init (HcTrendPlot *self)
{
  self->markers = g_array_new (FALSE, TRUE, sizeof (Marker));
  g_array_set_clear_func (self->markers, clear_marker);
  self->decimals = 1;
  update_description (self);
}

GtkWidget *
hc_trend_plot_new (void)
{
  return g_object_new (HC_TYPE_TREND_PLOT, NULL);
}

void
hc_trend_plot_set_measurement (HcTrendPlot *self,
                               const char  *title,
                               const char  *unit,
                               int          decimals)
{
  g_return_if_fail (HC_IS_TREND_PLOT (self));

  g_free (self->title);
  self->title = g_strdup (title);
  g_free (self->unit);
  self->unit = g_strdup (unit);
  self->decimals = CLAMP (decimals, 0, 3);
  update_description (self);
}

void
hc_trend_plot_clear (HcTrendPlot *self)
{
  g_return_if_fail (HC_IS_TREND_PLOT (self));

  for (guint s = 0; s < MAX_SERIES; s++)
    {
      g_clear_pointer (&self->series[s].name, g_free);
      g_clear_pointer (&self->series[s].points, g_array_unref);
    }
  self->n_series = 0;
  g_array_set_size (self->markers, 0);
  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
hc_trend_plot_add_series (HcTrendPlot        *self,
                          const char         *name,
                          const HcTrendPoint *points,
                          guint               n_points)
{
  Series *series;

  g_return_if_fail (HC_IS_TREND_PLOT (self));
  g_return_if_fail (self->n_series < MAX_SERIES);

  series = &self->series[self->n_series++];
  series->name = g_strdup (name ? name : "");
  series->points = g_array_sized_new (FALSE, FALSE, sizeof (HcTrendPoint), n_points);
  g_array_append_vals (series->points, points, n_points);
  g_array_sort (series->points, compare_points);
  update_description (self);
}

void
hc_trend_plot_add_marker (HcTrendPlot *self,
                          gint64       time,
                          const char  *label,
                          gboolean     start)
{
  Marker marker = { time, g_strdup (label ? label : ""), start };

  g_return_if_fail (HC_IS_TREND_PLOT (self));

  g_array_append_val (self->markers, marker);
  update_description (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
hc_trend_plot_get_n_points (HcTrendPlot *self,
                            guint        series)
{
  g_return_val_if_fail (HC_IS_TREND_PLOT (self), 0);

  return series < self->n_series ? self->series[series].points->len : 0;
}

guint
hc_trend_plot_get_n_markers (HcTrendPlot *self)
{
  g_return_val_if_fail (HC_IS_TREND_PLOT (self), 0);

  return self->markers->len;
}

const char *
hc_trend_plot_get_description (HcTrendPlot *self)
{
  g_return_val_if_fail (HC_IS_TREND_PLOT (self), NULL);

  return self->description;
}
