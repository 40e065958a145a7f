/* hc-schedule-view.c: the practice's appointments by day, week and month
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One query per shown range (hc_store_list_appointments_async), rebuilt on every store change.
 * Check-in, cancel and reschedule write the Appointment back with hc_store_put_async.
 */

#define G_LOG_DOMAIN "hc-schedule"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-appointment-dialog.h"
#include "hc-json.h"
#include "hc-schedule-view.h"
#include "hc-schedule-view-private.h"

struct _HcScheduleView
{
  AdwBin        parent_instance;

  /* template widgets */
  GtkLabel     *title_label;
  GtkStack     *view_stack;
  GtkListBox   *day_list;
  GtkBox       *week_box;
  GtkGrid      *month_grid;

  /* owned */
  HcStore      *store;
  GCancellable *cancellable;     /* the load in flight */
  GDateTime    *date;            /* a local midnight within the shown range */
  char         *view;            /* "day", "week" or "month" */
  JsonArray    *rows;            /* what hc_store_list_appointments returned */
  GString      *shown;           /* what the widgets show, as text, for tests */
  guint         serial;          /* loads and writes finished */
  GtkWindow    *dialog;          /* the last dialog opened (weak) */
};

G_DEFINE_FINAL_TYPE (HcScheduleView, hc_schedule_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void reload (HcScheduleView *self);

/* ---- dates --------------------------------------------------------------------------------- */

static GDateTime *
local_midnight (GDateTime *when)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (when);

  return g_date_time_new_local (g_date_time_get_year (local), g_date_time_get_month (local),
                                g_date_time_get_day_of_month (local), 0, 0, 0);
}

static GDateTime *
today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return local_midnight (now);
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/* The first day shown and the day after the last. */
static void
shown_range (HcScheduleView  *self,
             GDateTime      **from,
             GDateTime      **to)
{
  if (g_str_equal (self->view, "week"))
    {
      /* weeks start on Monday (ISO 8601) */
      *from = g_date_time_add_days (self->date, 1 - g_date_time_get_day_of_week (self->date));
      *to = g_date_time_add_days (*from, 7);
    }
  else if (g_str_equal (self->view, "month"))
    {
      g_autoptr(GDateTime) first = g_date_time_add_days (self->date,
                                                         1 - g_date_time_get_day_of_month (self->date));

      /* six whole weeks from the Monday on or before the first */
      *from = g_date_time_add_days (first, 1 - g_date_time_get_day_of_week (first));
      *to = g_date_time_add_days (*from, 42);
    }
  else
    {
      *from = g_date_time_ref (self->date);
      *to = g_date_time_add_days (self->date, 1);
    }
}

static GDateTime *
row_start (JsonObject *row)
{
  JsonObject *resource = hc_json_get_object (row, "resource");
  g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (hc_json_get_string (resource, "start"),
                                                             NULL);

  return start ? g_date_time_to_local (start) : NULL;
}

static char *
format_time (JsonObject *resource,
             const char *member)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (hc_json_get_string (resource, member),
                                                            NULL);
  g_autoptr(GDateTime) local = when ? g_date_time_to_local (when) : NULL;

  return local ? g_date_time_format (local, "%H:%M") : g_strdup ("");
}

/* ---- what an appointment says -------------------------------------------------------------- */

/* "Okafor, Ada" */
static char *
patient_name (JsonObject *row)
{
  JsonObject *patient = hc_json_get_object (row, "patient");
  JsonObject *resource = hc_json_get_object (row, "resource");
  const char *family = hc_json_get_string (patient, "family");
  const char *given = hc_json_get_string (patient, "given");
  JsonArray *participants = hc_json_get_array (resource, "participant");

  if (family != NULL && given != NULL)
    return g_strdup_printf ("%s, %s", family, given);
  if (family != NULL || given != NULL)
    return g_strdup (family ? family : given);
  /* not in this store: what the appointment itself says */
  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++)
    {
      JsonObject *actor = hc_json_get_object (hc_json_array_get_object (participants, i), "actor");
      const char *ref = hc_json_get_string (actor, "reference");

      if (ref != NULL && g_str_has_prefix (ref, "Patient/") &&
          hc_json_get_string (actor, "display") != NULL)
        return g_strdup (hc_json_get_string (actor, "display"));
    }
  return g_strdup (_("Unknown patient"));
}

