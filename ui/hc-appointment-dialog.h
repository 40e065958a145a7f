/* hc-appointment-dialog.h: book or reschedule one appointment
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_APPOINTMENT_DIALOG (hc_appointment_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HcAppointmentDialog, hc_appointment_dialog, HC, APPOINTMENT_DIALOG, AdwWindow)

/* Books a new appointment for @patient (NULL: the dialog asks) on @day. */
HcAppointmentDialog *hc_appointment_dialog_new_booking    (GtkWindow  *parent,
                                                           HcStore    *store,
                                                           HcPatient  *patient,
                                                           GDateTime  *day);
/* Moves @appointment (a stored Appointment); @patient_name is shown. */
HcAppointmentDialog *hc_appointment_dialog_new_reschedule (GtkWindow  *parent,
                                                           HcStore    *store,
                                                           JsonObject *appointment,
                                                           const char *patient_name);

/* for tests: "date", "time", "reason" */
GtkEditable *_hc_appointment_dialog_get_entry   (HcAppointmentDialog *self,
                                                 const char          *name);
/* "duration", "type" */
AdwComboRow *_hc_appointment_dialog_get_combo   (HcAppointmentDialog *self,
                                                 const char          *name);
GtkEditable *_hc_appointment_dialog_get_patient_search (HcAppointmentDialog *self);
/* How many patient searches and saves have finished, to wait on. */
guint        _hc_appointment_dialog_get_serial  (HcAppointmentDialog *self);
/* Chooses the @index'th patient the search found. */
void         _hc_appointment_dialog_choose_patient (HcAppointmentDialog *self,
                                                 guint                index);
const char  *_hc_appointment_dialog_get_error   (HcAppointmentDialog *self);

G_END_DECLS
