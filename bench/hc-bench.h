/* hc-bench.h: what the benchmarks share: timing, percentiles, one line and a JSON file
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The passphrase of the stores benchmarks create. */
#define HC_BENCH_PASSPHRASE "bench passphrase"

/* The password of the user benchmarks log in as. */
#define HC_BENCH_PASSWORD "bench password 1"

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
/* A memory figure of the process @pid from /proc/PID/status (@field "VmHWM:" for the peak
 * resident set, "VmRSS:" for the current one), in MiB; 0 when it cannot be read. */
double      hc_bench_proc_mib     (const char  *pid,
                                   const char  *field);
/* Runs @argv (NULL-terminated) in @workdir, with HOUSECALL_PASSWORD set to
 * HC_BENCH_PASSWORD for `user add`; aborts the benchmark when it fails. */
void        hc_bench_run          (const char         *workdir,
                                   const char * const *argv);
/* Starts `@server_bin serve` on 127.0.0.1 (any port) with the database server.db and the
 * dev certificate in certs/ of @workdir; *@base_out is its https://… address. */
GSubprocess *hc_bench_start_server (const char  *workdir,
                                    const char  *server_bin,
                                    char       **base_out);
/* With HC_BENCH_PERF=DIR set: starts `perf record` (call graphs) on the process @pid, into
 * DIR/@name.data (`perf report -i …`); NULL otherwise. */
GSubprocess *hc_bench_profile_start (const char *pid,
                                     const char *name);
/* Stops a profile from hc_bench_profile_start(); nothing for NULL. */
void        hc_bench_profile_stop  (GSubprocess *perf);
/* The 1-minute load average of the machine. */
double      hc_bench_load_average (void);
/* Removes @dir and everything in it. */
void        hc_bench_rmtree       (const char  *dir);

G_END_DECLS
