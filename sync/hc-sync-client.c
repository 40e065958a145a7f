/* hc-sync-client.c: HTTPS to housecall-server: TLS, login, bearer tokens, JSON requests
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SoupSession, TLS verified against the system CAs or a practice CA file, gzip answers
 * (except on loopback, where compressing costs more than it saves).
 * Access tokens are refreshed silently on a 401 (the refresh token rotates, and the new pair
 * goes to the caller at once). Errors say what a person can do: trust the right CA, fix the
 * clock, log in again. Never logs tokens or bodies.
 */

#define G_LOG_DOMAIN "hc-sync"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "hc-json.h"
#include "hc-sync-client.h"

/* The server keeps refresh tokens 30 days (docs/protocol.md). */
#define REFRESH_LIFETIME_SECONDS (30 * 24 * 3600)

struct _HcSyncClient
{
  GObject           parent_instance;

  char             *url;
  SoupSession      *session;

  GMutex            lock;        /* tokens and counters */
  char             *access_token;
  char             *refresh_token;
  gint64            issued_at;
  HcSyncTokensFunc  tokens_func;
  gpointer          tokens_data;
  guint             requests;
  guint64           bytes;
};

G_DEFINE_FINAL_TYPE (HcSyncClient, hc_sync_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (hc-sync-error, hc_sync_error)

gboolean
hc_sync_error_is_transient (const GError *error)
{
  return error != NULL && error->domain == HC_SYNC_ERROR &&
         (error->code == HC_SYNC_ERROR_NETWORK || error->code == HC_SYNC_ERROR_SERVER ||
          error->code == HC_SYNC_ERROR_RATE_LIMITED);
}

/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  GTlsCertificateFlags errors;
  gboolean             seen;
} TlsCheck;

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TlsCheck *check = user_data;

  check->errors = errors;
  check->seen = TRUE;
  return FALSE;   /* never accept what did not verify */
}

/* Turns a failed send into an error a person can act on. */
static void
set_transport_error (HcSyncClient  *self,
                     GError        *soup_error,
                     TlsCheck      *check,
                     GError       **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%Y-%m-%d %H:%M");

  if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (soup_error));
      return;
    }
  /* a certificate that failed verification; a handshake cut short by the network (EOF,
   * a truncated record) is the network's fault and worth retrying */
  if (check->seen || g_error_matches (soup_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      GTlsCertificateFlags flags = check->errors;

      g_debug ("TLS failure for %s: flags 0x%x", self->url, flags);
      if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_CLOCK,
                     "the certificate of %s is not valid yet: check this computer's date and "
                     "time (it says %s)", self->url, clock);
      else if (flags & G_TLS_CERTIFICATE_EXPIRED)
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_CLOCK,
                     "the certificate of %s has expired, or this computer's date and time are "
                     "wrong (it says %s)", self->url, clock);
      else if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_UNTRUSTED,
                     "untrusted certificate: %s presents a certificate for another host name",
                     self->url);
      else
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_UNTRUSTED,
                     "untrusted certificate: %s is not signed by a trusted authority (for a "
                     "practice server, give its CA with --ca-file)", self->url);
      return;
    }
  g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NETWORK, "cannot reach %s: %s", self->url,
               soup_error->message);
}

/* Sends @msg; the body as bytes, or NULL with @error. */
static GBytes *
send (HcSyncClient  *self,
      SoupMessage   *msg,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  TlsCheck check = { 0, FALSE };
  GBytes *bytes;
  gulong handler;

  handler = g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), &check);
  bytes = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  g_signal_handler_disconnect (msg, handler);

  g_mutex_lock (&self->lock);
  self->requests++;
  if (bytes)
    self->bytes += g_bytes_get_size (bytes);
  g_mutex_unlock (&self->lock);

  if (bytes == NULL)
    {
      set_transport_error (self, local_error, &check, error);
      return NULL;
    }
  return bytes;
}

