/* hc-bench.c: what the benchmarks share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

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

void
hc_bench_rmtree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}
