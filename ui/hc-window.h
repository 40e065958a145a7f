/* hc-window.h: the main window: patient list and the selected patient
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_WINDOW (hc_window_get_type ())

G_DECLARE_FINAL_TYPE (HcWindow, hc_window, HC, WINDOW, AdwApplicationWindow)

HcWindow  *hc_window_new          (GtkApplication *application,
                                   HcStore        *store);
HcWindow  *hc_window_new_locked   (GtkApplication *application,
                                   const char     *store_dir);
HcStore   *hc_window_get_store    (HcWindow       *self);
/* The patient whose chart is open, or NULL. */
HcPatient *hc_window_get_patient  (HcWindow       *self);
/* Opens @patient's chart; NULL shows the schedule. */
void       hc_window_open_patient (HcWindow       *self,
                                   HcPatient      *patient);
/* Shows the open chart again from the store, after a dialog wrote to it. */
void       hc_window_reload_chart (HcWindow       *self);
/* Input in another window of this one (an editor, a dialog) postpones the auto-lock too. */
void       hc_window_note_activity (HcWindow      *self);
void       hc_window_show_open_error (HcWindow     *self,
                                   const char     *store_dir,
                                   const GError   *error);
void       hc_window_show_problem (HcWindow       *self,
                                   const char     *icon_name,
                                   const char     *title,
                                   const char     *description,
                                   const char     *command);

G_END_DECLS