/* The answer as a JSON object; with @outer and @inner, see hc_json_parse_keeping_text(). */
static JsonObject *
parse_answer (GBytes      *bytes,
              const char  *outer,
              const char  *inner,
              GError     **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (len == 0)
    return NULL;
  node = outer != NULL ? hc_json_parse_keeping_text (data, len, outer, inner, &local_error)
                       : hc_json_parse (data, len, &local_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_PROTOCOL,
                   "the server's answer is not a JSON object%s%s",
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

static char *
url_for (HcSyncClient *self,
         const char   *path)
{
  return g_strconcat (self->url, path, NULL);
}

static void
store_tokens (HcSyncClient *self,
              JsonObject   *answer)
{
  const char *access = hc_json_get_string (answer, "access_token");
  const char *refresh = hc_json_get_string (answer, "refresh_token");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  hc_sync_client_set_tokens (self, access, refresh, now);
  if (self->tokens_func)
    self->tokens_func (self, access, refresh, now, self->tokens_data);
}

/* POST /auth/token with @form; the answer, or NULL with an error. */
static JsonObject *
token_request (HcSyncClient  *self,
               const char    *form,
               guint         *status,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *url = url_for (self, "/auth/token");
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonObject *answer;

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  bytes = send (self, msg, cancellable, error);
  if (bytes == NULL)
    return NULL;
  *status = soup_message_get_status (msg);
  if (*status >= 500)
    {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_SERVER, "the server failed (HTTP %u)", *status);
      return NULL;
    }
  answer = parse_answer (bytes, NULL, NULL, &parse_error);
  if (answer == NULL)
    answer = json_object_new ();
  return answer;
}

/* Rotates the tokens with the refresh token. */
static gboolean
refresh (HcSyncClient  *self,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree char *refresh_token = NULL;
  g_autofree char *form = NULL;
  g_autoptr(JsonObject) answer = NULL;
  gint64 issued_at;
  guint status = 0;

  g_mutex_lock (&self->lock);
  refresh_token = g_strdup (self->refresh_token);
  issued_at = self->issued_at;
  g_mutex_unlock (&self->lock);

  if (refresh_token == NULL)
    {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_NOT_LOGGED_IN,
                   "not logged in to %s; log in with 'housecall-cli login'", self->url);
      return FALSE;
    }
  form = soup_form_encode ("grant_type", "refresh_token", "refresh_token", refresh_token, NULL);
  answer = token_request (self, form, &status, cancellable, error);
  if (answer == NULL)
    return FALSE;
  if (status == 200 && hc_json_get_string (answer, "access_token") != NULL)
    {
      g_debug ("tokens refreshed");
      store_tokens (self, answer);
      return TRUE;
    }
  if (g_strcmp0 (hc_json_get_string (answer, "error"), "invalid_grant") == 0)
    {
      if (issued_at > 0 &&
          g_get_real_time () / G_USEC_PER_SEC - issued_at >= REFRESH_LIFETIME_SECONDS)
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_LOGIN_EXPIRED,
                     "the login to %s has expired; log in again with 'housecall-cli login'",
                     self->url);
      else
        g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_REVOKED,
                     "%s revoked this device's login; sync is stopped until you log in again "
                     "with 'housecall-cli login'", self->url);
      return FALSE;
    }
  g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_PROTOCOL,
               "refreshing the login failed (HTTP %u)", status);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */

static void
hc_sync_client_finalize (GObject *object)
{
  HcSyncClient *self = HC_SYNC_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->url);
  g_free (self->access_token);
  g_free (self->refresh_token);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hc_sync_client_parent_class)->finalize (object);
}

static void
hc_sync_client_class_init (HcSyncClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_sync_client_finalize;
}

static void
hc_sync_client_init (HcSyncClient *self)
{
  g_mutex_init (&self->lock);
}

static gboolean
is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (address != NULL)
    return g_inet_address_get_is_loopback (address);
  return g_ascii_strcasecmp (host, "localhost") == 0;
}

