/* hc-window-patients.h: the main window's registration, schedule and command palette actions
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-window.h"

G_BEGIN_DECLS

/* Adds win.new-patient (Ctrl+N), win.edit-patient (Ctrl+E), win.show-schedule (Ctrl+T),
 * win.book-appointment, win.open-patient (a patient id) and win.command-palette (Ctrl+K) to
 * @self. */
void _hc_window_add_patient_actions (HcWindow *self);

/* Closes the registration, booking and palette windows over @self: the window locks, and
 * they show patient data. */
void _hc_window_close_patient_dialogs (HcWindow *self);

G_END_DECLS
