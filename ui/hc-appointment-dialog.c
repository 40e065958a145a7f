/* hc-appointment-dialog.c: book or reschedule one appointment
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-schedule"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-appointment-dialog.h"
#include "hc-entry-row.h"
#include "hc-format.h"
#include "hc-json.h"

#define SYSTEM_V2_0276 "http://terminology.hl7.org/CodeSystem/v2-0276"

struct _HcAppointmentDialog
{
  AdwWindow       parent_instance;

  /* template widgets */
  AdwWindowTitle *window_title;
  GtkButton      *save_button;
  GtkWidget      *form;
  GtkLabel       *error_label;
  AdwActionRow   *patient_row;
  GtkWidget      *change_patient_button;
  GtkWidget      *patient_search_box;
  GtkSearchEntry *patient_search;
  GtkListBox     *patient_results;
  HcEntryRow     *date_row;
  HcEntryRow     *time_row;
  AdwComboRow    *duration_row;
  AdwComboRow    *type_row;
  HcEntryRow     *reason_row;

  /* owned */
  HcStore        *store;
  HcPatient      *patient;        /* who the new appointment is for */
  JsonObject     *appointment;    /* the one being rescheduled, or NULL */
  GListModel     *results;        /* HcPatient matches of the search */
  GCancellable   *cancellable;
  guint           serial;
  gboolean        saving;         /* a save on its way: closing waits for it */
};

G_DEFINE_FINAL_TYPE (HcAppointmentDialog, hc_appointment_dialog, ADW_TYPE_WINDOW)

static const guint durations[] = { 10, 15, 20, 30, 45, 60 };
static const struct { const char *code; const char *display; } types[] = {
  { "CHECKUP", "A routine check-up, such as an annual physical" },
  { "FOLLOWUP", "A follow up visit from a previous appointment" },
  { "ROUTINE", "Routine appointment - default if not valued" },
  { "WALKIN", "A previously unscheduled walk-in visit" },
  { "EMERGENCY", "Emergency appointment" },
};

static void
show_error (HcAppointmentDialog *self,
            const char          *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_patient (HcAppointmentDialog *self,
             HcPatient           *patient)
{
  g_autofree char *subtitle = NULL;

  g_set_object (&self->patient, patient);
  if (patient != NULL)
    show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->patient_row), patient != NULL || self->appointment);
  gtk_widget_set_visible (self->patient_search_box, patient == NULL && self->appointment == NULL);
  if (patient == NULL)
    return;
  subtitle = hc_format_birth_line (hc_patient_get_birth_date (patient),
                                   hc_patient_get_gender (patient), NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->patient_row),
                                 hc_patient_get_display_name (patient));
  adw_action_row_set_subtitle (self->patient_row, subtitle ? subtitle : "");
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcAppointmentDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) model = hc_store_search_patients_finish (HC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  hc_widget_remove_children (GTK_WIDGET (self->patient_results));
  g_set_object (&self->results, model);
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HcPatient) patient = g_list_model_get_item (model, i);
      g_autofree char *birth = hc_format_birth_line (hc_patient_get_birth_date (patient),
                                                     hc_patient_get_gender (patient), NULL);
      g_autofree char *line = hc_patient_get_mrn (patient) == NULL ? g_strdup (birth)
                            : g_strdup_printf ("%s · %s", birth ? birth : "",
                                               hc_patient_get_mrn (patient));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), hc_patient_get_display_name (patient));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), line ? line : "");
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_list_box_append (self->patient_results, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->patient_results),
                          model != NULL && g_list_model_get_n_items (model) > 0);
}

static void
patient_search_changed_cb (HcAppointmentDialog *self,
                           GtkSearchEntry      *entry)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (*query == '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->patient_results), FALSE);
      return;
    }
  hc_store_search_patients_async (self->store, query, 5, self->cancellable, search_cb,
                                  g_object_ref (self));
}

void
_hc_appointment_dialog_choose_patient (HcAppointmentDialog *self,
                                       guint                index)
{
  g_autoptr(HcPatient) patient = NULL;

  if (self->results == NULL || index >= g_list_model_get_n_items (self->results))
    return;
  patient = g_list_model_get_item (self->results, index);
  set_patient (self, patient);
  gtk_widget_grab_focus (GTK_WIDGET (self->time_row));
}