static const char *
status_label (const char *status)
{
  static const struct { const char *code; const char *label; } labels[] = {
    { "proposed", N_("Proposed") }, { "pending", N_("Pending") }, { "booked", N_("Booked") },
    { "arrived", N_("Arrived") }, { "fulfilled", N_("Seen") }, { "cancelled", N_("Cancelled") },
    { "noshow", N_("No-show") }, { "checked-in", N_("Checked In") }, { "waitlist", N_("Waitlist") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (status, labels[i].code) == 0)
      return _(labels[i].label);
  return status ? status : "";
}

static gboolean
is_open (const char *status)
{
  return g_strcmp0 (status, "booked") == 0 || g_strcmp0 (status, "pending") == 0 ||
         g_strcmp0 (status, "proposed") == 0;
}

/* "Check-up · Knee pain" */
static char *
describe_visit (JsonObject *resource)
{
  JsonObject *type = hc_json_get_object (resource, "appointmentType");
  JsonObject *reason = hc_json_array_get_object (hc_json_get_array (resource, "reasonCode"), 0);
  JsonObject *cancel = hc_json_get_object (resource, "cancelationReason");
  g_autoptr(GString) s = g_string_new (NULL);
  const char *code = hc_json_get_string (hc_json_array_get_object (hc_json_get_array (type, "coding"), 0), "code");
  const char *what = hc_json_get_string (type, "text");
  const char *why = hc_json_get_string (reason, "text");

  if (g_strcmp0 (code, "CHECKUP") == 0)
    what = _("Check-up");
  else if (g_strcmp0 (code, "FOLLOWUP") == 0)
    what = _("Follow-up");
  else if (g_strcmp0 (code, "ROUTINE") == 0)
    what = _("Routine visit");
  else if (g_strcmp0 (code, "WALKIN") == 0)
    what = _("Walk-in");
  else if (g_strcmp0 (code, "EMERGENCY") == 0)
    what = _("Urgent");
  if (why == NULL)
    why = hc_json_get_string (resource, "description");
  if (what != NULL)
    g_string_append (s, what);
  if (why != NULL && g_strcmp0 (why, what) != 0)
    g_string_append_printf (s, "%s%s", s->len ? " · " : "", why);
  if (g_strcmp0 (hc_json_get_string (resource, "status"), "cancelled") == 0 &&
      hc_json_get_string (cancel, "text") != NULL)
    /* Translators: why an appointment was cancelled */
    g_string_append_printf (s, "%s%s", s->len ? " · " : "",
                            hc_json_get_string (cancel, "text"));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static JsonObject *
find_row (HcScheduleView *self,
          const char     *id)
{
  for (guint i = 0; self->rows != NULL && i < json_array_get_length (self->rows); i++)
    {
      JsonObject *row = json_array_get_object_element (self->rows, i);

      if (g_strcmp0 (hc_json_get_string (hc_json_get_object (row, "resource"), "id"), id) == 0)
        return row;
    }
  return NULL;
}

/* ---- building the views -------------------------------------------------------------------- */

static GtkWidget *
appointment_menu (const char *id,
                  const char *status,
                  gboolean    has_patient)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *button = gtk_menu_button_new ();
  g_autoptr(GMenuItem) item = NULL;

  if (is_open (status))
    {
      item = g_menu_item_new (_("_Reschedule…"), NULL);
      g_menu_item_set_action_and_target (item, "schedule.reschedule", "s", id);
      g_menu_append_item (menu, item);
      g_clear_object (&item);
      item = g_menu_item_new (_("_Cancel Appointment…"), NULL);
      g_menu_item_set_action_and_target (item, "schedule.cancel", "s", id);
      g_menu_append_item (menu, item);
      g_clear_object (&item);
    }
  if (has_patient)
    {
      item = g_menu_item_new (_("_Open Chart"), NULL);
      g_menu_item_set_action_and_target (item, "schedule.open-chart", "s", id);
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("More Actions"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("More actions for this appointment"), -1);
  return button;
}

static GtkWidget *
day_row (JsonObject *row)
{
  JsonObject *resource = hc_json_get_object (row, "resource");
  const char *id = hc_json_get_string (resource, "id");
  const char *status = hc_json_get_string (resource, "status");
  g_autofree char *name = patient_name (row);
  g_autofree char *visit = describe_visit (resource);
  g_autofree char *start = format_time (resource, "start");
  g_autofree char *end = format_time (resource, "end");
  g_autofree char *times = g_strdup_printf ("%s\n%s", start, end);
  g_autofree char *a11y = NULL;
  GtkWidget *action_row = adw_action_row_new ();
  GtkWidget *time_label = gtk_label_new (times);
  GtkWidget *status_pill = gtk_label_new (status_label (status));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (action_row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (action_row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (action_row), visit);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (action_row), 2);
  gtk_widget_add_css_class (time_label, "numeric");
  gtk_widget_add_css_class (time_label, "schedule-time");
  gtk_label_set_justify (GTK_LABEL (time_label), GTK_JUSTIFY_RIGHT);
  adw_action_row_add_prefix (ADW_ACTION_ROW (action_row), time_label);

  gtk_widget_set_valign (status_pill, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (status_pill, "caption");
  gtk_widget_add_css_class (status_pill, "schedule-status");
  if (g_strcmp0 (status, "arrived") == 0 || g_strcmp0 (status, "checked-in") == 0)
    gtk_widget_add_css_class (status_pill, "success");
  else if (g_strcmp0 (status, "cancelled") == 0 || g_strcmp0 (status, "noshow") == 0)
    {
      gtk_widget_add_css_class (status_pill, "error");
      gtk_widget_add_css_class (action_row, "dim-label");
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (action_row), status_pill);

  if (is_open (status))
    {
      GtkWidget *check_in = gtk_button_new_with_mnemonic (_("Check _In"));

      gtk_widget_set_valign (check_in, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (check_in), "schedule.check-in");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (check_in), "s", id);
      gtk_widget_set_tooltip_text (check_in, _("The patient has arrived"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (action_row), check_in);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (action_row),
                             appointment_menu (id, status, hc_json_get_object (row, "patient") != NULL));

  /* activating the row opens the chart */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (action_row),
                                    hc_json_get_object (row, "patient") != NULL);
  g_object_set_data_full (G_OBJECT (action_row), "hc-appointment-id", g_strdup (id), g_free);
  /* Translators: an appointment for a screen reader: time, patient, visit, status */
  a11y = g_strdup_printf (_("%s to %s, %s, %s, %s"), start, end, name, visit, status_label (status));
  gtk_accessible_update_property (GTK_ACCESSIBLE (action_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  a11y, -1);
  return action_row;
}

static void
build_day (HcScheduleView *self)
{
  guint n = self->rows ? json_array_get_length (self->rows) : 0;

  hc_widget_remove_children (GTK_WIDGET (self->day_list));
  for (guint i = 0; i < n; i++)
    {
      JsonObject *row = json_array_get_object_element (self->rows, i);
      JsonObject *resource = hc_json_get_object (row, "resource");
      g_autofree char *name = patient_name (row);
      g_autofree char *start = format_time (resource, "start");

      gtk_list_box_append (self->day_list, day_row (row));
      g_string_append_printf (self->shown, "%s %s %s\n", start, name,
                              hc_json_get_string (resource, "status"));
    }
}

static void
go_to_day (HcScheduleView *self,
           GDateTime      *day)
{
  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = g_date_time_ref (day);
  gtk_widget_activate_action (GTK_WIDGET (self), "schedule.view", "s", "day");
  reload (self);
}

static void
day_button_clicked_cb (GtkButton      *button,
                       HcScheduleView *self)
{
  go_to_day (self, g_object_get_data (G_OBJECT (button), "hc-day"));
}

static GtkWidget *
day_button (HcScheduleView *self,
            GDateTime      *day,
            GtkWidget      *child)
{
  GtkWidget *button = gtk_button_new ();

  gtk_button_set_child (GTK_BUTTON (button), child);
  g_object_set_data_full (G_OBJECT (button), "hc-day", g_date_time_ref (day),
                          (GDestroyNotify) g_date_time_unref);
  g_signal_connect (button, "clicked", G_CALLBACK (day_button_clicked_cb), self);
  return button;
}

static void
build_week (HcScheduleView *self,
            GDateTime      *from)
{
  g_autoptr(GDateTime) now = today ();
  guint n = self->rows ? json_array_get_length (self->rows) : 0;

  hc_widget_remove_children (GTK_WIDGET (self->week_box));
  for (int d = 0; d < 7; d++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (from, d);
      /* Translators: a day heading in the week view, e.g. "Mon 23"; see strftime */
      g_autofree char *heading = g_date_time_format (day, _("%a %-d"));
      g_autofree char *full = g_date_time_format (day, _("%A, %-d %B %Y"));
      GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *header = day_button (self, day, gtk_label_new (heading));
      guint count = 0;

      gtk_widget_add_css_class (header, "flat");
      gtk_widget_add_css_class (header, "heading");
      if (same_day (day, now))
        gtk_widget_add_css_class (header, "schedule-today");
      gtk_widget_set_tooltip_text (header, full);
      gtk_accessible_update_property (GTK_ACCESSIBLE (header), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      full, -1);
      gtk_box_append (GTK_BOX (column), header);
      g_string_append_printf (self->shown, "%s:", heading);

      for (guint i = 0; i < n; i++)
        {
          JsonObject *row = json_array_get_object_element (self->rows, i);
          JsonObject *resource = hc_json_get_object (row, "resource");
          g_autoptr(GDateTime) start = row_start (row);
          g_autofree char *name = NULL;
          g_autofree char *time = NULL;
          g_autofree char *text = NULL;
          g_autofree char *tip = NULL;
          GtkWidget *entry, *label, *button;

          if (start == NULL || !same_day (start, day))
            continue;
          name = patient_name (row);
          time = format_time (resource, "start");
          text = g_strdup_printf ("%s %s", time, name);
          /* the time, then the name under it: columns are narrow */
          entry = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
          label = gtk_label_new (time);
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_widget_add_css_class (label, "caption-heading");
          gtk_widget_add_css_class (label, "numeric");
          gtk_box_append (GTK_BOX (entry), label);
          label = gtk_label_new (name);
          gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_widget_add_css_class (label, "caption");
          gtk_box_append (GTK_BOX (entry), label);
          button = day_button (self, day, entry);
          gtk_widget_add_css_class (button, "schedule-entry");
          if (!is_open (hc_json_get_string (resource, "status")))
            gtk_widget_add_css_class (button, "dim-label");
          tip = g_strdup_printf ("%s %s\n%s", time, name,
                                 status_label (hc_json_get_string (resource, "status")));
          gtk_widget_set_tooltip_text (button, tip);
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          tip, -1);
          gtk_box_append (GTK_BOX (column), button);
          g_string_append_printf (self->shown, " %s", text);
          count++;
        }
      if (count == 0)
        {
          GtkWidget *none = gtk_label_new (_("Free"));
          gtk_widget_add_css_class (none, "dim-label");
          gtk_widget_add_css_class (none, "caption");
          gtk_box_append (GTK_BOX (column), none);
        }
      g_string_append_c (self->shown, '\n');
      gtk_box_append (self->week_box, column);
    }
}

static void
build_month (HcScheduleView *self,
             GDateTime      *from)
{
  g_autoptr(GDateTime) now = today ();
  guint n = self->rows ? json_array_get_length (self->rows) : 0;

  hc_widget_remove_children (GTK_WIDGET (self->month_grid));
  for (int d = 0; d < 7; d++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (from, d);
      /* Translators: a weekday heading of the month view, see strftime */
      g_autofree char *name = g_date_time_format (day, _("%a"));
      GtkWidget *label = gtk_label_new (name);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption-heading");
      gtk_grid_attach (self->month_grid, label, d, 0, 1, 1);
    }
  for (int d = 0; d < 42; d++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (from, d);
      g_autofree char *number = g_strdup_printf ("%d", g_date_time_get_day_of_month (day));
      g_autofree char *full = g_date_time_format (day, _("%A, %-d %B %Y"));
      g_autofree char *month_day = g_date_time_format (day, "%m-%d");
      g_autofree char *count_text = NULL;
      g_autofree char *a11y = NULL;
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *number_label = gtk_label_new (number);
      GtkWidget *count_label;
      GtkWidget *button;
      guint count = 0;

      for (guint i = 0; i < n; i++)
        {
          JsonObject *row = json_array_get_object_element (self->rows, i);
          g_autoptr(GDateTime) start = row_start (row);

          const char *status = hc_json_get_string (hc_json_get_object (row, "resource"), "status");

          /* the visits that take place: not the cancelled ones or the no-shows */
          if (start != NULL && same_day (start, day) && g_strcmp0 (status, "cancelled") != 0 &&
              g_strcmp0 (status, "noshow") != 0)
            count++;
        }
      gtk_label_set_xalign (GTK_LABEL (number_label), 0);
      gtk_box_append (GTK_BOX (box), number_label);
      if (count > 0)
        count_text = g_strdup_printf (ngettext ("%u visit", "%u visits", count), count);
      count_label = gtk_label_new (count_text ? count_text : "");
      gtk_label_set_xalign (GTK_LABEL (count_label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (count_label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (count_label, "caption");
      gtk_widget_add_css_class (count_label, "accent");
      gtk_box_append (GTK_BOX (box), count_label);
      button = day_button (self, day, box);
      gtk_widget_add_css_class (button, "schedule-month-day");
      if (g_date_time_get_month (day) != g_date_time_get_month (self->date))
        gtk_widget_add_css_class (number_label, "dim-label");
      if (same_day (day, now))
        gtk_widget_add_css_class (button, "schedule-today");
      a11y = count_text ? g_strdup_printf ("%s, %s", full, count_text) : g_strdup (full);
      gtk_widget_set_tooltip_text (button, a11y);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      a11y, -1);
      gtk_grid_attach (self->month_grid, button, d % 7, 1 + d / 7, 1, 1);
      if (count > 0)
        g_string_append_printf (self->shown, "%s: %u\n", month_day, count);
    }
}

static void
update_title (HcScheduleView *self,
              GDateTime      *from,
              GDateTime      *to)
{
  g_autofree char *title = NULL;

  if (g_str_equal (self->view, "day"))
    {
      g_autoptr(GDateTime) now = today ();
      g_autofree char *date = g_date_time_format (self->date, _("%A, %-d %B %Y"));

      /* Translators: the day view's title for today, e.g. "Today, Friday, 27 November 2026" */
      title = same_day (self->date, now) ? g_strdup_printf (_("Today, %s"), date)
                                         : g_steal_pointer (&date);
    }
  else if (g_str_equal (self->view, "week"))
    {
      g_autoptr(GDateTime) last = g_date_time_add_days (to, -1);
      g_autofree char *a = g_date_time_format (from, _("%-d %b"));
      g_autofree char *b = g_date_time_format (last, _("%-d %b %Y"));

      /* Translators: a week, e.g. "Week 48: 23 Nov – 29 Nov 2026" */
      title = g_strdup_printf (_("Week %d: %s – %s"), g_date_time_get_week_of_year (from), a, b);
    }
  else
    title = g_date_time_format (self->date, _("%B %Y"));
  gtk_label_set_label (self->title_label, g_strstrip (title));
}

static void
build (HcScheduleView *self)
{
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;

  shown_range (self, &from, &to);
  g_string_truncate (self->shown, 0);
  update_title (self, from, to);
  if (g_str_equal (self->view, "week"))
    build_week (self, from);
  else if (g_str_equal (self->view, "month"))
    build_month (self, from);
  else
    build_day (self);
  gtk_stack_set_visible_child_name (self->view_stack, self->view);
}

/* ---- loading ------------------------------------------------------------------------------- */

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcScheduleView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = hc_store_list_appointments_finish (HC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  if (rows == NULL)
    {
      /* a locked store: the window clears us */
      g_debug ("Listing appointments failed: %s %d", g_quark_to_string (error->domain), error->code);
      return;
    }
  g_clear_pointer (&self->rows, json_array_unref);
  self->rows = g_steal_pointer (&rows);
  build (self);
}

static void
reload (HcScheduleView *self)
{
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->store == NULL || hc_store_is_locked (self->store))
    return;
  self->cancellable = g_cancellable_new ();
  shown_range (self, &from, &to);
  hc_store_list_appointments_async (self->store, from, to, self->cancellable, loaded_cb,
                                    g_object_ref (self));
}

static void
store_changed_cb (HcScheduleView *self)
{
  reload (self);
}

/* ---- writing ------------------------------------------------------------------------------- */

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HcScheduleView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = hc_store_put_finish (HC_STORE (source), result, &error);

  self->serial++;
  if (stored == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                  _("The Appointment Was Not Changed"),
                                                  error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
write_appointment (HcScheduleView *self,
                   JsonObject     *appointment)
{
  hc_store_put_async (self->store, appointment, NULL, written_cb, g_object_ref (self));
}

void
_hc_schedule_view_set_status (HcScheduleView *self,
                              const char     *id,
                              const char     *status,
                              const char     *reason)
{
  JsonObject *row = find_row (self, id);
  g_autoptr(JsonObject) appointment = NULL;

  if (row == NULL || self->store == NULL)
    return;
  appointment = hc_json_object_copy (hc_json_get_object (row, "resource"));
  json_object_set_string_member (appointment, "status", status);
  if (reason != NULL && *reason != '\0')
    {
      JsonObject *concept = json_object_new ();

      json_object_set_string_member (concept, "text", reason);
      json_object_set_object_member (appointment, "cancelationReason", concept);
    }
  write_appointment (self, appointment);
}

static void
check_in_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  _hc_schedule_view_set_status (HC_SCHEDULE_VIEW (widget), g_variant_get_string (parameter, NULL),
                                "arrived", NULL);
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    HcScheduleView   *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "hc-reason");
  const char *id = g_object_get_data (G_OBJECT (dialog), "hc-appointment-id");
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "cancel-appointment"))
    _hc_schedule_view_set_status (self, id, "cancelled", reason);
}

