/* main.c: the housecall GUI entry point
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "housecall"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "hc-application.h"
#include "hc-bench-marks.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HcApplication) app = NULL;

  hc_bench_mark ("main");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = hc_application_new ();
  hc_bench_marks_install (GTK_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
