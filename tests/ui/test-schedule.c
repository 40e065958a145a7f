/* test-schedule.c: the schedule, the command palette and the shortcuts window, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-schedule"

#include "config.h"

#include <string.h>

#include "hc-appointment-dialog.h"
#include "hc-command-palette.h"
#include "hc-json.h"
#include "hc-schedule-view-private.h"
#include "hc-test-utils.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

typedef struct
{
  char           *dir;
  HcStore        *store;
  HcWindow       *window;
  HcScheduleView *view;
} Fixture;

static const char *patients[] = {
  "{\"resourceType\":\"Patient\",\"id\":\"p-mueller\","
  " \"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},"
  "  \"value\":\"MRN-100200\"}],"
  " \"name\":[{\"use\":\"official\",\"family\":\"Müller\",\"given\":[\"Anna\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1961-05-04\"}",
  "{\"resourceType\":\"Patient\",\"id\":\"p-schmidt\","
  " \"name\":[{\"use\":\"official\",\"family\":\"Schmidt\",\"given\":[\"Jonas\"]}],"
  " \"gender\":\"male\",\"birthDate\":\"1983-10-10\"}",
  "{\"resourceType\":\"Patient\",\"id\":\"p-okafor\","
  " \"name\":[{\"use\":\"official\",\"family\":\"Okafor\",\"given\":[\"Chiamaka\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1998-11-16\"}",
};

/* An ISO 8601 local time with its offset, as the booking dialog writes it. */
static char *
local_time (int y, int m, int d, int hh, int mm)
{
  g_autoptr(GDateTime) when = g_date_time_new_local (y, m, d, hh, mm, 0);

  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%S%:z");
}

static void
put_appointment (HcStore    *store,
                 const char *id,
                 const char *patient,
                 GDateTime  *start,
                 int         minutes,
                 const char *status,
                 const char *type,
                 const char *reason)
{
  g_autoptr(GDateTime) end = g_date_time_add_minutes (start, minutes);
  g_autofree char *s = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *e = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *reason_json = reason ? g_strdup_printf (",\"reasonCode\":[{\"text\":\"%s\"}]", reason)
                                        : g_strdup ("");
  g_autofree char *json = g_strdup_printf (
    "{\"resourceType\":\"Appointment\",\"id\":\"%s\",\"status\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
    "\"minutesDuration\":%d,"
    "\"appointmentType\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0276\",\"code\":\"%s\"}]}%s,"
    "\"participant\":[{\"actor\":{\"reference\":\"Patient/%s\"},\"status\":\"accepted\"}]}",
    id, status, s, e, minutes, type, reason_json, patient);

  hc_test_ui_put (store, json);
}

static void
put_at (HcStore    *store,
        const char *id,
        const char *patient,
        int y, int m, int d, int hh, int mm,
        const char *status)
{
  g_autoptr(GDateTime) start = g_date_time_new_local (y, m, d, hh, mm, 0);

  put_appointment (store, id, patient, start, 30, status, "CHECKUP", NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today_9 = g_date_time_new_local (g_date_time_get_year (now),
                                                        g_date_time_get_month (now),
                                                        g_date_time_get_day_of_month (now),
                                                        9, 0, 0);
  g_autoptr(GDateTime) today_10 = g_date_time_add_minutes (today_9, 75);

  f->dir = g_dir_make_tmp ("hc-test-schedule-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (patients); i++)
    hc_test_ui_put (f->store, patients[i]);

  /* today */
  put_appointment (f->store, "a-today-1", "p-mueller", today_9, 30, "booked", "CHECKUP",
                   "Annual physical");
  put_appointment (f->store, "a-today-2", "p-okafor", today_10, 20, "booked", "FOLLOWUP",
                   "Asthma review");
  /* a fixed week: Tuesday 10 March 2026 and around it */
  put_at (f->store, "a-mar10-1", "p-mueller", 2026, 3, 10, 9, 0, "booked");
  put_at (f->store, "a-mar10-2", "p-okafor", 2026, 3, 10, 10, 15, "booked");
  put_at (f->store, "a-mar10-3", "p-schmidt", 2026, 3, 10, 11, 0, "cancelled");
  put_at (f->store, "a-mar12", "p-mueller", 2026, 3, 12, 8, 30, "booked");
  put_at (f->store, "a-mar16", "p-okafor", 2026, 3, 16, 9, 0, "booked");
  put_at (f->store, "a-apr02", "p-mueller", 2026, 4, 2, 9, 0, "booked");
  put_at (f->store, "a-may01", "p-schmidt", 2026, 5, 1, 9, 0, "booked");
  hc_test_ui_drain ();

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1024, 600);
  gtk_window_present (GTK_WINDOW (f->window));
  f->view = _hc_window_get_schedule_view (f->window);
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_window_get_search_serial, f->window, 0,
                          "the first search");
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_schedule_view_get_serial, f->view, 0,
                          "the first schedule");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GType types[] = { HC_TYPE_APPOINTMENT_DIALOG, HC_TYPE_COMMAND_PALETTE, ADW_TYPE_MESSAGE_DIALOG };
  GtkWindow *other;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    while ((other = hc_test_ui_find_window (types[i])) != NULL)
      gtk_window_destroy (other);
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  hc_test_ui_remove_dir (f->dir);
  g_free (f->dir);
}