static void
patient_chosen_cb (HcAppointmentDialog *self,
                   GtkListBoxRow       *row,
                   GtkListBox          *list)
{
  _hc_appointment_dialog_choose_patient (self, (guint) gtk_list_box_row_get_index (row));
}

static void
patient_search_activate_cb (HcAppointmentDialog *self,
                            GtkSearchEntry      *entry)
{
  _hc_appointment_dialog_choose_patient (self, 0);
}

static void
change_patient_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcAppointmentDialog *self = HC_APPOINTMENT_DIALOG (widget);

  set_patient (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->patient_search));
}

/* "YYYY-MM-DD" and "HH:MM" as a local time. */
static GDateTime *
parse_start (const char *date,
             const char *time)
{
  int y, m, d, hh, mm;
  char end;

  if (sscanf (date, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return NULL;
  if (sscanf (time, "%2d:%2d%c", &hh, &mm, &end) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59)
    return NULL;
  return g_date_time_new_local (y, m, d, hh, mm, 0);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HcAppointmentDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = hc_store_put_finish (HC_STORE (source), result, &error);

  self->saving = FALSE;
  /* the dialog went meanwhile (its window closed): what was saved stays saved */
  if (self->store == NULL)
    {
      if (stored == NULL)
        g_warning ("Saving an appointment failed: %s", error->message);
      return;
    }
  self->serial++;
  gtk_widget_set_sensitive (self->form, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "appointment.save", TRUE);
  if (stored == NULL)
    {
      /* Translators: %s is the store's reason, in English */
      g_autofree char *message = g_strdup_printf (_("Nothing was saved: %s"),
                                                  hc_store_error_text (error));
      show_error (self, message);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HcAppointmentDialog *self = HC_APPOINTMENT_DIALOG (widget);
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->date_row))));
  g_autofree char *time = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->time_row))));
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_row))));
  g_autoptr(GDateTime) start = parse_start (date, time);
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(JsonObject) appointment = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;
  guint minutes = durations[MIN (adw_combo_row_get_selected (self->duration_row),
                                 G_N_ELEMENTS (durations) - 1)];
  guint type = MIN (adw_combo_row_get_selected (self->type_row), G_N_ELEMENTS (types) - 1);

  if (self->appointment == NULL && self->patient == NULL)
    {
      show_error (self, _("Choose the patient first."));
      gtk_widget_grab_focus (GTK_WIDGET (self->patient_search));
      return;
    }
  if (start == NULL)
    {
      show_error (self, _("Write the date like 2026-03-10 and the time like 09:30."));
      gtk_widget_add_css_class (GTK_WIDGET (self->date_row), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->time_row), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->time_row));
      return;
    }
  end = g_date_time_add_minutes (start, (int) minutes);
  start_text = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S%:z");
  end_text = g_date_time_format (end, "%Y-%m-%dT%H:%M:%S%:z");

  if (self->appointment != NULL)
    appointment = hc_json_object_copy (self->appointment);
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *created = g_date_time_format (now, "%Y-%m-%d");
      g_autofree char *reference = g_strconcat ("Patient/", hc_patient_get_id (self->patient), NULL);
      JsonArray *participants = json_array_new ();
      JsonObject *participant = json_object_new ();
      JsonObject *actor = json_object_new ();

      appointment = json_object_new ();
      json_object_set_string_member (appointment, "resourceType", "Appointment");
      json_object_set_string_member (appointment, "status", "booked");
      json_object_set_string_member (appointment, "created", created);
      json_object_set_string_member (actor, "reference", reference);
      json_object_set_string_member (actor, "display", hc_patient_get_display_name (self->patient));
      json_object_set_object_member (participant, "actor", actor);
      json_object_set_string_member (participant, "required", "required");
      json_object_set_string_member (participant, "status", "accepted");
      json_array_add_object_element (participants, participant);
      json_object_set_array_member (appointment, "participant", participants);
    }

  json_object_set_string_member (appointment, "start", start_text);
  json_object_set_string_member (appointment, "end", end_text);
  json_object_set_int_member (appointment, "minutesDuration", minutes);
  {
    JsonObject *concept = json_object_new ();
    JsonArray *codings = json_array_new ();
    JsonObject *coding = json_object_new ();

    json_object_set_string_member (coding, "system", SYSTEM_V2_0276);
    json_object_set_string_member (coding, "code", types[type].code);
    json_object_set_string_member (coding, "display", types[type].display);
    json_array_add_object_element (codings, coding);
    json_object_set_array_member (concept, "coding", codings);
    json_object_set_object_member (appointment, "appointmentType", concept);
  }
  if (*reason != '\0')
    {
      JsonArray *reasons = json_array_new ();
      JsonObject *concept = json_object_new ();

      json_object_set_string_member (concept, "text", reason);
      json_array_add_object_element (reasons, concept);
      json_object_set_array_member (appointment, "reasonCode", reasons);
    }
  else if (json_object_has_member (appointment, "reasonCode"))
    json_object_remove_member (appointment, "reasonCode");

  show_error (self, NULL);
  /* a text field made insensitive while focused never hears it lost the focus */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (self->form, FALSE);
  gtk_widget_action_set_enabled (widget, "appointment.save", FALSE);
  /* not cancelled with the dialog: once Book or Save was pressed, the appointment is saved */
  self->saving = TRUE;
  hc_store_put_async (self->store, appointment, NULL, saved_cb, g_object_ref (self));
}

