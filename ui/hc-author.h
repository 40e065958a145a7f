/* hc-author.h: who writes, signs or orders: the signed-in Housecall user
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hc-store.h"

G_BEGIN_DECLS

/* The author of what this computer writes, as a Reference (hc_user_reference()): the server
 * login the store keeps (sync value "user"), or the operating system's user when the store
 * has never logged in. Reads the store: call it on a worker thread. */
JsonObject *hc_author_lookup_sync   (HcStore             *store,
                                     GCancellable        *cancellable);

/* The same off the main thread. */
void        hc_author_lookup_async  (HcStore             *store,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
JsonObject *hc_author_lookup_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
