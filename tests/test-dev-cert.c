/* test-dev-cert.c: housecall-server dev-cert: a local CA and a localhost certificate
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hc-dev-cert.h"

#define DAY_SECONDS (24 * 60 * 60)

typedef struct
{
  char *dir;
} Fixture;

static void
trust_list_free (gnutls_x509_trust_list_t list)
{
  gnutls_x509_trust_list_deinit (list, 1);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_trust_list_t, trust_list_free, NULL)

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  /* a directory that does not exist yet, under the per-test one ISOLATE_DIRS removes */
  f->dir = g_build_filename (g_get_user_data_dir (), "housecall", "certs", NULL);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->dir, g_free);
}

static char *
path_in (const char *dir,
         const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (dir, name);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
create (const char *dir,
        gboolean    force)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hc_dev_cert_create (dir, force, &error));
  g_assert_no_error (error);
}

static gnutls_x509_crt_t
load_crt (const char *dir,
          const char *name)
{
  g_autofree char *pem = read_file (dir, name);
  gnutls_datum_t datum = { (unsigned char *) pem, strlen (pem) };
  gnutls_x509_crt_t crt = NULL;

  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  return crt;
}

static GBytes *
serial_of (gnutls_x509_crt_t crt)
{
  guint8 serial[64];
  size_t len = sizeof serial;

  g_assert_cmpint (gnutls_x509_crt_get_serial (crt, serial, &len), ==, 0);
  return g_bytes_new (serial, len);
}

static char *
dn_of (gnutls_x509_crt_t crt,
       gboolean          issuer)
{
  gnutls_datum_t dn = { NULL, 0 };
  char *result;

  if (issuer)
    g_assert_cmpint (gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0), ==, 0);
  else
    g_assert_cmpint (gnutls_x509_crt_get_dn3 (crt, &dn, 0), ==, 0);
  result = g_strndup ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return result;
}

/* The flags gnutls reports for @crt against a trust list holding only @ca_crt. */
static unsigned int
verify_against (gnutls_x509_crt_t crt,
                gnutls_x509_crt_t ca_crt)
{
  g_auto(gnutls_x509_trust_list_t) list = NULL;
  g_auto(gnutls_x509_crt_t) ca_copy = NULL;
  gnutls_datum_t der = { NULL, 0 };
  unsigned int status = ~0u;

  /* the list takes ownership of what it is given */
  g_assert_cmpint (gnutls_x509_crt_export2 (ca_crt, GNUTLS_X509_FMT_DER, &der), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&ca_copy), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (ca_copy, &der, GNUTLS_X509_FMT_DER), ==, 0);
  gnutls_free (der.data);

  g_assert_cmpint (gnutls_x509_trust_list_init (&list, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_trust_list_add_cas (list, &ca_copy, 1, 0), ==, 1);
  ca_copy = NULL;
  g_assert_cmpint (gnutls_x509_trust_list_verify_crt (list, &crt, 1, 0, &status, NULL), ==, 0);
  return status;
}

static gboolean
have_tls (void)
{
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no GIO TLS backend (glib-networking) installed");
      return FALSE;
    }
  return TRUE;
}

static void
test_files (Fixture       *f,
            gconstpointer  data)
{
  static const struct { const char *name; unsigned int mode; const char *begin; } expected[] = {
    { HC_DEV_CERT_CA_FILE,   0644, "-----BEGIN CERTIFICATE-----\n" },
    { HC_DEV_CERT_CERT_FILE, 0644, "-----BEGIN CERTIFICATE-----\n" },
    { HC_DEV_CERT_KEY_FILE,  0600, "-----BEGIN PRIVATE KEY-----\n" },
  };
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  const char *name;
  guint n = 0;

  create (f->dir, FALSE);

  g_assert_cmpint (g_stat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = path_in (f->dir, expected[i].name);
      g_autofree char *pem = read_file (f->dir, expected[i].name);

      g_assert_cmpint (g_lstat (path, &st), ==, 0);
      g_assert_true (S_ISREG (st.st_mode));
      g_assert_cmpint (st.st_mode & 07777, ==, expected[i].mode);   /* main() sets umask 022 */
      g_assert_true (g_str_has_prefix (pem, expected[i].begin));
    }

  /* one certificate each, and the CA key is nowhere */
  {
    g_autofree char *ca = read_file (f->dir, HC_DEV_CERT_CA_FILE);
    g_autofree char *server = read_file (f->dir, HC_DEV_CERT_CERT_FILE);
    g_autofree char *key = read_file (f->dir, HC_DEV_CERT_KEY_FILE);

    g_assert_null (strstr (ca, "PRIVATE"));
    g_assert_null (strstr (server, "PRIVATE"));
    g_assert_null (strstr (ca + 1, "-----BEGIN"));
    g_assert_null (strstr (server + 1, "-----BEGIN"));
    g_assert_null (strstr (key + 1, "-----BEGIN"));
  }

  /* nothing else: no CA key, no leftover temporary files */
  listing = g_dir_open (f->dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_assert_true (g_str_equal (name, HC_DEV_CERT_CA_FILE) ||
                     g_str_equal (name, HC_DEV_CERT_CERT_FILE) ||
                     g_str_equal (name, HC_DEV_CERT_KEY_FILE));
      n++;
    }
  g_assert_cmpuint (n, ==, 3);
}

