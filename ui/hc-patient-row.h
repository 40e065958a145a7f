/* hc-patient-row.h: one patient in the patient list
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hc-patient.h"

G_BEGIN_DECLS

#define HC_TYPE_PATIENT_ROW (hc_patient_row_get_type ())

G_DECLARE_FINAL_TYPE (HcPatientRow, hc_patient_row, HC, PATIENT_ROW, GtkWidget)

GtkWidget *hc_patient_row_new         (void);
HcPatient *hc_patient_row_get_patient (HcPatientRow *self);
void       hc_patient_row_set_patient (HcPatientRow *self,
                                       HcPatient    *patient);

G_END_DECLS
