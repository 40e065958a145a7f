/* hc-prescription-print.h: a prescription on paper or as PDF
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "hc-patient.h"

G_BEGIN_DECLS

/* Prints MedicationRequest @request for @patient through GtkPrintOperation: with
 * @export_filename it writes that PDF without a dialog (GTK_PRINT_OPERATION_ACTION_EXPORT),
 * otherwise it shows the print dialog (which can also save a PDF). The drug, sig, quantity,
 * refills, prescriber, patient name and birth date are on the page. */
gboolean hc_prescription_print (GtkWindow   *parent,
                                JsonObject  *request,
                                HcPatient   *patient,
                                const char  *export_filename,
                                GError     **error);

G_END_DECLS
