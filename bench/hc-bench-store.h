/* hc-bench-store.h: the stores benchmarks build from the demo panel
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-fhir.h"
#include "hc-store.h"

G_BEGIN_DECLS

/* A producer (for hc_store_import_producer_sync) of the Patient resources alone of the demo
 * panel of GPOINTER_TO_UINT (@user_data) patients, seed 7, today 2026-11-27. */
gboolean hc_bench_patients_producer (HcResourceSink  sink,
                                     gpointer        sink_data,
                                     gpointer        user_data,
                                     GCancellable   *cancellable,
                                     GError        **error);
/* The directory of an encrypted store (passphrase HC_BENCH_PASSPHRASE) holding the patients
 * of hc_bench_patients_producer(): built once under $HC_BENCH_CACHE (meson sets it to
 * build/bench/cache; else /var/tmp/hc-bench-cache) and reused while it is complete. Benchmarks
 * that change it must copy it first. */
char    *hc_bench_patient_store     (guint           patients);

G_END_DECLS
