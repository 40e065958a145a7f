/* hc-window-patients.c: the main window's registration, schedule and command palette actions
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-window"

#include "config.h"

#include "hc-appointment-dialog.h"
#include "hc-command-palette.h"
#include "hc-patient-editor.h"
#include "hc-schedule-view.h"
#include "hc-window-patients.h"
#include "hc-window-private.h"

static gboolean
store_usable (HcWindow *self)
{
  HcStore *store = hc_window_get_store (self);

  return store != NULL && !hc_store_is_locked (store);
}

static void
update_actions (HcWindow *self)
{
  GAction *edit = g_action_map_lookup_action (G_ACTION_MAP (self), "edit-patient");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (edit),
                               store_usable (self) && hc_window_get_patient (self) != NULL);
}

static void
patient_saved_cb (HcPatientEditor *editor,
                  HcPatient       *patient,
                  HcWindow        *self)
{
  hc_window_open_patient (self, patient);
  hc_window_reload_chart (self);
}

static void
open_editor (HcWindow   *self,
             const char *patient_id)
{
  HcPatientEditor *editor;

  if (!store_usable (self))
    return;
  editor = hc_patient_editor_new (GTK_WINDOW (self), hc_window_get_store (self), patient_id);
  g_signal_connect_object (editor, "saved", G_CALLBACK (patient_saved_cb), self, 0);
  g_signal_connect_object (editor, "open-patient", G_CALLBACK (patient_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_patient_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  open_editor (HC_WINDOW (user_data), NULL);
}

static void
edit_patient_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  HcWindow *self = HC_WINDOW (user_data);
  HcPatient *patient = hc_window_get_patient (self);

  if (patient != NULL)
    open_editor (self, hc_patient_get_id (patient));
}

static void
show_schedule_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  HcWindow *self = HC_WINDOW (user_data);

  if (!store_usable (self))
    return;
  hc_window_open_patient (self, NULL);
  hc_schedule_view_show_today (_hc_window_get_schedule_view (self));
}

static void
book_appointment_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  HcWindow *self = HC_WINDOW (user_data);
  g_autoptr(HcPatient) patient = NULL;

  if (!store_usable (self))
    return;
  /* book for the open chart, if any, and show the schedule the booking lands in */
  if (hc_window_get_patient (self) != NULL)
    patient = g_object_ref (hc_window_get_patient (self));
  hc_window_open_patient (self, NULL);
  hc_schedule_view_book (_hc_window_get_schedule_view (self), patient);
}

static void
command_palette_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  HcWindow *self = HC_WINDOW (user_data);

  if (!store_usable (self))
    return;
  gtk_window_present (GTK_WINDOW (hc_command_palette_new (self)));
}

static void
patient_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(HcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) resource = hc_store_get_finish (HC_STORE (source), result, &error);
  g_autoptr(HcPatient) patient = NULL;

  if (resource == NULL)
    {
      g_debug ("Opening a patient failed: %s %d", g_quark_to_string (error->domain), error->code);
      return;
    }
  patient = hc_patient_editor_make_patient (resource);
  hc_window_open_patient (self, patient);
}

static void
open_patient_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  HcWindow *self = HC_WINDOW (user_data);

  if (!store_usable (self))
    return;
  hc_store_get_async (hc_window_get_store (self), "Patient", g_variant_get_string (parameter, NULL),
                      NULL, patient_fetched_cb, g_object_ref (self));
}

static const GActionEntry entries[] = {
  { .name = "open-patient", .activate = open_patient_activated, .parameter_type = "s" },
  { .name = "new-patient", .activate = new_patient_activated },
  { .name = "edit-patient", .activate = edit_patient_activated },
  { .name = "show-schedule", .activate = show_schedule_activated },
  { .name = "book-appointment", .activate = book_appointment_activated },
  { .name = "command-palette", .activate = command_palette_activated },
};

static const struct {
  const char *accel;
  const char *action;
} shortcuts[] = {
  { "<Control>n", "win.new-patient" },
  { "<Control>e", "win.edit-patient" },
  { "<Control>t", "win.show-schedule" },
  { "<Control>k", "win.command-palette" },
};

static void
content_changed_cb (HcWindow *self)
{
  update_actions (self);
}

void
_hc_window_close_patient_dialogs (HcWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (window) == GTK_WINDOW (self) &&
          (HC_IS_PATIENT_EDITOR (window) || HC_IS_APPOINTMENT_DIALOG (window) ||
           HC_IS_COMMAND_PALETTE (window) || ADW_IS_MESSAGE_DIALOG (window)))
        g_ptr_array_add (doomed, g_object_ref (window));
    }
  for (guint i = 0; i < doomed->len; i++)
    gtk_window_destroy (g_ptr_array_index (doomed, i));
}

void
_hc_window_add_patient_actions (HcWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i].accel),
                                                            gtk_named_action_new (shortcuts[i].action)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  /* "Edit Patient" is there while a chart is open */
  g_signal_connect_object (_hc_window_get_content_stack (self), "notify::visible-child",
                           G_CALLBACK (content_changed_cb), self, G_CONNECT_SWAPPED);
  update_actions (self);
}