static void
test_x509 (Fixture       *f,
           gconstpointer  data)
{
  g_auto(gnutls_x509_crt_t) ca = NULL;
  g_auto(gnutls_x509_crt_t) server = NULL;
  g_autofree char *ca_dn = NULL, *ca_issuer = NULL, *server_issuer = NULL, *server_dn = NULL;
  g_autoptr(GBytes) serial = NULL;
  unsigned int critical = 0, key_usage = 0, ca_flag;
  int pathlen = -2;
  char oid[128];
  size_t oid_len = sizeof oid;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 lifetime;
  guint n_dns = 0, n_ip = 0;
  gboolean has_v4 = FALSE, has_v6 = FALSE;

  create (f->dir, FALSE);
  ca = load_crt (f->dir, HC_DEV_CERT_CA_FILE);
  server = load_crt (f->dir, HC_DEV_CERT_CERT_FILE);

  /* the CA: self-signed, CA:TRUE with pathlen 0, keyCertSign, ten years */
  ca_dn = dn_of (ca, FALSE);
  ca_issuer = dn_of (ca, TRUE);
  g_assert_cmpstr (ca_dn, ==, "CN=Housecall Development CA");
  g_assert_cmpstr (ca_issuer, ==, ca_dn);
  g_assert_cmpint (gnutls_x509_crt_get_version (ca), ==, 3);
  ca_flag = gnutls_x509_crt_get_basic_constraints (ca, &critical, NULL, &pathlen);
  g_assert_cmpint (ca_flag, ==, 1);
  g_assert_cmpuint (critical, ==, 1);
  g_assert_cmpint (pathlen, ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_usage (ca, &key_usage, &critical), >=, 0);
  g_assert_true (key_usage & GNUTLS_KEY_KEY_CERT_SIGN);
  g_assert_cmpuint (critical, ==, 1);
  g_assert_cmpint (gnutls_x509_crt_get_pk_algorithm (ca, NULL), ==, GNUTLS_PK_ECDSA);
  g_assert_cmpint (gnutls_x509_crt_get_signature_algorithm (ca), ==, GNUTLS_SIGN_ECDSA_SHA256);
  g_assert_cmpint (gnutls_x509_crt_check_issuer (ca, ca), ==, 1);
  /* valid from a day ago: a client clock a day behind still trusts it */
  g_assert_cmpint (ABS (gnutls_x509_crt_get_activation_time (ca) - (now - DAY_SECONDS)), <, 300);
  lifetime = gnutls_x509_crt_get_expiration_time (ca) - gnutls_x509_crt_get_activation_time (ca);
  g_assert_cmpint (lifetime, >=, 3652 * (gint64) DAY_SECONDS);
  g_assert_cmpint (lifetime, <=, 3653 * (gint64) DAY_SECONDS);

  /* the server certificate: issued by the CA, 825 days, not a CA */
  server_dn = dn_of (server, FALSE);
  server_issuer = dn_of (server, TRUE);
  g_assert_cmpstr (server_dn, ==, "CN=localhost");
  g_assert_cmpstr (server_issuer, ==, ca_dn);
  g_assert_cmpint (gnutls_x509_crt_get_version (server), ==, 3);
  g_assert_cmpint (gnutls_x509_crt_get_basic_constraints (server, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_usage (server, &key_usage, &critical), >=, 0);
  g_assert_cmpuint (key_usage, ==, GNUTLS_KEY_DIGITAL_SIGNATURE);
  g_assert_cmpint (gnutls_x509_crt_get_key_purpose_oid (server, 0, oid, &oid_len, NULL), ==, 0);
  g_assert_cmpstr (oid, ==, GNUTLS_KP_TLS_WWW_SERVER);
  oid_len = sizeof oid;
  g_assert_cmpint (gnutls_x509_crt_get_key_purpose_oid (server, 1, oid, &oid_len, NULL), ==,
                   GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
  g_assert_cmpint (gnutls_x509_crt_get_signature_algorithm (server), ==,
                   GNUTLS_SIGN_ECDSA_SHA256);
  lifetime = gnutls_x509_crt_get_expiration_time (server) -
             gnutls_x509_crt_get_activation_time (server);
  g_assert_cmpint (lifetime, ==, 825 * (gint64) DAY_SECONDS);

  /* a positive 16-byte serial */
  serial = serial_of (server);
  g_assert_cmpuint (g_bytes_get_size (serial), ==, 16);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (serial, NULL))[0] & 0x80, ==, 0);

  /* exactly DNS:localhost, IP:127.0.0.1 and IP:::1 */
  for (unsigned int i = 0;; i++)
    {
      guint8 san[256];
      size_t san_len = sizeof san;
      int type = gnutls_x509_crt_get_subject_alt_name (server, i, san, &san_len, NULL);

      if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        break;
      g_assert_cmpint (type, >=, 0);
      if (type == GNUTLS_SAN_DNSNAME)
        {
          g_assert_cmpmem (san, san_len, "localhost", 9);
          n_dns++;
        }
      else if (type == GNUTLS_SAN_IPADDRESS && san_len == 4)
        {
          g_assert_cmpmem (san, san_len, ((guint8[]) { 127, 0, 0, 1 }), 4);
          has_v4 = TRUE;
          n_ip++;
        }
      else if (type == GNUTLS_SAN_IPADDRESS && san_len == 16)
        {
          g_assert_cmpmem (san, san_len, ((guint8[16]) { [15] = 1 }), 16);
          has_v6 = TRUE;
          n_ip++;
        }
      else
        g_error ("unexpected subject alternative name of type %d", type);
    }
  g_assert_cmpuint (n_dns, ==, 1);
  g_assert_cmpuint (n_ip, ==, 2);
  g_assert_true (has_v4 && has_v6);

  g_assert_true (gnutls_x509_crt_check_hostname (server, "localhost"));
  g_assert_true (gnutls_x509_crt_check_hostname (server, "127.0.0.1"));
  g_assert_true (gnutls_x509_crt_check_hostname (server, "::1"));
  g_assert_false (gnutls_x509_crt_check_hostname (server, "example.com"));
  g_assert_false (gnutls_x509_crt_check_hostname (server, "127.0.0.2"));
  g_assert_false (gnutls_x509_crt_check_hostname (server, "Housecall Development CA"));

  /* the chain verifies, both ways gnutls offers */
  g_assert_cmpuint (verify_against (server, ca), ==, 0);
  {
    unsigned int status = ~0u;

    g_assert_cmpint (gnutls_x509_crt_list_verify (&server, 1, &ca, 1, NULL, 0, 0, &status),
                     ==, 0);
    g_assert_cmpuint (status, ==, 0);
  }
}

