/* hc-test-pg.h: a throwaway PostgreSQL cluster for tests and benchmarks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HcTestPg HcTestPg;

/* Starts a new cluster in a fresh temporary directory, listening on 127.0.0.1 on a free port
 * (run as the "postgres" user when this process is root). Aborts loudly when the PostgreSQL
 * server binaries are missing. A watchdog process stops the cluster and removes its directory
 * when this process ends, even by a crash or an abort. @durable: fsync as in production (for
 * benchmarks); else faster and unsafe (tests). */
HcTestPg   *hc_test_pg_start      (gboolean     durable);
/* Stops the cluster and removes its directory. */
void        hc_test_pg_stop       (HcTestPg    *pg);
/* A new empty database in the cluster; returns its libpq connection string. */
char       *hc_test_pg_new_db     (HcTestPg    *pg,
                                   const char  *name);
/* CPU seconds (user + system) used so far by process @pid. */
double      hc_test_process_cpu_seconds (GPid   pid);
/* The same for a running @process. */
double      hc_test_subprocess_cpu_seconds (GSubprocess *process);
/* CPU seconds (user + system) used so far by the cluster's running processes. */
double      hc_test_pg_cpu_seconds (HcTestPg   *pg);
/* Runs @sql (one or more statements without results); aborts when it fails. */
void        hc_test_pg_exec       (const char  *conninfo,
                                   const char  *sql);
/* Every value of the first column of @sql's rows (white-box checks). */
GPtrArray  *hc_test_pg_column     (const char  *conninfo,
                                   const char  *sql);

G_END_DECLS
