/* hc-server.h: the HTTPS front of housecall-server: FHIR REST and the token endpoint
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hc-server-db.h"

G_BEGIN_DECLS

#define HC_TYPE_SERVER (hc_server_get_type ())

G_DECLARE_FINAL_TYPE (HcServer, hc_server, HC, SERVER, GObject)

/* Takes ownership of @db. */
HcServer *hc_server_new        (HcServerDb       *db,
                                GTlsCertificate  *certificate);
/* Listens on @host (an IP address) and @port (0: any free port) over HTTPS only. */
gboolean  hc_server_listen     (HcServer         *self,
                                const char       *host,
                                guint             port,
                                GError          **error);
/* The port it listens on, after hc_server_listen(). */
guint     hc_server_get_port   (HcServer         *self);
/* Stops accepting requests; the database is closed when the server is finalized. */
void      hc_server_disconnect (HcServer         *self);

/* Lifetimes of issued tokens, in seconds; tests shorten them. */
void      hc_server_set_token_lifetimes (HcServer *self,
                                         guint     access_seconds,
                                         guint     refresh_seconds);

G_END_DECLS
