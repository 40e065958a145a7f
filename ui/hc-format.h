/* hc-format.h: how patient facts read on screen
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char       *hc_format_age          (const char *birth_date,
                                    GDateTime  *now);
const char *hc_format_sex          (const char *gender);
char       *hc_format_birth_line   (const char *birth_date,
                                    const char *gender,
                                    GDateTime  *now);

G_END_DECLS
