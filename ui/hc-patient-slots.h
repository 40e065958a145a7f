/* hc-patient-slots.h: the patient list's rows, as a model whose items stay put
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hc-patient.h"

G_BEGIN_DECLS

/* One row of the list: which patient it shows now (the "patient" property, notified). */
#define HC_TYPE_PATIENT_SLOT (hc_patient_slot_get_type ())

G_DECLARE_FINAL_TYPE (HcPatientSlot, hc_patient_slot, HC, PATIENT_SLOT, GObject)

HcPatient      *hc_patient_slot_get_patient     (HcPatientSlot  *self);

/* A GListModel of HcPatientSlot over a search's patients. Each new search's patients land in
 * the same slot objects, position by position, so a list view keeps its row widgets and only
 * relabels them: GTK 4.8 builds a new widget (template, style) for every item it has not seen,
 * for up to 200 items, and that took most of a keystroke's time. Only the first @page patients
 * get slots at first; hc_patient_slots_show_more() adds the next @page when the user scrolls
 * down to them. */
#define HC_TYPE_PATIENT_SLOTS (hc_patient_slots_get_type ())

G_DECLARE_FINAL_TYPE (HcPatientSlots, hc_patient_slots, HC, PATIENT_SLOTS, GObject)

HcPatientSlots *hc_patient_slots_new            (guint           page);
/* Shows @patients (a GListModel of HcPatient, or NULL for none) from the first one. */
void            hc_patient_slots_set_patients   (HcPatientSlots *self,
                                                 GListModel     *patients);
/* All the patients of the last hc_patient_slots_set_patients(), slots or not: one GListModel
 * of HcPatient for the life of @self, with one items-changed per search. */
GListModel     *hc_patient_slots_get_patients   (HcPatientSlots *self);
/* Gives the next page of patients slots; FALSE when every patient has one already. */
gboolean        hc_patient_slots_show_more      (HcPatientSlots *self);

G_END_DECLS