/**
 * hc_sync_client_new:
 * @url: the server, https://HOST:PORT (a trailing slash is dropped)
 * @ca_file: (nullable): PEM file of the CAs to trust instead of the system's
 *
 * Returns: (transfer full): a client, or %NULL when @url is not an https URL or @ca_file
 * cannot be read.
 */
HcSyncClient *
hc_sync_client_new (const char  *url,
                    const char  *ca_file,
                    GError     **error)
{
  g_autoptr(HcSyncClient) self = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *user_agent = g_strdup_printf ("Housecall/%s", PACKAGE_VERSION);

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 ||
      g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FAILED,
                   "'%s' is not a server address like https://HOST:PORT", url);
      return NULL;
    }
  if (ca_file != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (ca_file);
      g_autofree char *path = g_file_get_path (file);

      /* GTlsFileDatabase wants an absolute path */
      database = g_tls_file_database_new (path, &local_error);
      if (database == NULL)
        {
          g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FAILED,
                       "cannot read the CA file %s: %s", ca_file, local_error->message);
          return NULL;
        }
    }

  self = g_object_new (HC_TYPE_SYNC_CLIENT, NULL);
  self->url = g_strdup (url);
  if (g_str_has_suffix (self->url, "/"))
    self->url[strlen (self->url) - 1] = '\0';
  self->session = soup_session_new_with_options ("timeout", 90, "idle-timeout", 60,
                                                 "user-agent", user_agent, NULL);
  if (database != NULL)
    soup_session_set_tls_database (self->session, database);
  /* gzip shrinks a sync page to an eighth, at a CPU cost on both ends that only pays off
   * when bytes cost something to move: on loopback the answers come plain */
  if (is_loopback (g_uri_get_host (uri)))
    soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  else if (!soup_session_has_feature (self->session, SOUP_TYPE_CONTENT_DECODER))
    soup_session_add_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  return g_steal_pointer (&self);
}

const char *
hc_sync_client_get_url (HcSyncClient *self)
{
  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), NULL);
  return self->url;
}

void
hc_sync_client_set_tokens (HcSyncClient *self,
                           const char   *access_token,
                           const char   *refresh_token,
                           gint64        issued_at)
{
  g_return_if_fail (HC_IS_SYNC_CLIENT (self));

  g_mutex_lock (&self->lock);
  g_free (self->access_token);
  self->access_token = g_strdup (access_token);
  g_free (self->refresh_token);
  self->refresh_token = g_strdup (refresh_token);
  self->issued_at = issued_at;
  g_mutex_unlock (&self->lock);
}

void
hc_sync_client_set_tokens_func (HcSyncClient     *self,
                                HcSyncTokensFunc  func,
                                gpointer          user_data)
{
  g_return_if_fail (HC_IS_SYNC_CLIENT (self));

  self->tokens_func = func;
  self->tokens_data = user_data;
}

char *
hc_sync_client_login (HcSyncClient  *self,
                      const char    *user,
                      const char    *password,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autofree char *form = NULL;
  g_autoptr(JsonObject) answer = NULL;
  const char *code;
  guint status = 0;

  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (user != NULL && password != NULL, NULL);

  form = soup_form_encode ("grant_type", "password", "username", user, "password", password, NULL);
  answer = token_request (self, form, &status, cancellable, error);
  if (answer == NULL)
    return NULL;
  if (status == 200 && hc_json_get_string (answer, "access_token") != NULL &&
      hc_json_get_string (answer, "refresh_token") != NULL)
    {
      store_tokens (self, answer);
      return g_strdup (hc_json_get_string (answer, "role"));
    }
  code = hc_json_get_string (answer, "error");
  if (status == 429)
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_RATE_LIMITED,
                 "too many failed logins for %s; wait 15 minutes", user);
  else if (g_strcmp0 (code, "invalid_grant") == 0)
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_LOGIN,
                 "%s refused the login: wrong user name or password", self->url);
  else
    g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_PROTOCOL,
                 "%s did not accept the login (HTTP %u%s%s)", self->url, status,
                 code ? ", " : "", code ? code : "");
  return NULL;
}