static void
show_date (Fixture    *f,
           int y, int m, int d,
           const char *view)
{
  g_autoptr(GDateTime) date = g_date_time_new_local (y, m, d, 12, 0, 0);
  guint serial = _hc_schedule_view_get_serial (f->view);

  g_object_set (f->view, "view", view, NULL);
  _hc_schedule_view_set_date (f->view, date);
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_schedule_view_get_serial, f->view, serial,
                          "loading the schedule");
  hc_test_ui_drain ();
}

typedef struct
{
  HcScheduleView *view;
  const char     *text;
} Shows;

static gboolean
shows (gpointer data)
{
  Shows *s = data;

  return strstr (_hc_schedule_view_get_shown (s->view), s->text) != NULL;
}

static void
wait_shown (Fixture    *f,
            const char *text)
{
  Shows s = { f->view, text };

  hc_test_ui_wait_until (&s, shows, text);
}

static gboolean
shows_nothing (gpointer data)
{
  return *_hc_schedule_view_get_shown (data) == '\0';
}

static JsonObject *
get_appointment (Fixture    *f,
                 const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *resource = hc_store_get_sync (f->store, "Appointment", id, NULL, &error);

  g_assert_no_error (error);
  return resource;
}

static gboolean
shows_chart (gpointer data)
{
  return g_strcmp0 (_hc_window_get_content_state (data), "patient") == 0;
}

static void
open_chart (Fixture    *f,
            const char *id)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.open-patient", "s", id));
  hc_test_ui_wait_until (f->window, shows_chart, "opening the chart");
}

/* Activates a schedule action and waits for the schedule it loads. */
static void
step (Fixture    *f,
      const char *action)
{
  guint serial = _hc_schedule_view_get_serial (f->view);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), action, NULL));
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_schedule_view_get_serial, f->view, serial,
                          "loading the schedule");
  hc_test_ui_drain ();
}

static void
assert_placeholder_shown (Fixture *f)
{
  GtkWidget *list = GTK_WIDGET (_hc_schedule_view_get_day_list (f->view));
  gboolean found = FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child) &&
        g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), "No appointments on this day") == 0)
      found = gtk_widget_get_mapped (child);
  g_assert_true (found);
}

/* The window opens on today's day view, beside the patient list. */
static void
test_today_by_default (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "none");
  g_assert_cmpstr (hc_schedule_view_get_view (f->view), ==, "day");
  g_assert_true (g_str_has_prefix (_hc_schedule_view_get_title (f->view), "Today, "));
  g_assert_cmpstr (_hc_schedule_view_get_shown (f->view), ==,
                   "09:00 Müller, Anna booked\n10:15 Okafor, Chiamaka booked\n");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-today");

  /* Ctrl+T comes back to it from a chart */
  open_chart (f, "p-okafor");
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "Okafor, Chiamaka");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-schedule", NULL));
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "none");
}

