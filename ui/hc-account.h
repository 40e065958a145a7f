/* hc-account.h: which server this store is logged in to, and as whom
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hc-store.h"

G_BEGIN_DECLS

typedef struct
{
  char     *url;        /* NULL: never logged in */
  char     *user;
  gboolean  signed_in;  /* a refresh token is kept: sync can run */
} HcAccount;

void       hc_account_free        (HcAccount            *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcAccount, hc_account_free)

/* Reads the store's login (sync values server_url, user, refresh_token) on a worker thread:
 * the UI thread never waits for SQLite. */
void       hc_account_load_async  (HcStore              *store,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
HcAccount *hc_account_load_finish (HcStore              *store,
                                   GAsyncResult         *result,
                                   GError              **error);

G_END_DECLS
