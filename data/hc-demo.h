/* hc-demo.h: a deterministic, realistic demo panel
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-fhir.h"

G_BEGIN_DECLS

/* Generates a panel of @n_patients with everything a chart holds: Organization and
 * Practitioner resources first, then per patient its Patient, Coverage, Conditions,
 * AllergyIntolerances, MedicationRequests, Encounters with SOAP Compositions, vitals and lab
 * Observations, ServiceRequests, DiagnosticReports and Appointments in the weeks after @today
 * (YYYY-MM-DD). Every reference points to a resource passed to @sink before it. The same
 * @n_patients, @seed and @today give byte-identical resources. Stops at the first error of
 * @sink. */
gboolean hc_demo_generate (guint          n_patients,
                           guint64        seed,
                           const char    *today,
                           HcResourceSink sink,
                           gpointer       sink_data,
                           GCancellable  *cancellable,
                           GError       **error);

G_END_DECLS