static gboolean
hc_appointment_dialog_close_request (GtkWindow *window)
{
  HcAppointmentDialog *self = HC_APPOINTMENT_DIALOG (window);

  /* Escape while saving: the dialog stays until the appointment is saved */
  if (self->saving)
    return TRUE;
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (hc_appointment_dialog_parent_class)->close_request (window);
}

static void
hc_appointment_dialog_dispose (GObject *object)
{
  HcAppointmentDialog *self = HC_APPOINTMENT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_APPOINTMENT_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->patient);
  g_clear_object (&self->results);

  G_OBJECT_CLASS (hc_appointment_dialog_parent_class)->dispose (object);
}

static void
hc_appointment_dialog_finalize (GObject *object)
{
  HcAppointmentDialog *self = HC_APPOINTMENT_DIALOG (object);

  g_clear_pointer (&self->appointment, json_object_unref);

  G_OBJECT_CLASS (hc_appointment_dialog_parent_class)->finalize (object);
}

static void
hc_appointment_dialog_class_init (HcAppointmentDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hc_appointment_dialog_dispose;
  object_class->finalize = hc_appointment_dialog_finalize;
  window_class->close_request = hc_appointment_dialog_close_request;

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-appointment-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, form);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, patient_row);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, change_patient_button);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, patient_search_box);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, patient_search);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, patient_results);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, date_row);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, time_row);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, duration_row);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, type_row);
  gtk_widget_class_bind_template_child (widget_class, HcAppointmentDialog, reason_row);
  gtk_widget_class_bind_template_callback (widget_class, patient_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, patient_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, patient_chosen_cb);

  gtk_widget_class_install_action (widget_class, "appointment.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "appointment.change-patient", NULL,
                                   change_patient_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "appointment.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hc_appointment_dialog_init (HcAppointmentDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  adw_combo_row_set_selected (self->duration_row, 3);   /* 30 minutes */
  gtk_widget_set_visible (GTK_WIDGET (self->patient_results), FALSE);
}

static HcAppointmentDialog *
new_dialog (GtkWindow *parent,
            HcStore   *store)
{
  HcAppointmentDialog *self = g_object_new (HC_TYPE_APPOINTMENT_DIALOG,
                                            "transient-for", parent, NULL);

  self->store = g_object_ref (store);
  return self;
}

/**
 * hc_appointment_dialog_new_booking:
 *
 * Returns: (transfer none): the dialog, not yet shown
 */
HcAppointmentDialog *
hc_appointment_dialog_new_booking (GtkWindow *parent,
                                   HcStore   *store,
                                   HcPatient *patient,
                                   GDateTime *day)
{
  HcAppointmentDialog *self;
  g_autofree char *date = NULL;

  g_return_val_if_fail (HC_IS_STORE (store), NULL);
  g_return_val_if_fail (day != NULL, NULL);

  self = new_dialog (parent, store);
  adw_window_title_set_title (self->window_title, _("Book Appointment"));
  gtk_window_set_title (GTK_WINDOW (self), _("Book Appointment"));
  gtk_button_set_label (self->save_button, _("_Book"));
  date = g_date_time_format (day, "%Y-%m-%d");
  gtk_editable_set_text (GTK_EDITABLE (self->date_row), date);
  set_patient (self, patient);
  gtk_widget_grab_focus (patient ? GTK_WIDGET (self->time_row) : GTK_WIDGET (self->patient_search));
  return self;
}

