/* hc-patient.h: a patient row of a search result
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HC_TYPE_PATIENT (hc_patient_get_type ())

G_DECLARE_FINAL_TYPE (HcPatient, hc_patient, HC, PATIENT, GObject)

HcPatient  *hc_patient_new             (const char *id,
                                        const char *family,
                                        const char *given,
                                        const char *birth_date,
                                        const char *gender,
                                        const char *mrn,
                                        const char *phone);
const char *hc_patient_get_id          (HcPatient  *self);
const char *hc_patient_get_family      (HcPatient  *self);
const char *hc_patient_get_given       (HcPatient  *self);
const char *hc_patient_get_birth_date  (HcPatient  *self);
const char *hc_patient_get_gender      (HcPatient  *self);
const char *hc_patient_get_mrn         (HcPatient  *self);
const char *hc_patient_get_phone       (HcPatient  *self);
/* "Family, Given" */
const char *hc_patient_get_display_name (HcPatient *self);

G_END_DECLS