static void
test_day_week_month (Fixture       *f,
                     gconstpointer  data)
{
  const char *shown;

  show_date (f, 2026, 3, 10, "day");
  g_assert_cmpstr (_hc_schedule_view_get_title (f->view), ==, "Tuesday, 10 March 2026");
  g_assert_cmpstr (_hc_schedule_view_get_shown (f->view), ==,
                   "09:00 Müller, Anna booked\n"
                   "10:15 Okafor, Chiamaka booked\n"
                   "11:00 Schmidt, Jonas cancelled\n");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-day");

  show_date (f, 2026, 3, 10, "week");
  g_assert_cmpstr (_hc_schedule_view_get_title (f->view), ==, "Week 11: 9 Mar – 15 Mar 2026");
  g_assert_cmpstr (_hc_schedule_view_get_shown (f->view), ==,
                   "Mon 9:\n"
                   "Tue 10: 09:00 Müller, Anna 10:15 Okafor, Chiamaka 11:00 Schmidt, Jonas\n"
                   "Wed 11:\n"
                   "Thu 12: 08:30 Müller, Anna\n"
                   "Fri 13:\nSat 14:\nSun 15:\n");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-week");

  show_date (f, 2026, 3, 10, "month");
  g_assert_cmpstr (_hc_schedule_view_get_title (f->view), ==, "March 2026");
  /* the grid runs from Monday 23 February to Sunday 5 April; cancelled visits do not count */
  shown = _hc_schedule_view_get_shown (f->view);
  g_assert_cmpstr (shown, ==, "03-10: 2\n03-12: 1\n03-16: 1\n04-02: 1\n");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-month");

  /* next month, then a day of it from the grid: the day view of that day */
  step (f, "schedule.next");
  g_assert_cmpstr (_hc_schedule_view_get_title (f->view), ==, "April 2026");
  g_assert_nonnull (strstr (_hc_schedule_view_get_shown (f->view), "05-01: 1"));
  /* the day view of the first of the month shown, and the day before it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "schedule.view", "s", "day"));
  step (f, "schedule.previous");
  g_assert_cmpstr (_hc_schedule_view_get_title (f->view), ==, "Tuesday, 31 March 2026");
  /* an empty day says so (the list was filled and emptied again before) */
  g_assert_cmpstr (_hc_schedule_view_get_shown (f->view), ==, "");
  assert_placeholder_shown (f);
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-day-empty");
}