gboolean
hc_sync_client_logout (HcSyncClient  *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *url = url_for (self, "/auth/revoke");
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *form = NULL;

  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), FALSE);

  g_mutex_lock (&self->lock);
  form = soup_form_encode ("token", self->refresh_token ? self->refresh_token : "", NULL);
  g_mutex_unlock (&self->lock);
  body = g_bytes_new (form, strlen (form));
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  bytes = send (self, msg, cancellable, error);
  return bytes != NULL;
}

static JsonObject *
request (HcSyncClient  *self,
         const char    *method,
         const char    *path,
         const char    *body,
         gboolean       resources_as_text,
         guint         *status,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree char *url = NULL;

  url = url_for (self, path);
  for (int attempt = 0; ; attempt++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new (method, url);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *auth = NULL;
      SoupMessageHeaders *headers;

      if (msg == NULL)
        {
          g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_FAILED, "bad request path %s", path);
          return NULL;
        }
      headers = soup_message_get_request_headers (msg);
      g_mutex_lock (&self->lock);
      if (self->access_token)
        auth = g_strconcat ("Bearer ", self->access_token, NULL);
      g_mutex_unlock (&self->lock);
      if (auth == NULL && attempt == 0)
        {
          if (!refresh (self, cancellable, error))
            return NULL;
          continue;
        }
      soup_message_headers_replace (headers, "Authorization", auth);
      soup_message_headers_replace (headers, "Accept", "application/fhir+json");
      if (body != NULL)
        {
          g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
          soup_message_set_request_body_from_bytes (msg, "application/fhir+json", b);
        }
      bytes = send (self, msg, cancellable, error);
      if (bytes == NULL)
        return NULL;
      *status = soup_message_get_status (msg);
      if (*status == 401 && attempt == 0)
        {
          /* the access token ran out (15 minutes) or was revoked: rotate once */
          g_debug ("%s %s: 401, refreshing the login", method, path);
          if (!refresh (self, cancellable, error))
            return NULL;
          continue;
        }
      if (*status == 401)
        {
          g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_REVOKED,
                       "%s no longer accepts this device's login; log in again with "
                       "'housecall-cli login'", self->url);
          return NULL;
        }
      if (*status >= 500)
        {
          g_set_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_SERVER, "%s failed (HTTP %u)",
                       self->url, *status);
          return NULL;
        }
      {
        g_autoptr(GError) parse_error = NULL;
        JsonObject *answer = resources_as_text ?
                             parse_answer (bytes, "entry", "resource", &parse_error) :
                             parse_answer (bytes, NULL, NULL, &parse_error);

        if (parse_error != NULL)
          {
            g_propagate_error (error, g_steal_pointer (&parse_error));
            return NULL;
          }
        return answer;
      }
    }
}

JsonObject *
hc_sync_client_request (HcSyncClient  *self,
                        const char    *method,
                        const char    *path,
                        const char    *body,
                        guint         *status,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (status != NULL, NULL);

  return request (self, method, path, body, FALSE, status, cancellable, error);
}

JsonObject *
hc_sync_client_get_bundle (HcSyncClient  *self,
                           const char    *path,
                           guint         *status,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (status != NULL, NULL);

  return request (self, "GET", path, NULL, TRUE, status, cancellable, error);
}

guint
hc_sync_client_get_requests (HcSyncClient *self)
{
  guint n;

  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), 0);
  g_mutex_lock (&self->lock);
  n = self->requests;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
hc_sync_client_get_bytes (HcSyncClient *self)
{
  guint64 n;

  g_return_val_if_fail (HC_IS_SYNC_CLIENT (self), 0);
  g_mutex_lock (&self->lock);
  n = self->bytes;
  g_mutex_unlock (&self->lock);
  return n;
}
