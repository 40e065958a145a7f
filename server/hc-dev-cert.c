/* hc-dev-cert.c: a local CA and a localhost server certificate for development
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is made in memory first, then the three files are written to temporary files in
 * @dir and only renamed into place when all three are written, so a failure leaves the
 * directory as it was (apart from a rename failing halfway, which needs a broken disk).
 */

#define G_LOG_DOMAIN "hc-dev-cert"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hc-dev-cert.h"

#define CA_DN          "CN=Housecall Development CA"
#define SERVER_DN      "CN=localhost"
#define CA_YEARS       10
#define SERVER_DAYS    825   /* the most Apple's TLS clients accept */
#define SERIAL_BYTES   16

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

typedef struct
{
  const char *name;
  int         mode;
  gboolean    secret;     /* wipe before freeing */
  char       *data;       /* PEM, owned */
  gsize       len;
  char       *tmp_path;   /* owned; set while the temporary file exists */
} OutFile;

static gboolean
gnutls_failed (int          rc,
               const char  *step,
               GError     **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", step, gnutls_strerror (rc));
  return TRUE;
}

static gboolean
set_random_serial (gnutls_x509_crt_t   crt,
                   GError            **error)
{
  guint8 serial[SERIAL_BYTES];

  if (gnutls_failed (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial),
                     "generating a serial number", error))
    return FALSE;
  /* positive and without a leading zero byte, so the DER integer is exactly 16 bytes */
  serial[0] = (serial[0] & 0x7f) | 0x40;
  return !gnutls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial),
                         "setting the serial number", error);
}

static gboolean
set_dn (gnutls_x509_crt_t   crt,
        const char         *dn,
        GError            **error)
{
  const char *err_pos = NULL;
  int rc = gnutls_x509_crt_set_dn (crt, dn, &err_pos);

  if (rc < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "setting the subject %s: %s", dn,
                   gnutls_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

static gnutls_x509_privkey_t
generate_key (const char  *what,
              GError     **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_autofree char *step = g_strdup_printf ("generating the %s key", what);

  if (gnutls_failed (gnutls_x509_privkey_init (&key), step, error) ||
      gnutls_failed (gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                                    GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                    0, NULL, 0),
                     step, error))
    return NULL;
  return g_steal_pointer (&key);
}

/* Version, serial, subject, validity, public key and subject key identifier: what both
 * certificates share. */
static gnutls_x509_crt_t
new_crt (gnutls_x509_privkey_t   key,
         const char             *dn,
         GDateTime              *not_before,
         GDateTime              *not_after,
         GError                **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  guint8 key_id[64];
  size_t key_id_len = sizeof key_id;

  if (gnutls_failed (gnutls_x509_crt_init (&crt), "creating a certificate", error) ||
      gnutls_failed (gnutls_x509_crt_set_version (crt, 3), "setting the version", error) ||
      !set_random_serial (crt, error) ||
      !set_dn (crt, dn, error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (crt,
                                                           g_date_time_to_unix (not_before)),
                     "setting the activation time", error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (crt,
                                                           g_date_time_to_unix (not_after)),
                     "setting the expiration time", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (crt, key), "setting the public key", error) ||
      gnutls_failed (gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, key_id,
                                                 &key_id_len),
                     "computing the key identifier", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_len),
                     "setting the subject key identifier", error))
    return NULL;
  return g_steal_pointer (&crt);
}

static gboolean
export_crt (gnutls_x509_crt_t   crt,
            OutFile            *out,
            GError            **error)
{
  gnutls_datum_t pem = { NULL, 0 };

  if (gnutls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem),
                     "exporting the certificate", error))
    return FALSE;
  out->data = g_strndup ((const char *) pem.data, pem.size);
  out->len = pem.size;
  gnutls_free (pem.data);
  return TRUE;
}

static gboolean
export_key (gnutls_x509_privkey_t   key,
            OutFile                *out,
            GError                **error)
{
  gnutls_datum_t pem = { NULL, 0 };

  /* unencrypted PKCS #8 ("BEGIN PRIVATE KEY"), which every TLS library reads */
  if (gnutls_failed (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                        GNUTLS_PKCS_PLAIN, &pem),
                     "exporting the server key", error))
    return FALSE;
  out->data = g_strndup ((const char *) pem.data, pem.size);
  out->len = pem.size;
  gnutls_memset (pem.data, 0, pem.size);
  gnutls_free (pem.data);
  return TRUE;
}

static gboolean
make_ca (gnutls_x509_crt_t      *ca_out,
         gnutls_x509_privkey_t  *ca_key_out,
         GDateTime              *now,
         GError                **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autoptr(GDateTime) not_after = g_date_time_add_years (now, CA_YEARS);

  key = generate_key ("CA", error);
  if (key == NULL)
    return FALSE;
  crt = new_crt (key, CA_DN, now, not_after, error);
  if (crt == NULL)
    return FALSE;

  /* pathlen 0: it signs server certificates, never another CA */
  if (gnutls_failed (gnutls_x509_crt_set_basic_constraints (crt, 1, 0),
                     "setting the CA basic constraints", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_KEY_CERT_SIGN |
                                                         GNUTLS_KEY_CRL_SIGN),
                     "setting the CA key usage", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0),
                     "signing the CA certificate", error))
    return FALSE;

  *ca_out = g_steal_pointer (&crt);
  *ca_key_out = g_steal_pointer (&key);
  return TRUE;
}

