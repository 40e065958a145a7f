/* hc-author.c: who writes, signs or orders: the signed-in Housecall user
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-author"

#include "config.h"

#include <string.h>

#include "hc-author.h"
#include "hc-encounter-data.h"

JsonObject *
hc_author_lookup_sync (HcStore      *store,
                       GCancellable *cancellable)
{
  g_autofree char *user = NULL;
  const char *real;

  g_return_val_if_fail (HC_IS_STORE (store), NULL);

  /* the server login, when there is one */
  user = hc_store_get_sync_value_sync (store, "user", cancellable, NULL);
  if (user != NULL && user[0] != '\0')
    return hc_user_reference (user, NULL);
  /* else whoever uses this computer */
  real = g_get_real_name ();
  return hc_user_reference (g_get_user_name (),
                            real != NULL && real[0] != '\0' && strcmp (real, "Unknown") != 0
                            ? real : NULL);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  g_task_return_pointer (task, hc_author_lookup_sync (HC_STORE (task_data), cancellable),
                         (GDestroyNotify) json_object_unref);
}

void
hc_author_lookup_async (HcStore             *store,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HC_IS_STORE (store));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hc_author_lookup_async);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_task_run_in_thread (task, lookup_thread);
}

JsonObject *
hc_author_lookup_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