/* Check in, cancel with a reason, reschedule and book change the stored Appointment. */
static void
test_appointment_changes (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) checked_in = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) moved = NULL;
  g_autofree char *expected_start = local_time (2026, 3, 10, 14, 0);
  g_autofree char *expected_end = local_time (2026, 3, 10, 14, 20);
  GtkWindow *dialog;
  GtkWidget *reason;
  HcAppointmentDialog *booking;
  guint serial;

  show_date (f, 2026, 3, 10, "day");

  /* check in */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "schedule.check-in", "s",
                                             "a-mar10-1"));
  wait_shown (f, "09:00 Müller, Anna arrived");
  checked_in = get_appointment (f, "a-mar10-1");
  g_assert_cmpstr (hc_json_get_string (checked_in, "status"), ==, "arrived");

  /* cancel: the reason is required and stored */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "schedule.cancel", "s",
                                             "a-mar10-2"));
  dialog = _hc_schedule_view_get_dialog (f->view);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                           "cancel-appointment"));
  reason = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));
  gtk_editable_set_text (GTK_EDITABLE (reason), "Patient called: feeling better");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                          "cancel-appointment"));
  hc_test_ui_save_screenshot (GTK_WIDGET (dialog), "schedule-cancel");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel-appointment");
  wait_shown (f, "10:15 Okafor, Chiamaka cancelled");
  cancelled = get_appointment (f, "a-mar10-2");
  g_assert_cmpstr (hc_json_get_string (cancelled, "status"), ==, "cancelled");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (cancelled, "cancelationReason"), "text"),
                   ==, "Patient called: feeling better");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "schedule-after-changes");

  /* reschedule 09:00 on the 12th to 14:00 on the 10th, 20 minutes */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "schedule.reschedule", "s",
                                             "a-mar12"));
  /* a-mar12 is not on the day shown: nothing to reschedule here */
  g_assert_false (HC_IS_APPOINTMENT_DIALOG (_hc_schedule_view_get_dialog (f->view)));
  show_date (f, 2026, 3, 12, "day");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "schedule.reschedule", "s",
                                             "a-mar12"));
  booking = HC_APPOINTMENT_DIALOG (_hc_schedule_view_get_dialog (f->view));
  g_assert_nonnull (booking);
  g_assert_cmpstr (gtk_editable_get_text (_hc_appointment_dialog_get_entry (booking, "time")), ==, "08:30");
  gtk_editable_set_text (_hc_appointment_dialog_get_entry (booking, "date"), "2026-03-10");
  gtk_editable_set_text (_hc_appointment_dialog_get_entry (booking, "time"), "14:00");
  adw_combo_row_set_selected (_hc_appointment_dialog_get_combo (booking, "duration"), 2);
  hc_test_ui_save_screenshot (GTK_WIDGET (booking), "schedule-reschedule");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (booking), "appointment.save", NULL));
  /* Escape at once: the dialog waits for the save, and the move is kept */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (booking), "window.close", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (booking)));
  hc_test_ui_wait_destroyed (GTK_WINDOW (booking));
  moved = get_appointment (f, "a-mar12");
  g_assert_cmpstr (hc_json_get_string (moved, "start"), ==, expected_start);
  g_assert_cmpstr (hc_json_get_string (moved, "end"), ==, expected_end);
  g_assert_cmpint (json_object_get_int_member (moved, "minutesDuration"), ==, 20);
  g_assert_cmpstr (hc_json_get_string (moved, "status"), ==, "booked");
  /* the 12th is empty now */
  hc_test_ui_wait_until (f->view, shows_nothing, "the moved appointment leaving the day");

  /* book: find the patient by part of the name */
  show_date (f, 2026, 3, 10, "day");
  booking = HC_APPOINTMENT_DIALOG (hc_schedule_view_book (f->view, NULL));
  g_assert_cmpstr (gtk_editable_get_text (_hc_appointment_dialog_get_entry (booking, "date")), ==,
                   "2026-03-10");
  /* without a patient nothing is booked */
  gtk_editable_set_text (_hc_appointment_dialog_get_entry (booking, "time"), "15:30");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (booking), "appointment.save", NULL));
  g_assert_nonnull (_hc_appointment_dialog_get_error (booking));
  serial = _hc_appointment_dialog_get_serial (booking);
  gtk_editable_set_text (_hc_appointment_dialog_get_patient_search (booking), "schmi");
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_appointment_dialog_get_serial, booking, serial,
                          "the patient search");
  _hc_appointment_dialog_choose_patient (booking, 0);
  adw_combo_row_set_selected (_hc_appointment_dialog_get_combo (booking, "type"), 1);
  gtk_editable_set_text (_hc_appointment_dialog_get_entry (booking, "reason"), "Cough for 3 weeks");
  hc_test_ui_save_screenshot (GTK_WIDGET (booking), "schedule-book");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (booking), "appointment.save", NULL));
  hc_test_ui_wait_destroyed (GTK_WINDOW (booking));
  wait_shown (f, "15:30 Schmidt, Jonas booked");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GDateTime) from = g_date_time_new_local (2026, 3, 10, 15, 0, 0);
    g_autoptr(GDateTime) to = g_date_time_new_local (2026, 3, 10, 16, 0, 0);
    g_autoptr(JsonArray) rows = hc_store_list_appointments_sync (f->store, from, to, NULL, &error);
    JsonObject *booked;

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (rows), ==, 1);
    booked = hc_json_get_object (json_array_get_object_element (rows, 0), "resource");
    g_assert_cmpstr (hc_json_get_string (booked, "status"), ==, "booked");
    g_assert_cmpstr (hc_json_get_string (hc_json_get_object (hc_json_array_get_object (hc_json_get_array (booked, "participant"), 0), "actor"), "reference"),
                     ==, "Patient/p-schmidt");
    g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (booked, "reasonCode"), 0), "text"),
                     ==, "Cough for 3 weeks");
    g_assert_cmpint (json_object_get_int_member (booked, "minutesDuration"), ==, 30);
  }

  /* Book Appointment from an open chart books for that patient */
  open_chart (f, "p-okafor");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.book-appointment", NULL));
  booking = HC_APPOINTMENT_DIALOG (_hc_schedule_view_get_dialog (f->view));
  g_assert_nonnull (booking);
  /* for the open chart's patient: no search for one */
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (_hc_appointment_dialog_get_patient_search (booking))));
  gtk_window_destroy (GTK_WINDOW (booking));
}

