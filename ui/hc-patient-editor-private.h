/* hc-patient-editor-private.h: what tests may look at inside HcPatientEditor
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-patient-editor.h"

G_BEGIN_DECLS

/* "family", "given", "birth", "gender-identity", "mrn", "phone", "email", "street", "city", "state", "postal",
 * "country", "contact-name", "contact-phone" */
GtkEditable *_hc_patient_editor_get_entry          (HcPatientEditor *self,
                                                    const char      *name);
/* "sex", "contact-relationship" */
AdwComboRow *_hc_patient_editor_get_combo          (HcPatientEditor *self,
                                                    const char      *name);
guint        _hc_patient_editor_get_n_coverages    (HcPatientEditor *self);
/* "payor", "member", "group", "start", "end" */
GtkEditable *_hc_patient_editor_get_coverage_entry (HcPatientEditor *self,
                                                    guint            index,
                                                    const char      *name);
AdwComboRow *_hc_patient_editor_get_coverage_relationship (HcPatientEditor *self,
                                                    guint            index);
void         _hc_patient_editor_remove_coverage    (HcPatientEditor *self,
                                                    guint            index);
/* How many loads, duplicate checks and saves have finished, to wait on. */
guint        _hc_patient_editor_get_serial         (HcPatientEditor *self);
/* The visible messages, or NULL. */
const char  *_hc_patient_editor_get_error          (HcPatientEditor *self);
const char  *_hc_patient_editor_get_birth_error    (HcPatientEditor *self);
const char  *_hc_patient_editor_get_duplicate_text (HcPatientEditor *self);
const char  *_hc_patient_editor_get_patient_id     (HcPatientEditor *self);

G_END_DECLS
