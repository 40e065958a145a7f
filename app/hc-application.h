/* hc-application.h: the Housecall GUI application
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HC_TYPE_APPLICATION (hc_application_get_type ())

G_DECLARE_FINAL_TYPE (HcApplication, hc_application, HC, APPLICATION, AdwApplication)

HcApplication *hc_application_new (void);

G_END_DECLS