static void
test_gio (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = path_in (f->dir, HC_DEV_CERT_CERT_FILE);
  g_autofree char *key_path = path_in (f->dir, HC_DEV_CERT_KEY_FILE);
  g_autofree char *ca_path = path_in (f->dir, HC_DEV_CERT_CA_FILE);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GTlsCertificate) ca = NULL;
  g_autofree char *other_dir = g_build_filename (g_get_user_data_dir (), "other-certs", NULL);
  g_autofree char *other_ca_path = path_in (other_dir, HC_DEV_CERT_CA_FILE);
  g_autoptr(GTlsCertificate) other_ca = NULL;
  g_autoptr(GSocketConnectable) localhost = g_network_address_new ("localhost", 8443);
  g_autoptr(GSocketConnectable) loopback4 = g_network_address_new ("127.0.0.1", 8443);
  g_autoptr(GSocketConnectable) elsewhere = g_network_address_new ("example.com", 8443);
  g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) v4_address = g_inet_socket_address_new (v4, 8443);

  if (!have_tls ())
    return;
  create (f->dir, FALSE);

  cert = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cert);
  ca = g_tls_certificate_new_from_file (ca_path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_tls_certificate_verify (cert, localhost, ca), ==, 0);
  g_assert_cmpint (g_tls_certificate_verify (cert, loopback4, ca), ==, 0);
  g_assert_cmpint (g_tls_certificate_verify (cert, G_SOCKET_CONNECTABLE (v4_address), ca), ==, 0);
  g_assert_cmpint (g_tls_certificate_verify (cert, elsewhere, ca), ==,
                   G_TLS_CERTIFICATE_BAD_IDENTITY);

  /* another development CA does not vouch for it */
  create (other_dir, FALSE);
  other_ca = g_tls_certificate_new_from_file (other_ca_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_tls_certificate_verify (cert, localhost, other_ca), ==,
                   G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
test_no_clobber (Fixture       *f,
                 gconstpointer  data)
{
  static const char * const names[] = {
    HC_DEV_CERT_CA_FILE, HC_DEV_CERT_CERT_FILE, HC_DEV_CERT_KEY_FILE,
  };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) before = g_new0 (char *, G_N_ELEMENTS (names) + 1);
  g_autofree char *ca_path = path_in (f->dir, HC_DEV_CERT_CA_FILE);
  g_autofree char *cert_path = path_in (f->dir, HC_DEV_CERT_CERT_FILE);

  create (f->dir, FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    before[i] = read_file (f->dir, names[i]);

  g_assert_false (hc_dev_cert_create (f->dir, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, f->dir));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *after = read_file (f->dir, names[i]);

      g_assert_cmpstr (after, ==, before[i]);
    }

  /* one file of the three is enough to refuse, and then none is written */
  g_assert_cmpint (g_unlink (ca_path), ==, 0);
  g_assert_cmpint (g_unlink (cert_path), ==, 0);
  g_assert_false (hc_dev_cert_create (f->dir, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, HC_DEV_CERT_KEY_FILE));
  g_assert_false (g_file_test (ca_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *key = read_file (f->dir, HC_DEV_CERT_KEY_FILE);

    g_assert_cmpstr (key, ==, before[2]);
  }
}

static void
test_force (Fixture       *f,
            gconstpointer  data)
{
  g_auto(gnutls_x509_crt_t) old_ca = NULL, old_server = NULL, ca = NULL, server = NULL;
  g_autoptr(GBytes) old_serial = NULL, serial = NULL;
  g_autofree char *old_key = NULL, *key = NULL;
  g_autofree char *key_path = path_in (f->dir, HC_DEV_CERT_KEY_FILE);
  GStatBuf st;

  create (f->dir, FALSE);
  old_ca = load_crt (f->dir, HC_DEV_CERT_CA_FILE);
  old_server = load_crt (f->dir, HC_DEV_CERT_CERT_FILE);
  old_key = read_file (f->dir, HC_DEV_CERT_KEY_FILE);

  /* a looser mode on the old key does not survive */
  g_assert_cmpint (g_chmod (key_path, 0644), ==, 0);

  create (f->dir, TRUE);
  ca = load_crt (f->dir, HC_DEV_CERT_CA_FILE);
  server = load_crt (f->dir, HC_DEV_CERT_CERT_FILE);
  key = read_file (f->dir, HC_DEV_CERT_KEY_FILE);

  old_serial = serial_of (old_server);
  serial = serial_of (server);
  g_assert_false (g_bytes_equal (old_serial, serial));
  g_assert_cmpstr (key, !=, old_key);
  g_assert_cmpint (gnutls_x509_crt_equals (old_ca, ca), ==, 0);
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  /* a new CA too: the new certificate is not trusted by the old one */
  g_assert_cmpuint (verify_against (server, ca), ==, 0);
  g_assert_cmpuint (verify_against (server, old_ca), !=, 0);
}

static void
test_unwritable (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL, *under = NULL;

  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  file = path_in (f->dir, "not-a-directory");
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  under = g_build_filename (file, "certs", NULL);

  g_assert_false (hc_dev_cert_create (under, FALSE, &error));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, under));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  g_assert_false (hc_dev_cert_create (under, TRUE, &error));
  g_assert_nonnull (error);
}