static void
reason_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "cancel-appointment", *reason != '\0');
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  JsonObject *row = find_row (self, id);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *name = NULL;
  g_autofree char *start = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog, *entry;

  if (row == NULL)
    return;
  name = patient_name (row);
  start = format_time (hc_json_get_object (row, "resource"), "start");
  /* Translators: the appointment's time and the patient */
  body = g_strdup_printf (_("%s, %s. The reason is kept with the appointment."), start, name);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Cancel Appointment?"), body);
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason, e.g. patient called to cancel"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason for cancelling"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Appointment"),
                                    "cancel-appointment", _("C_ancel Appointment"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-appointment",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "cancel-appointment", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel-appointment");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data (G_OBJECT (dialog), "hc-reason", entry);
  g_object_set_data_full (G_OBJECT (dialog), "hc-appointment-id", g_strdup (id), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (reason_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (cancel_response_cb), self, 0);
  g_set_weak_pointer (&self->dialog, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
reschedule_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (widget);
  JsonObject *row = find_row (self, g_variant_get_string (parameter, NULL));
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *name = NULL;
  HcAppointmentDialog *dialog;

  if (row == NULL || self->store == NULL)
    return;
  name = patient_name (row);
  dialog = hc_appointment_dialog_new_reschedule (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                 self->store, hc_json_get_object (row, "resource"),
                                                 name);
  g_set_weak_pointer (&self->dialog, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_chart_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (widget);
  JsonObject *row = find_row (self, g_variant_get_string (parameter, NULL));
  const char *patient_id = hc_json_get_string (hc_json_get_object (row, "patient"), "id");

  if (patient_id != NULL)
    gtk_widget_activate_action (widget, "win.open-patient", "s", patient_id);
}

static void
day_row_activated_cb (HcScheduleView *self,
                      GtkListBoxRow  *row,
                      GtkListBox     *list)
{
  const char *id = g_object_get_data (G_OBJECT (row), "hc-appointment-id");

  if (id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "schedule.open-chart", "s", id);
}

static void
book_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  hc_schedule_view_book (HC_SCHEDULE_VIEW (widget), NULL);
}

static void
step_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (widget);
  int sign = g_str_equal (action_name, "schedule.next") ? 1 : -1;
  GDateTime *date;

  if (g_str_equal (action_name, "schedule.today"))
    date = today ();
  else if (g_str_equal (self->view, "week"))
    date = g_date_time_add_days (self->date, 7 * sign);
  else if (g_str_equal (self->view, "month"))
    {
      g_autoptr(GDateTime) first = g_date_time_add_days (self->date,
                                                         1 - g_date_time_get_day_of_month (self->date));
      date = g_date_time_add_months (first, sign);
    }
  else
    date = g_date_time_add_days (self->date, sign);
  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = date;
  reload (self);
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
hc_schedule_view_dispose (GObject *object)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->dialog);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_SCHEDULE_VIEW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hc_schedule_view_parent_class)->dispose (object);
}

