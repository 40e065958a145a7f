/* hc-bench.h: what the benchmarks share: timing, percentiles, one line and a JSON file
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The passphrase of the stores benchmarks create. */
#define HC_BENCH_PASSPHRASE "bench passphrase"

/* Seconds since an arbitrary point, monotonic. */
double      hc_bench_now          (void);
/* The @p-th percentile (0..100) of @samples (sorted in place). */
double      hc_bench_percentile   (GArray      *samples,
                                   double       p);
/* A fresh directory for the benchmark's stores: $HC_BENCH_DIR or a new one under /var/tmp. */
char       *hc_bench_workdir      (const char  *name);
/* Prints @line and writes @result to bench/results/<name>.json (or $HC_BENCH_RESULTS/). */
void        hc_bench_report       (const char  *name,
                                   JsonObject  *result,
                                   const char  *line);
/* Peak resident set size of this process, in MiB. */
double      hc_bench_peak_rss_mib (void);
/* Removes @dir and everything in it. */
void        hc_bench_rmtree       (const char  *dir);

G_END_DECLS
