/* hc-rx-private.h: what tests may look at inside the prescribing and order dialogs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-clinical.h"
#include "hc-order-dialog.h"
#include "hc-prescribe-dialog.h"

G_BEGIN_DECLS

/* How many loads (catalogs and chart) have finished; 1 when the dialog is ready. */
guint        _hc_prescribe_dialog_get_load_serial (HcPrescribeDialog *self);
GtkEditable *_hc_prescribe_dialog_get_search      (HcPrescribeDialog *self);
GtkListBox  *_hc_prescribe_dialog_get_drug_list   (HcPrescribeDialog *self);
GtkWidget   *_hc_prescribe_dialog_get_sign_button (HcPrescribeDialog *self);
GtkEditable *_hc_prescribe_dialog_get_override    (HcPrescribeDialog *self);
GtkListBox  *_hc_prescribe_dialog_get_warning_list (HcPrescribeDialog *self);
/* The warnings shown now (HcClinicalWarning). */
GPtrArray   *_hc_prescribe_dialog_get_warnings    (HcPrescribeDialog *self);
const char  *_hc_prescribe_dialog_get_drug_id     (HcPrescribeDialog *self);
const char  *_hc_prescribe_dialog_get_error       (HcPrescribeDialog *self);

guint        _hc_order_dialog_get_load_serial     (HcOrderDialog     *self);
GtkEditable *_hc_order_dialog_get_search          (HcOrderDialog     *self);
GtkListBox  *_hc_order_dialog_get_test_list       (HcOrderDialog     *self);
GtkWidget   *_hc_order_dialog_get_place_button    (HcOrderDialog     *self);
AdwComboRow *_hc_order_dialog_get_priority_row    (HcOrderDialog     *self);
GtkEditable *_hc_order_dialog_get_reason          (HcOrderDialog     *self);

G_END_DECLS