static void
hc_schedule_view_finalize (GObject *object)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (object);

  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->view, g_free);
  g_clear_pointer (&self->rows, json_array_unref);
  g_string_free (self->shown, TRUE);

  G_OBJECT_CLASS (hc_schedule_view_parent_class)->finalize (object);
}

static void
hc_schedule_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      g_value_set_string (value, self->view);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_schedule_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  HcScheduleView *self = HC_SCHEDULE_VIEW (object);
  const char *view;

  switch (prop_id)
    {
    case PROP_VIEW:
      view = g_value_get_string (value);
      if (view == NULL || (!g_str_equal (view, "day") && !g_str_equal (view, "week") &&
                           !g_str_equal (view, "month")))
        view = "day";
      if (g_strcmp0 (self->view, view) == 0)
        break;
      g_free (self->view);
      self->view = g_strdup (view);
      reload (self);
      g_object_notify_by_pspec (object, pspec);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_schedule_view_class_init (HcScheduleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_schedule_view_dispose;
  object_class->finalize = hc_schedule_view_finalize;
  object_class->get_property = hc_schedule_view_get_property;
  object_class->set_property = hc_schedule_view_set_property;

  /**
   * HcScheduleView:view:
   *
   * "day" (the default), "week" or "month".
   */
  properties[PROP_VIEW] =
    g_param_spec_string ("view", NULL, NULL, "day",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-schedule-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HcScheduleView, title_label);
  gtk_widget_class_bind_template_child (widget_class, HcScheduleView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HcScheduleView, day_list);
  gtk_widget_class_bind_template_child (widget_class, HcScheduleView, week_box);
  gtk_widget_class_bind_template_child (widget_class, HcScheduleView, month_grid);
  gtk_widget_class_bind_template_callback (widget_class, day_row_activated_cb);

  gtk_widget_class_install_property_action (widget_class, "schedule.view", "view");
  gtk_widget_class_install_action (widget_class, "schedule.previous", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "schedule.next", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "schedule.today", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "schedule.book", NULL, book_action);
  gtk_widget_class_install_action (widget_class, "schedule.check-in", "s", check_in_action);
  gtk_widget_class_install_action (widget_class, "schedule.cancel", "s", cancel_action);
  gtk_widget_class_install_action (widget_class, "schedule.reschedule", "s", reschedule_action);
  gtk_widget_class_install_action (widget_class, "schedule.open-chart", "s", open_chart_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "schedule.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "schedule.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK,
                                       "schedule.view", "s", "day");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK,
                                       "schedule.view", "s", "week");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK,
                                       "schedule.view", "s", "month");

  gtk_widget_class_set_css_name (widget_class, "schedule-view");
}

