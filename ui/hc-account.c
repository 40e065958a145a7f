/* hc-account.c: which server this store is logged in to, and as whom
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hc-account.h"

void
hc_account_free (HcAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->url);
  g_free (account->user);
  g_free (account);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HcStore *store = source_object;
  HcAccount *account = g_new0 (HcAccount, 1);
  g_autofree char *token = NULL;

  account->url = hc_store_get_sync_value_sync (store, "server_url", cancellable, NULL);
  account->user = hc_store_get_sync_value_sync (store, "user", cancellable, NULL);
  token = hc_store_get_sync_value_sync (store, "refresh_token", cancellable, NULL);
  account->signed_in = token != NULL;
  g_task_return_pointer (task, account, (GDestroyNotify) hc_account_free);
}

void
hc_account_load_async (HcStore             *store,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HC_IS_STORE (store));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, hc_account_load_async);
  g_task_run_in_thread (task, load_thread);
}

HcAccount *
hc_account_load_finish (HcStore       *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
