/* hc-dev-cert.h: a local CA and a localhost server certificate for development
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HC_DEV_CERT_CA_FILE   "ca.pem"
#define HC_DEV_CERT_CERT_FILE "server.pem"
#define HC_DEV_CERT_KEY_FILE  "server-key.pem"

/* Writes ca.pem, server.pem and server-key.pem into @dir (created 0700 if missing): a new
 * local CA (ECDSA P-256, CA:TRUE, pathlen 0, keyCertSign, valid 10 years, subject
 * "CN=Housecall Development CA") and a server certificate signed by it for DNS:localhost,
 * IP:127.0.0.1 and IP:::1 (digitalSignature, serverAuth, valid 825 days). The CA key is not
 * written anywhere (dev certificates only need the CA to verify). server-key.pem is mode
 * 0600. Refuses to overwrite existing files unless @force (G_IO_ERROR_EXISTS); on any error
 * the files already in @dir are left as they were. */
gboolean hc_dev_cert_create (const char  *dir,
                             gboolean     force,
                             GError     **error);

G_END_DECLS
