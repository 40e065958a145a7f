/* hc-demo.c: the demo panel generator
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-demo"

#include "config.h"

#include "hc-demo.h"

gboolean
hc_demo_generate (guint          n_patients,
                  guint64        seed,
                  const char    *today,
                  HcResourceSink sink,
                  gpointer       sink_data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not written yet");
  return FALSE;
}