static void
hc_schedule_view_init (HcScheduleView *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  placeholder = gtk_label_new (_("No appointments on this day"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->day_list, placeholder);
  self->view = g_strdup ("day");
  self->date = today ();
  self->shown = g_string_new (NULL);
}

void
hc_schedule_view_set_store (HcScheduleView *self,
                            HcStore        *store)
{
  g_return_if_fail (HC_IS_SCHEDULE_VIEW (self));
  g_return_if_fail (store == NULL || HC_IS_STORE (store));

  if (self->store != store)
    {
      if (self->store != NULL)
        g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
      g_set_object (&self->store, store);
      if (store != NULL)
        g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self,
                                 G_CONNECT_SWAPPED);
    }
  reload (self);
}

void
hc_schedule_view_clear (HcScheduleView *self)
{
  g_return_if_fail (HC_IS_SCHEDULE_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->rows, json_array_unref);
  if (self->dialog != NULL)
    gtk_window_destroy (self->dialog);
  build (self);
}

const char *
hc_schedule_view_get_view (HcScheduleView *self)
{
  g_return_val_if_fail (HC_IS_SCHEDULE_VIEW (self), NULL);

  return self->view;
}

void
hc_schedule_view_show_today (HcScheduleView *self)
{
  g_return_if_fail (HC_IS_SCHEDULE_VIEW (self));

  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = today ();
  if (!g_str_equal (self->view, "day"))
    g_object_set (self, "view", "day", NULL);
  else
    reload (self);
}

