/* hc-encounter-editor-private.h: what tests may look at inside HcEncounterEditor
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-encounter-data.h"
#include "hc-encounter-editor.h"

G_BEGIN_DECLS

/* The editor win.new-encounter last opened from @window, or NULL. */
HcEncounterEditor *_hc_encounter_editor_get_for_window (GtkWindow      *window);
/* TRUE once the encounter is created or loaded and the fields can be used. */
gboolean       _hc_encounter_editor_is_ready          (HcEncounterEditor *self);
/* How many writes to the store have finished (successfully or not), to wait on. */
guint          _hc_encounter_editor_get_save_serial   (HcEncounterEditor *self);
/* The message of the last failed write or refused action, or NULL. */
const char    *_hc_encounter_editor_get_last_error    (HcEncounterEditor *self);
const char    *_hc_encounter_editor_get_note_id       (HcEncounterEditor *self);
gboolean       _hc_encounter_editor_is_read_only      (HcEncounterEditor *self);
GtkTextView   *_hc_encounter_editor_get_section_view  (HcEncounterEditor *self,
                                                       HcSoapSection      section);
GtkTextView   *_hc_encounter_editor_get_addendum_view (HcEncounterEditor *self);
GtkEditable   *_hc_encounter_editor_get_vital_entry   (HcEncounterEditor *self,
                                                       HcVital            kind);
/* The message shown under the field, or NULL when the value is accepted or empty. */
const char    *_hc_encounter_editor_get_vital_error   (HcEncounterEditor *self,
                                                       HcVital            kind);
GtkEditable   *_hc_encounter_editor_get_diagnosis_search (HcEncounterEditor *self);
GtkListBox    *_hc_encounter_editor_get_diagnosis_results (HcEncounterEditor *self);
/* The codes of the diagnoses added, in order, joined by spaces. */
char          *_hc_encounter_editor_get_diagnosis_codes (HcEncounterEditor *self);

/* Makes win.print-summary export a PDF to @path instead of showing the print dialog. */
void           _hc_encounter_set_summary_export_path  (GtkWindow      *window,
                                                       const char     *path);
/* How many win.print-summary runs have finished, to wait on; and the last one's error. */
guint          _hc_encounter_get_print_serial         (GtkWindow      *window);
const char    *_hc_encounter_get_print_error          (GtkWindow      *window);

G_END_DECLS
