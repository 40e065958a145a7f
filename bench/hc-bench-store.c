/* hc-bench-store.c: the stores benchmarks build from the demo panel
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-bench"

#include "config.h"

#include <glib/gstdio.h>

#include "hc-bench.h"
#include "hc-bench-store.h"
#include "hc-demo.h"

typedef struct
{
  HcResourceSink sink;
  gpointer       sink_data;
} PatientsOnly;

static gboolean
patients_only_sink (JsonObject  *resource,
                    gpointer     user_data,
                    GError     **error)
{
  PatientsOnly *po = user_data;

  if (g_strcmp0 (json_object_get_string_member_with_default (resource, "resourceType", ""),
                 "Patient") != 0)
    return TRUE;
  return po->sink (resource, po->sink_data, error);
}

gboolean
hc_bench_patients_producer (HcResourceSink  sink,
                            gpointer        sink_data,
                            gpointer        user_data,
                            GCancellable   *cancellable,
                            GError        **error)
{
  PatientsOnly po = { sink, sink_data };

  return hc_demo_generate (GPOINTER_TO_UINT (user_data), 7, "2026-11-27", patients_only_sink, &po,
                           cancellable, error);
}

char *
hc_bench_patient_store (guint patients)
{
  const char *cache = g_getenv ("HC_BENCH_CACHE");
  g_autofree char *name = g_strdup_printf ("patients-%u", patients);
  g_autofree char *dir = NULL;
  g_autofree char *building = NULL;
  g_autofree char *complete = NULL;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GError) error = NULL;
  HcImportStats stats = { 0 };
  double t0;

  if (cache == NULL)
    cache = "/var/tmp/hc-bench-cache";
  dir = g_build_filename (cache, name, NULL);
  complete = g_strconcat (dir, ".complete", NULL);
  if (g_file_test (complete, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&dir);

  /* built aside and renamed, so an interrupted build is never taken for a store */
  building = g_strconcat (dir, ".building", NULL);
  hc_bench_rmtree (building);
  hc_bench_rmtree (dir);
  g_unlink (complete);
  g_mkdir_with_parents (cache, 0700);
  g_printerr ("building a store of %u patients in %s (once)\n", patients, dir);
  t0 = hc_bench_now ();
  store = hc_store_open_sync (building, HC_STORE_OPEN_CREATE, HC_BENCH_PASSPHRASE, NULL, &error);
  if (store == NULL ||
      !hc_store_import_producer_sync (store, hc_bench_patients_producer,
                                      GUINT_TO_POINTER (patients), &stats, NULL, &error))
    g_error ("cannot build the store: %s", error->message);
  g_clear_object (&store);
  if (g_rename (building, dir) != 0 || !g_file_set_contents (complete, "", 0, &error))
    g_error ("cannot keep the store in %s", dir);
  g_printerr ("built in %.0f s\n", hc_bench_now () - t0);
  return g_steal_pointer (&dir);
}