/* End to end: a TLS server on 127.0.0.1 with the generated certificate and a client that
 * trusts only ca.pem */

typedef struct
{
  GSocketListener *listener;
  GTlsCertificate *cert;
  GCancellable    *cancellable;
} Server;

static gpointer
serve_one (gpointer data)
{
  Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GIOStream) tls = NULL;

  conn = g_socket_listener_accept (server->listener, NULL, server->cancellable, &error);
  if (conn == NULL)
    return g_steal_pointer (&error);
  tls = g_tls_server_connection_new (G_IO_STREAM (conn), server->cert, &error);
  if (tls == NULL)
    return g_steal_pointer (&error);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), server->cancellable, &error) ||
      !g_output_stream_write_all (g_io_stream_get_output_stream (tls), "hello\n", 6, NULL,
                                  server->cancellable, &error) ||
      !g_io_stream_close (tls, server->cancellable, &error))
    return g_steal_pointer (&error);
  return NULL;
}

/* Connects to 127.0.0.1:@port expecting @identity and trusting the CA in @ca_path. Returns
 * the server's error, if any; sets @error to the client's. */
static GError *
handshake (GSocketListener     *listener,
           GTlsCertificate     *cert,
           guint16              port,
           GSocketConnectable  *identity,
           const char          *ca_path,
           GError             **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Server server = { listener, cert, cancellable };
  g_autoptr(GThread) thread = g_thread_new ("tls-server", serve_one, &server);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  char buf[16] = { 0, };
  gsize n = 0;

  /* loopback needs no proxy, and looking one up would read GSettings */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 30);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, error);
  if (conn != NULL)
    tls = g_tls_client_connection_new (G_IO_STREAM (conn), identity, error);
  if (tls != NULL)
    database = g_tls_file_database_new (ca_path, error);
  if (database != NULL)
    {
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
      if (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
        {
          g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)),
                           ==, 0);
          g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (tls), buf,
                                                  sizeof buf - 1, &n, NULL, error));
          g_assert_cmpstr (buf, ==, "hello\n");
        }
    }
  if (tls != NULL)
    g_io_stream_close (tls, NULL, NULL);
  else if (conn != NULL)
    g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);

  /* the server may still be in accept() if the client never connected */
  g_cancellable_cancel (cancellable);
  return g_thread_join (g_steal_pointer (&thread));
}

