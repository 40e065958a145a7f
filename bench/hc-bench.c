/* hc-bench.c: what the benchmarks share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "hc-bench.h"

double
hc_bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
hc_bench_percentile (GArray *samples,
                     double  p)
{
  guint i;

  if (samples->len == 0)
    return 0;
  g_array_sort (samples, compare_doubles);
  i = (guint) (p / 100.0 * (samples->len - 1) + 0.5);
  return g_array_index (samples, double, MIN (i, samples->len - 1));
}

char *
hc_bench_workdir (const char *name)
{
  const char *base = g_getenv ("HC_BENCH_DIR");
  g_autofree char *tmpl = g_strdup_printf ("hc-bench-%s-XXXXXX", name);
  char *dir;

  if (base == NULL)
    base = "/var/tmp";
  g_mkdir_with_parents (base, 0700);
  dir = g_build_filename (base, tmpl, NULL);
  if (g_mkdtemp (dir) == NULL)
    g_error ("cannot create a work directory under %s", base);
  return dir;
}

void
hc_bench_report (const char *name,
                 JsonObject *result,
                 const char *line)
{
  const char *dir = g_getenv ("HC_BENCH_RESULTS");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GError) error = NULL;

  g_print ("%s\n", line);
  json_object_set_string_member (result, "benchmark", name);
  json_node_set_object (node, result);
  text = json_to_string (node, TRUE);
  if (dir == NULL)
    dir = "bench/results";
  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/%s.json", dir, name);
  if (!g_file_set_contents (path, text, -1, &error))
    g_printerr ("%s: cannot write %s: %s\n", name, path, error->message);
}

double
hc_bench_peak_rss_mib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

double
hc_bench_proc_mib (const char *pid,
                   const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || (line = strstr (status, field)) == NULL)
    return 0;
  return g_ascii_strtod (line + strlen (field), NULL) / 1024.0;
}

void
hc_bench_run (const char         *workdir,
              const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;

  g_subprocess_launcher_setenv (launcher, "HOUSECALL_PASSWORD", HC_BENCH_PASSWORD, TRUE);
  g_subprocess_launcher_set_cwd (launcher, workdir);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, &error))
    g_error ("%s: %s", argv[1], error->message);
}

GSubprocess *
hc_bench_start_server (const char  *workdir,
                       const char  *server_bin,
                       char       **base_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  GSubprocess *server;

  g_subprocess_launcher_set_cwd (launcher, workdir);
  server = g_subprocess_launcher_spawn (launcher, &error, server_bin, "serve", "--db", "server.db",
                                        "--listen", "127.0.0.1:0", "--tls-cert", "certs/server.pem",
                                        "--tls-key", "certs/server-key.pem", NULL);
  if (server == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("the server did not start");
  *base_out = g_strdup (line + strlen ("listening on "));
  return server;
}

void
hc_bench_rmtree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

GSubprocess *
hc_bench_profile_start (const char *pid,
                        const char *name)
{
  const char *dir = g_getenv ("HC_BENCH_PERF");
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *perf;

  if (dir == NULL)
    return NULL;
  out = g_strdup_printf ("%s/%s.data", dir, name);
  perf = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "perf", "record", "-F", "499",
                           "--call-graph", "dwarf,16384", "-o", out, "-p", pid, NULL);
  if (perf == NULL)
    g_error ("perf: %s", error->message);
  g_usleep (G_USEC_PER_SEC / 2);   /* attached */
  return perf;
}

void
hc_bench_profile_stop (GSubprocess *perf)
{
  if (perf == NULL)
    return;
  g_subprocess_send_signal (perf, SIGINT);
  g_subprocess_wait (perf, NULL, NULL);
}

double
hc_bench_load_average (void)
{
  g_autofree char *text = NULL;

  return g_file_get_contents ("/proc/loadavg", &text, NULL, NULL) ? g_ascii_strtod (text, NULL) : -1;
}
