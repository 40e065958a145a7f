/* hc-order-dialog.h: lab and imaging orders
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-window.h"

G_BEGIN_DECLS

#define HC_TYPE_ORDER_DIALOG (hc_order_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HcOrderDialog, hc_order_dialog, HC, ORDER_DIALOG, AdwWindow)

/* For the patient open in @window. */
HcOrderDialog *hc_order_dialog_new (HcWindow *window);

/* Installs win.new-order and win.cancel-order (with the ServiceRequest id as a string
 * parameter) on HcWindow. */
void _hc_order_install_actions (GtkWidgetClass *window_class);

G_END_DECLS