GtkWindow *
hc_schedule_view_book (HcScheduleView *self,
                       HcPatient      *patient)
{
  GtkRoot *root;
  HcAppointmentDialog *dialog;

  g_return_val_if_fail (HC_IS_SCHEDULE_VIEW (self), NULL);
  g_return_val_if_fail (patient == NULL || HC_IS_PATIENT (patient), NULL);

  if (self->store == NULL)
    return NULL;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = hc_appointment_dialog_new_booking (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              self->store, patient, self->date);
  g_set_weak_pointer (&self->dialog, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

/* ---- for tests ------------------------------------------------------------------------------ */

void
_hc_schedule_view_set_date (HcScheduleView *self,
                            GDateTime      *date)
{
  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = local_midnight (date);
  reload (self);
}

guint
_hc_schedule_view_get_serial (HcScheduleView *self)
{
  return self->serial;
}

const char *
_hc_schedule_view_get_shown (HcScheduleView *self)
{
  return self->shown->str;
}

const char *
_hc_schedule_view_get_title (HcScheduleView *self)
{
  return gtk_label_get_label (self->title_label);
}

GtkWindow *
_hc_schedule_view_get_dialog (HcScheduleView *self)
{
  return self->dialog;
}

GtkListBox *
_hc_schedule_view_get_day_list (HcScheduleView *self)
{
  return self->day_list;
}
