/* hc-prescribe-dialog.h: write, renew or change a prescription, with safety checks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-window.h"

G_BEGIN_DECLS

typedef enum
{
  HC_PRESCRIBE_NEW,
  HC_PRESCRIBE_RENEW,    /* the same order again; the old one completed */
  HC_PRESCRIBE_CHANGE,   /* a new order replacing the old one, which is stopped */
} HcPrescribeMode;

#define HC_TYPE_PRESCRIBE_DIALOG (hc_prescribe_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HcPrescribeDialog, hc_prescribe_dialog, HC, PRESCRIBE_DIALOG, AdwWindow)

/* For the patient open in @window; @prior is the MedicationRequest renewed or changed. */
HcPrescribeDialog *hc_prescribe_dialog_new (HcWindow        *window,
                                            HcPrescribeMode  mode,
                                            JsonObject      *prior);

/* Installs win.prescribe, and win.renew-prescription, win.change-prescription,
 * win.stop-prescription and win.print-prescription (each with the MedicationRequest id as a
 * string parameter) on HcWindow. */
void _hc_prescribe_install_actions (GtkWidgetClass *window_class);

G_END_DECLS
