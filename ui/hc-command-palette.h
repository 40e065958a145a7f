/* hc-command-palette.h: find a patient or run an action by typing (Ctrl+K)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-window.h"

G_BEGIN_DECLS

#define HC_TYPE_COMMAND_PALETTE (hc_command_palette_get_type ())

G_DECLARE_FINAL_TYPE (HcCommandPalette, hc_command_palette, HC, COMMAND_PALETTE, AdwWindow)

/* Returns: (transfer none): the palette over @window, not yet shown */
HcCommandPalette *hc_command_palette_new (HcWindow *window);

/* for tests */
GtkEditable *_hc_command_palette_get_entry  (HcCommandPalette *self);
/* How many patient searches have finished, to wait on. */
guint        _hc_command_palette_get_serial (HcCommandPalette *self);
/* The rows' titles, one per line, the selected one marked with "> ". */
char        *_hc_command_palette_describe   (HcCommandPalette *self);

G_END_DECLS
