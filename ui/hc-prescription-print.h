/* hc-prescription-print.h: a prescription on paper or as PDF
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

/* Prints MedicationRequest @request for @patient through GtkPrintOperation: with
 * @export_filename it writes that PDF without a dialog (GTK_PRINT_OPERATION_ACTION_EXPORT),
 * otherwise it shows the print dialog (which can also save a PDF). The drug, sig, quantity,
 * refills, prescriber, patient name and birth date are on the page. A print that happened is
 * audited in @store. */
gboolean hc_prescription_print (GtkWindow   *parent,
                                HcStore     *store,
                                JsonObject  *request,
                                HcPatient   *patient,
                                const char  *export_filename,
                                GError     **error);

/* Records in @store's audit log that @entity ("Type/id") was printed (@detail: what, no PHI),
 * in the background; a failure is logged. Both print paths use it. */
void     hc_print_audit         (HcStore     *store,
                                 const char  *entity,
                                 const char  *detail);

G_END_DECLS