static void
test_handshake (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) server_error = NULL;
  g_autofree char *cert_path = path_in (f->dir, HC_DEV_CERT_CERT_FILE);
  g_autofree char *key_path = path_in (f->dir, HC_DEV_CERT_KEY_FILE);
  g_autofree char *ca_path = path_in (f->dir, HC_DEV_CERT_CA_FILE);
  g_autofree char *other_dir = g_build_filename (g_get_user_data_dir (), "other-certs", NULL);
  g_autofree char *other_ca_path = path_in (other_dir, HC_DEV_CERT_CA_FILE);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketConnectable) localhost = NULL;
  g_autoptr(GSocketConnectable) loopback4 = NULL;
  guint16 port;

  if (!have_tls ())
    return;
  create (f->dir, FALSE);
  create (other_dir, FALSE);

  cert = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_listener_add_address (listener, any_port, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_cmpuint (port, !=, 0);
  localhost = g_network_address_new ("localhost", port);
  loopback4 = g_network_address_new ("127.0.0.1", port);

  /* by name and by address */
  server_error = handshake (listener, cert, port, localhost, ca_path, &error);
  g_assert_no_error (error);
  g_assert_no_error (server_error);
  server_error = handshake (listener, cert, port, loopback4, ca_path, &error);
  g_assert_no_error (error);
  g_assert_no_error (server_error);

  /* a client that trusts another development CA refuses the certificate */
  server_error = handshake (listener, cert, port, localhost, other_ca_path, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (server_error);
  g_clear_error (&error);
  g_clear_error (&server_error);

  g_socket_listener_close (listener);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* so the modes the files get are the ones asked for */
  umask (022);

#define ADD(path, func) \
  g_test_add ("/hc/server/dev-cert/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("files", test_files);
  ADD ("x509", test_x509);
  ADD ("gio", test_gio);
  ADD ("no-clobber", test_no_clobber);
  ADD ("force", test_force);
  ADD ("unwritable", test_unwritable);
  ADD ("handshake", test_handshake);

#undef ADD

  return g_test_run ();
}
