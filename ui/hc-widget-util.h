/* hc-widget-util.h: small pieces every view needs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Empties a GtkListBox (its rows: a placeholder stays), GtkBox, GtkGrid or any other parent. */
void hc_widget_remove_children (GtkWidget *parent);

G_END_DECLS
