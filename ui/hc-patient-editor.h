/* hc-patient-editor.h: registration and insurance of one patient
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_PATIENT_EDITOR (hc_patient_editor_get_type ())

G_DECLARE_FINAL_TYPE (HcPatientEditor, hc_patient_editor, HC, PATIENT_EDITOR, AdwWindow)

/* @patient_id NULL: register a new patient. The editor emits "saved" (HcPatient) after it
 * wrote the patient and the insurance, then closes; "open-patient" (HcPatient) when the user
 * chose an already registered patient instead of registering a duplicate. */
HcPatientEditor *hc_patient_editor_new        (GtkWindow   *parent,
                                               HcStore     *store,
                                               const char  *patient_id);
/* An HcPatient row of a stored Patient resource. */
HcPatient       *hc_patient_editor_make_patient (JsonObject *patient);

G_END_DECLS
