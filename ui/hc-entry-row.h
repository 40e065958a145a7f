/* hc-entry-row.h: a titled text field in a boxed list that screen readers can follow
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HC_TYPE_ENTRY_ROW (hc_entry_row_get_type ())

G_DECLARE_FINAL_TYPE (HcEntryRow, hc_entry_row, HC, ENTRY_ROW, AdwActionRow)

GtkWidget   *hc_entry_row_new          (void);
GtkWidget   *hc_entry_row_new_password (void);
GtkEditable *hc_entry_row_get_editable (HcEntryRow *self);

G_END_DECLS