static gboolean
make_server (gnutls_x509_crt_t       ca,
             gnutls_x509_privkey_t   ca_key,
             GDateTime              *now,
             OutFile                *cert_out,
             OutFile                *key_out,
             GError                **error)
{
  static const guint8 ipv4_loopback[4] = { 127, 0, 0, 1 };
  static const guint8 ipv6_loopback[16] = { [15] = 1 };
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autoptr(GDateTime) not_after = g_date_time_add_days (now, SERVER_DAYS);
  guint8 ca_key_id[64];
  size_t ca_key_id_len = sizeof ca_key_id;

  key = generate_key ("server", error);
  if (key == NULL)
    return FALSE;
  crt = new_crt (key, SERVER_DN, now, not_after, error);
  if (crt == NULL)
    return FALSE;

  if (gnutls_failed (gnutls_x509_crt_set_basic_constraints (crt, 0, -1),
                     "setting the server basic constraints", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
                     "setting the server key usage", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                     "setting the server extended key usage", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME,
                                                           "localhost", strlen ("localhost"),
                                                           GNUTLS_FSAN_SET),
                     "adding DNS:localhost", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                           ipv4_loopback,
                                                           sizeof ipv4_loopback,
                                                           GNUTLS_FSAN_APPEND),
                     "adding IP:127.0.0.1", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                           ipv6_loopback,
                                                           sizeof ipv6_loopback,
                                                           GNUTLS_FSAN_APPEND),
                     "adding IP:::1", error) ||
      gnutls_failed (gnutls_x509_crt_get_subject_key_id (ca, ca_key_id, &ca_key_id_len, NULL),
                     "reading the CA key identifier", error) ||
      gnutls_failed (gnutls_x509_crt_set_authority_key_id (crt, ca_key_id, ca_key_id_len),
                     "setting the authority key identifier", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (crt, ca, ca_key, GNUTLS_DIG_SHA256, 0),
                     "signing the server certificate", error))
    return FALSE;

  return export_crt (crt, cert_out, error) && export_key (key, key_out, error);
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          errno = EIO;
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
set_io_error (GError     **error,
              int          saved_errno,
              const char  *what,
              const char  *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* A temporary file next to the final one, with its final mode, written and synced. */
static gboolean
write_tmp (const char  *dir,
           OutFile     *out,
           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, out->name, NULL);
  g_autofree char *tmpl = g_strdup_printf ("%s.XXXXXX", path);
  int fd, saved_errno;

  fd = g_mkstemp_full (tmpl, O_WRONLY | O_CLOEXEC, out->mode);
  if (fd < 0)
    return set_io_error (error, errno, "Could not write", path);
  out->tmp_path = g_steal_pointer (&tmpl);

  if (!write_all (fd, out->data, out->len) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      return set_io_error (error, saved_errno, "Could not write", path);
    }
  if (close (fd) != 0)
    return set_io_error (error, errno, "Could not write", path);
  return TRUE;
}

static void
out_file_clear (OutFile *out)
{
  if (out->tmp_path != NULL)
    {
      g_unlink (out->tmp_path);
      g_clear_pointer (&out->tmp_path, g_free);
    }
  if (out->data != NULL && out->secret)
    memset (out->data, 0, out->len);
  g_clear_pointer (&out->data, g_free);
}

/**
 * hc_dev_cert_create:
 * @dir: the directory to write into; created 0700 if missing
 * @force: replace existing files
 * @error: return location for a #GError
 *
 * See hc-dev-cert.h.
 *
 * Returns: %TRUE when all three files were written
 */
gboolean
hc_dev_cert_create (const char  *dir,
                    gboolean     force,
                    GError     **error)
{
  OutFile files[] = {
    { HC_DEV_CERT_CA_FILE,   0644, FALSE, NULL, 0, NULL },
    { HC_DEV_CERT_CERT_FILE, 0644, FALSE, NULL, 0, NULL },
    { HC_DEV_CERT_KEY_FILE,  0600, TRUE,  NULL, 0, NULL },
  };
  g_auto(gnutls_x509_crt_t) ca = NULL;
  g_auto(gnutls_x509_privkey_t) ca_key = NULL;
  g_autoptr(GDateTime) now = NULL;
  gboolean ok = FALSE;
  gsize i;

  g_return_val_if_fail (dir != NULL && *dir != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return set_io_error (error, errno, "Could not create directory", dir);

  /* All or nothing: one existing file and none is written. A file that appears between this
   * check and the rename is replaced; good enough for a developer's certificate directory. */
  for (i = 0; !force && i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s already exists; refusing to replace it", path);
          return FALSE;
        }
      if (errno != ENOENT)
        return set_io_error (error, errno, "Could not check", path);
    }

  /* whole seconds: X.509 times have no fraction. Valid from a day ago, so a laptop whose
   * clock runs up to a day behind still trusts the demo server. */
  now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC - 24 * 3600);

  if (!make_ca (&ca, &ca_key, now, error) ||
      !export_crt (ca, &files[0], error) ||
      !make_server (ca, ca_key, now, &files[1], &files[2], error))
    goto out;
  /* the CA key dies here: nothing else can ever be signed by this CA */
  g_clear_pointer (&ca_key, gnutls_x509_privkey_deinit);

  for (i = 0; i < G_N_ELEMENTS (files); i++)
    if (!write_tmp (dir, &files[i], error))
      goto out;

  for (i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);

      if (g_rename (files[i].tmp_path, path) != 0)
        {
          set_io_error (error, errno, "Could not write", path);
          goto out;
        }
      g_clear_pointer (&files[i].tmp_path, g_free);
    }

  g_debug ("wrote a development CA and localhost certificate to %s", dir);
  ok = TRUE;

out:
  for (i = 0; i < G_N_ELEMENTS (files); i++)
    out_file_clear (&files[i]);
  return ok;
}