/**
 * hc_appointment_dialog_new_reschedule:
 *
 * Returns: (transfer none): the dialog, not yet shown
 */
HcAppointmentDialog *
hc_appointment_dialog_new_reschedule (GtkWindow  *parent,
                                      HcStore    *store,
                                      JsonObject *appointment,
                                      const char *patient_name)
{
  HcAppointmentDialog *self;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) local = NULL;
  JsonObject *type;
  JsonObject *reason;
  const char *code;
  gint64 minutes;

  g_return_val_if_fail (HC_IS_STORE (store), NULL);
  g_return_val_if_fail (appointment != NULL, NULL);

  self = new_dialog (parent, store);
  self->appointment = hc_json_object_copy (appointment);
  adw_window_title_set_title (self->window_title, _("Reschedule Appointment"));
  gtk_window_set_title (GTK_WINDOW (self), _("Reschedule Appointment"));
  gtk_button_set_label (self->save_button, _("_Move"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->patient_row), patient_name);
  gtk_widget_set_visible (self->change_patient_button, FALSE);
  set_patient (self, NULL);

  start = g_date_time_new_from_iso8601 (hc_json_get_string (appointment, "start"), NULL);
  local = start ? g_date_time_to_local (start) : NULL;
  if (local != NULL)
    {
      g_autofree char *date = g_date_time_format (local, "%Y-%m-%d");
      g_autofree char *time = g_date_time_format (local, "%H:%M");

      gtk_editable_set_text (GTK_EDITABLE (self->date_row), date);
      gtk_editable_set_text (GTK_EDITABLE (self->time_row), time);
    }
  minutes = json_object_get_int_member_with_default (appointment, "minutesDuration", 0);
  if (minutes == 0 && start != NULL)
    {
      g_autoptr(GDateTime) end = g_date_time_new_from_iso8601 (hc_json_get_string (appointment, "end"), NULL);
      if (end != NULL)
        minutes = g_date_time_difference (end, start) / G_TIME_SPAN_MINUTE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    if (durations[i] == minutes)
      adw_combo_row_set_selected (self->duration_row, i);
  type = hc_json_get_object (appointment, "appointmentType");
  code = hc_json_get_string (hc_json_array_get_object (hc_json_get_array (type, "coding"), 0), "code");
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_strcmp0 (code, types[i].code) == 0)
      adw_combo_row_set_selected (self->type_row, i);
  reason = hc_json_array_get_object (hc_json_get_array (appointment, "reasonCode"), 0);
  gtk_editable_set_text (GTK_EDITABLE (self->reason_row),
                         hc_json_get_string (reason, "text") ? hc_json_get_string (reason, "text") : "");
  gtk_widget_grab_focus (GTK_WIDGET (self->time_row));
  return self;
}

GtkEditable *
_hc_appointment_dialog_get_entry (HcAppointmentDialog *self,
                                  const char          *name)
{
  if (g_str_equal (name, "date"))
    return GTK_EDITABLE (self->date_row);
  if (g_str_equal (name, "time"))
    return GTK_EDITABLE (self->time_row);
  if (g_str_equal (name, "reason"))
    return GTK_EDITABLE (self->reason_row);
  g_return_val_if_reached (NULL);
}

AdwComboRow *
_hc_appointment_dialog_get_combo (HcAppointmentDialog *self,
                                  const char          *name)
{
  if (g_str_equal (name, "duration"))
    return self->duration_row;
  if (g_str_equal (name, "type"))
    return self->type_row;
  g_return_val_if_reached (NULL);
}

GtkEditable *
_hc_appointment_dialog_get_patient_search (HcAppointmentDialog *self)
{
  return GTK_EDITABLE (self->patient_search);
}

guint
_hc_appointment_dialog_get_serial (HcAppointmentDialog *self)
{
  return self->serial;
}

const char *
_hc_appointment_dialog_get_error (HcAppointmentDialog *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label)) ?
         gtk_label_get_label (self->error_label) : NULL;
}