/* ---- command palette ------------------------------------------------------------------------ */

static HcCommandPalette *
open_palette (Fixture *f)
{
  HcCommandPalette *palette;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.command-palette", NULL));
  palette = HC_COMMAND_PALETTE (hc_test_ui_find_window (HC_TYPE_COMMAND_PALETTE));
  g_assert_nonnull (palette);
  return palette;
}

static char *
type_in_palette (HcCommandPalette *palette,
                 const char       *text)
{
  guint serial = _hc_command_palette_get_serial (palette);

  gtk_editable_set_text (_hc_command_palette_get_entry (palette), text);
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_command_palette_get_serial, palette, serial,
                          "the palette's search");
  return _hc_command_palette_describe (palette);
}

static void
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  g_assert_true (handled);
}

static void
test_palette_opens_patient (Fixture       *f,
                            gconstpointer  data)
{
  HcCommandPalette *palette = open_palette (f);
  g_autofree char *all = _hc_command_palette_describe (palette);
  g_autofree char *found = NULL;

  /* without text: the actions, the first selected */
  g_assert_true (g_str_has_prefix (all, "> New Patient\n"));
  g_assert_nonnull (strstr (all, "Sync Now\n"));
  g_assert_nonnull (strstr (all, "Lock\n"));
  /* no chart open: nothing to edit */
  g_assert_null (strstr (all, "Edit Patient"));

  found = type_in_palette (palette, "mül");
  g_assert_true (g_str_has_prefix (found, "> Müller, Anna\n"));
  hc_test_ui_save_screenshot (GTK_WIDGET (palette), "command-palette");
  g_object_ref (palette);
  g_signal_emit_by_name (_hc_command_palette_get_entry (palette), "activate");
  hc_test_ui_wait_destroyed (GTK_WINDOW (palette));
  g_object_unref (palette);
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "patient");
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "Müller, Anna");

  /* Down and Up move the selection; Enter runs the selected row */
  palette = open_palette (f);
  g_clear_pointer (&found, g_free);
  found = type_in_palette (palette, "a");
  g_assert_true (g_str_has_prefix (found, "> "));
  press_key (GTK_WIDGET (_hc_command_palette_get_entry (palette)), GDK_KEY_Down);
  g_clear_pointer (&found, g_free);
  found = _hc_command_palette_describe (palette);
  g_assert_false (g_str_has_prefix (found, "> "));
  g_assert_nonnull (strstr (found, "\n> "));
  press_key (GTK_WIDGET (_hc_command_palette_get_entry (palette)), GDK_KEY_Up);
  g_clear_pointer (&found, g_free);
  found = _hc_command_palette_describe (palette);
  g_assert_true (g_str_has_prefix (found, "> "));
  gtk_window_destroy (GTK_WINDOW (palette));
}

static void
test_palette_runs_action (Fixture       *f,
                          gconstpointer  data)
{
  HcCommandPalette *palette = open_palette (f);
  g_autofree char *found = type_in_palette (palette, "lock");

  g_assert_cmpstr (found, ==, "> Lock\n");
  g_object_ref (palette);
  g_signal_emit_by_name (_hc_command_palette_get_entry (palette), "activate");
  hc_test_ui_wait_destroyed (GTK_WINDOW (palette));
  g_object_unref (palette);
  g_assert_cmpstr (_hc_window_get_main_state (f->window), ==, "locked");
  g_assert_true (hc_store_is_locked (f->store));
  /* locked: no palette, and the schedule shows nobody */
  g_assert_null (hc_test_ui_find_window (HC_TYPE_COMMAND_PALETTE));
  g_assert_cmpstr (_hc_schedule_view_get_shown (f->view), ==, "");
}

/* ---- shortcuts window ----------------------------------------------------------------------- */

