/* hc-widget-util.h: small pieces every view needs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Empties a GtkListBox (its rows: a placeholder stays), GtkBox, GtkGrid or any other parent. */
void hc_widget_remove_children (GtkWidget *parent);

/* Shows @text in a toast of @overlay, only the latest news: a toast still on screen is
 * replaced, once it has finished appearing (in libadwaita 1.2, dismissing a toast while it
 * slides in can crash in its animation). @timeout in seconds, 0: the default. */
void hc_toast_show             (AdwToastOverlay *overlay,
                                const char      *text,
                                guint            timeout);
/* The same with a button (@button_label, mnemonic) that activates @action_name. */
void hc_toast_show_action      (AdwToastOverlay *overlay,
                                const char      *text,
                                guint            timeout,
                                const char      *button_label,
                                const char      *action_name);
/* Why a write to the store failed, for the person who made it: the conflict inbox for a
 * record in conflict, unlocking for a locked store, else the store's own words. */
const char *hc_store_error_text (const GError *error);

/* Takes the toast of @overlay away (once it has finished appearing), and any about to come. */
void hc_toast_dismiss          (AdwToastOverlay *overlay);

G_END_DECLS
