/* hc-accessible.h: accessible names that GTK 4.8 gets wrong, put right in one place
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void hc_accessible_init (void);

G_END_DECLS
