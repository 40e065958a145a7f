/* hc-encounter-editor.h: one visit: SOAP note, vital signs, diagnoses, signing and addenda
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_ENCOUNTER_EDITOR (hc_encounter_editor_get_type ())

G_DECLARE_FINAL_TYPE (HcEncounterEditor, hc_encounter_editor, HC, ENCOUNTER_EDITOR, AdwWindow)

/* Installs win.new-encounter (opens the editor for the window's open patient: its unsigned
 * encounter if it has one, else a new one) and win.print-summary (prints the visit summary of
 * the encounter open in the editor, or of the patient's latest) on HcWindow's class. */
void               hc_encounter_editor_install_window_actions (GtkWidgetClass *window_class);

/* Opens the editor for the patient open in @window (an HcWindow); NULL when none is open. */
HcEncounterEditor *hc_encounter_editor_open          (GtkWindow         *window);

HcPatient         *hc_encounter_editor_get_patient   (HcEncounterEditor *self);
/* NULL until the encounter is created or loaded */
const char        *hc_encounter_editor_get_encounter_id (HcEncounterEditor *self);

G_END_DECLS
