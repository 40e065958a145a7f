/* hc-visit-print.h: the printed visit summary
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

/* Reads @patient's chart and prints the summary of Encounter @encounter_id (NULL: the latest):
 * patient, date, vital signs, diagnoses, plan, addenda and the signature line. With
 * @export_pdf it writes that PDF file instead of showing the print dialog. */
void     hc_visit_print_async  (GtkWindow           *parent,
                                HcStore             *store,
                                HcPatient           *patient,
                                const char          *encounter_id,
                                const char          *export_pdf,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
gboolean hc_visit_print_finish (GAsyncResult        *result,
                                GError             **error);

/* An RFC 3339 date-time as people read it, "27 Nov 2026, 10:20" (a date alone as "27 Nov
 * 2026"); the text itself when it cannot be read. */
char    *hc_visit_format_time  (const char          *rfc3339);

G_END_DECLS
