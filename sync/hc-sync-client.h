/* hc-sync-client.h: HTTPS to housecall-server: TLS, login, bearer tokens, JSON requests
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_SYNC_ERROR (hc_sync_error_quark ())

typedef enum
{
  HC_SYNC_ERROR_FAILED,
  HC_SYNC_ERROR_NETWORK,         /* the server cannot be reached; try again later */
  HC_SYNC_ERROR_SERVER,          /* the server failed (5xx); try again later */
  HC_SYNC_ERROR_UNTRUSTED,       /* the server's certificate is not trusted */
  HC_SYNC_ERROR_CLOCK,           /* the certificate is not valid yet or expired: check the clock */
  HC_SYNC_ERROR_BAD_LOGIN,       /* wrong user name or password */
  HC_SYNC_ERROR_LOGIN_EXPIRED,   /* the login ran out: log in again */
  HC_SYNC_ERROR_REVOKED,         /* the server revoked this device's login */
  HC_SYNC_ERROR_NOT_LOGGED_IN,
  HC_SYNC_ERROR_FORBIDDEN,
  HC_SYNC_ERROR_PROTOCOL,        /* an answer this client does not understand */
  HC_SYNC_ERROR_RATE_LIMITED,    /* too many failed logins: wait */
} HcSyncError;

GQuark hc_sync_error_quark (void);
/* Worth retrying later (network or server trouble), as opposed to needing a person. */
gboolean hc_sync_error_is_transient (const GError *error);

#define HC_TYPE_SYNC_CLIENT (hc_sync_client_get_type ())

G_DECLARE_FINAL_TYPE (HcSyncClient, hc_sync_client, HC, SYNC_CLIENT, GObject)

/* @url: https://HOST:PORT; @ca_file: a PEM file of CAs to trust instead of the system's, or
 * NULL. Sends from any one thread at a time (libsoup 3.2). */
HcSyncClient *hc_sync_client_new           (const char    *url,
                                            const char    *ca_file,
                                            GError       **error);
const char   *hc_sync_client_get_url       (HcSyncClient  *self);

/* The tokens to use; @issued_at is when the refresh token was issued (unix seconds). */
void          hc_sync_client_set_tokens    (HcSyncClient  *self,
                                            const char    *access_token,
                                            const char    *refresh_token,
                                            gint64         issued_at);
/* Called (on the sending thread) whenever the tokens change: after a login or a silent
 * refresh, which rotates the refresh token, so the caller must store them at once. */
typedef void (*HcSyncTokensFunc) (HcSyncClient *client,
                                  const char   *access_token,
                                  const char   *refresh_token,
                                  gint64        issued_at,
                                  gpointer      user_data);
void          hc_sync_client_set_tokens_func (HcSyncClient    *self,
                                            HcSyncTokensFunc func,
                                            gpointer         user_data);

/* POST /auth/token with a password; returns the role. */
char         *hc_sync_client_login         (HcSyncClient  *self,
                                            const char    *user,
                                            const char    *password,
                                            GCancellable  *cancellable,
                                            GError       **error);
/* POST /auth/revoke of the refresh token. */
gboolean      hc_sync_client_logout        (HcSyncClient  *self,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* A FHIR request with the bearer token (refreshed once on 401). @body: JSON text or NULL.
 * Returns the answer's JSON object (NULL with no error for an empty body) and its status in
 * *@status; transport failures, 401 after a refresh and 5xx are errors. */
JsonObject   *hc_sync_client_request       (HcSyncClient  *self,
                                            const char    *method,
                                            const char    *path,
                                            const char    *body,
                                            guint         *status,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* GET of a Bundle, as hc_sync_client_request(), whose entries' resources stay JSON text
 * when they are compact (hc_json_parse_keeping_text): a sync page, read without building
 * every resource. */
JsonObject   *hc_sync_client_get_bundle    (HcSyncClient  *self,
                                            const char    *path,
                                            guint         *status,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* Requests sent and answer bytes received (after decompression) so far. */
guint         hc_sync_client_get_requests  (HcSyncClient  *self);
guint64       hc_sync_client_get_bytes     (HcSyncClient  *self);

G_END_DECLS