static void
collect_overlay (GtkWidget  *widget,
                 GHashTable *accels)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_overlay (child, accels);
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accel = NULL;
      g_object_get (widget, "accelerator", &accel, NULL);
      if (accel != NULL)
        {
          g_auto(GStrv) each = g_strsplit (accel, " ", -1);

          for (guint i = 0; each[i] != NULL; i++)
            {
              guint key;
              GdkModifierType mods;

              if (gtk_accelerator_parse (each[i], &key, &mods))
                g_hash_table_add (accels, gtk_accelerator_name (key, mods));
            }
        }
    }
}

/* The actions GTK's own widgets bind keys to (text editing, list selection, ...). */
static gboolean
is_gtk_action (const char *name)
{
  const char *prefixes[] = { "text.", "misc.", "selection.", "list.", "listitem.", "menu.",
                             "clipboard.", "entry.", "default.", "popover." };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;
  return FALSE;
}

/* Adds the named-action shortcuts of @widget and its descendants to @found. */
static void
collect_bindings (GtkWidget  *widget,
                  GHashTable *found)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          /* ours are named actions of our namespaces; GTK's own (focus, inspector) are not */
          if (!GTK_IS_NAMED_ACTION (action) || !GTK_IS_KEYVAL_TRIGGER (trigger))
            continue;
          if (is_gtk_action (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action))))
            continue;
          g_hash_table_insert (found,
                               gtk_accelerator_name (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
                                                     gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger))),
                               g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action))));
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_bindings (child, found);
}

/* Every key binding of the window, its dialogs and the application is in the shortcuts
 * window. */
static void
test_shortcuts_window_complete (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_getenv ("HOUSECALL_SOURCE_ROOT"), "resources", "gtk",
                                            "help-overlay.ui", NULL);
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_file (path);
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) bindings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* the application's accelerators (app/hc-application.c) and GtkApplicationWindow's */
  const char *app_accels[] = { "<Control>q", "<Control>w", "<Control>question" };
  GHashTableIter iter;
  gpointer key, value;
  GtkWindow *windows[4];

  g_assert_nonnull (overlay);
  collect_overlay (overlay, listed);

  windows[0] = GTK_WINDOW (f->window);
  windows[1] = GTK_WINDOW (hc_schedule_view_book (f->view, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-patient", NULL));
  windows[2] = hc_test_ui_find_window (g_type_from_name ("HcPatientEditor"));
  windows[3] = GTK_WINDOW (hc_command_palette_new (f->window));
  for (guint i = 0; i < G_N_ELEMENTS (windows); i++)
    {
      g_assert_nonnull (windows[i]);
      collect_bindings (GTK_WIDGET (windows[i]), bindings);
    }
  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    g_hash_table_insert (bindings, g_strdup (app_accels[i]), g_strdup ("app"));
  g_assert_cmpuint (g_hash_table_size (bindings), >=, 15);

  g_hash_table_iter_init (&iter, bindings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint keyval;
      GdkModifierType mods;
      g_autofree char *normal = NULL;

      g_assert_true (gtk_accelerator_parse (key, &keyval, &mods));
      normal = gtk_accelerator_name (keyval, mods);
      if (!g_hash_table_contains (listed, normal))
        g_error ("%s (%s) is not in the shortcuts window", normal, (const char *) value);
    }
  gtk_window_destroy (windows[3]);
  gtk_window_destroy (windows[2]);
  gtk_window_destroy (windows[1]);
  gtk_window_set_transient_for (GTK_WINDOW (overlay), GTK_WINDOW (f->window));
  gtk_window_present (GTK_WINDOW (overlay));
  hc_test_ui_save_screenshot (GTK_WIDGET (overlay), "shortcuts-window");
  gtk_window_destroy (GTK_WINDOW (overlay));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/hc/ui/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("schedule/today-by-default", test_today_by_default);
  ADD ("schedule/day-week-month", test_day_week_month);
  ADD ("schedule/appointment-changes", test_appointment_changes);
  ADD ("palette/opens-patient", test_palette_opens_patient);
  ADD ("palette/runs-action", test_palette_runs_action);
  ADD ("shortcuts/window-complete", test_shortcuts_window_complete);
#undef ADD

  return g_test_run ();
}
