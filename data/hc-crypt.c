/* hc-crypt.c: keys in locked memory, PBKDF2, AES-256-GCM pages and the key file
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-crypt"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "hc-crypt.h"

G_DEFINE_QUARK (hc-crypt-error, hc_crypt_error)

struct _HcCryptKey
{
  guint8                  bytes[HC_CRYPT_KEY_SIZE];
  gnutls_aead_cipher_hd_t aead;       /* GnuTLS keeps its own key schedule; deinit zeroes it */
  GMutex                  lock;
  gsize                   map_size;
};

/* Key file layout, big-endian; the first 36 bytes are the associated data of the wrap. */
#define KEY_FILE_MAGIC       "HCSTKEY\0"
#define KEY_FILE_VERSION     1
#define KEY_FILE_AAD_LEN     36
#define OFF_VERSION          8
#define OFF_ITERATIONS       12
#define OFF_PAGE_SIZE        16
#define OFF_SALT             20
#define OFF_NONCE            36
#define OFF_WRAPPED          48
#define OFF_TAG              80

static guint test_iterations;

/* ------------------------------------------------------------------------------------------ */
/* Keys */

static HcCryptKey *
key_alloc (void)
{
  long page = sysconf (_SC_PAGESIZE);
  gsize size = MAX ((gsize) page, sizeof (HcCryptKey));
  HcCryptKey *key;

  key = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (key == MAP_FAILED)
    g_error ("cannot map memory for a key: %s", g_strerror (errno));
  /* best effort: a small RLIMIT_MEMLOCK makes mlock fail, the key still works */
  if (mlock (key, size) != 0)
    g_debug ("mlock: %s", g_strerror (errno));
#ifdef MADV_DONTDUMP
  madvise (key, size, MADV_DONTDUMP);
#endif
  memset (key, 0, sizeof *key);
  key->map_size = size;
  g_mutex_init (&key->lock);
  return key;
}

static gboolean
key_ready (HcCryptKey *key)
{
  gnutls_datum_t datum = { key->bytes, HC_CRYPT_KEY_SIZE };

  return gnutls_aead_cipher_init (&key->aead, GNUTLS_CIPHER_AES_256_GCM, &datum) == 0;
}

HcCryptKey *
hc_crypt_key_new_from_bytes (const guint8 *bytes)
{
  HcCryptKey *key = key_alloc ();

  memcpy (key->bytes, bytes, HC_CRYPT_KEY_SIZE);
  if (!key_ready (key))
    g_error ("AES-256-GCM is not available in this GnuTLS");
  return key;
}

HcCryptKey *
hc_crypt_key_new_random (GError **error)
{
  HcCryptKey *key = key_alloc ();

  if (gnutls_rnd (GNUTLS_RND_KEY, key->bytes, HC_CRYPT_KEY_SIZE) != 0 || !key_ready (key))
    {
      hc_crypt_key_free (key);
      g_set_error_literal (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED,
                           "cannot generate a database key");
      return NULL;
    }
  return key;
}

void
hc_crypt_key_free (HcCryptKey *key)
{
  gsize size;

  if (key == NULL)
    return;
  if (key->aead != NULL)
    gnutls_aead_cipher_deinit (key->aead);
  g_mutex_clear (&key->lock);
  size = key->map_size;
  gnutls_memset (key, 0, size);
  munlock (key, size);
  munmap (key, size);
}

HcCryptKey *
hc_crypt_key_derive (HcCryptKey    *key,
                     const guint8  *info,
                     gsize          info_len,
                     GError       **error)
{
  gnutls_datum_t prk = { key->bytes, HC_CRYPT_KEY_SIZE };
  gnutls_datum_t context = { (unsigned char *) info, info_len };
  HcCryptKey *derived = key_alloc ();
  int rc = gnutls_hkdf_expand (GNUTLS_MAC_SHA256, &prk, &context, derived->bytes,
                               HC_CRYPT_KEY_SIZE);

  if (rc != 0)
    {
      hc_crypt_key_free (derived);
      g_set_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED, "key derivation failed: %s",
                   gnutls_strerror (rc));
      return NULL;
    }
  return derived;
}

void
hc_crypt_hmac (HcCryptKey   *key,
               const void   *data,
               gsize         len,
               guint8       *out)
{
  /* SHA-256 HMAC is always there (the key file's PBKDF2 needs it) */
  if (gnutls_hmac_fast (GNUTLS_MAC_SHA256, key->bytes, HC_CRYPT_KEY_SIZE, data, len, out) != 0)
    g_error ("HMAC-SHA256 is not available in this GnuTLS");
}

gboolean
hc_crypt_pbkdf2 (const char    *passphrase,
                 gsize          passphrase_len,
                 const guint8  *salt,
                 gsize          salt_len,
                 guint          iterations,
                 guint8        *out,
                 gsize          out_len,
                 GError       **error)
{
  gnutls_datum_t key = { (unsigned char *) passphrase, passphrase_len };
  gnutls_datum_t s = { (unsigned char *) salt, salt_len };
  int rc = gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &s, iterations, out, out_len);

  if (rc != 0)
    {
      g_set_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED, "key derivation failed: %s",
                   gnutls_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* AES-256-GCM */

gboolean
hc_crypt_seal (HcCryptKey    *key,
               const guint8  *nonce,
               const guint8  *aad,
               gsize          aad_len,
               guint8        *data,
               gsize          len,
               guint8        *tag)
{
  giovec_t auth = { (void *) aad, aad_len };
  giovec_t iov = { data, len };
  size_t tag_size = HC_CRYPT_TAG_SIZE;
  int rc;

  g_mutex_lock (&key->lock);
  rc = gnutls_aead_cipher_encryptv2 (key->aead, nonce, HC_CRYPT_NONCE_SIZE, &auth, 1, &iov, 1,
                                     tag, &tag_size);
  g_mutex_unlock (&key->lock);
  return rc == 0 && tag_size == HC_CRYPT_TAG_SIZE;
}

gboolean
hc_crypt_open (HcCryptKey    *key,
               const guint8  *nonce,
               const guint8  *aad,
               gsize          aad_len,
               guint8        *data,
               gsize          len,
               const guint8  *tag)
{
  giovec_t auth = { (void *) aad, aad_len };
  giovec_t iov = { data, len };
  int rc;

  g_mutex_lock (&key->lock);
  rc = gnutls_aead_cipher_decryptv2 (key->aead, nonce, HC_CRYPT_NONCE_SIZE, &auth, 1, &iov, 1,
                                     (void *) tag, HC_CRYPT_TAG_SIZE);
  g_mutex_unlock (&key->lock);
  return rc == 0;
}

gboolean
hc_crypt_page_seal (HcCryptKey    *key,
                    guint8        *page,
                    gsize          page_size,
                    const guint8  *aad,
                    gsize          aad_len,
                    const guint8  *nonce)
{
  gsize content = page_size - HC_CRYPT_RESERVE;
  guint8 *trailer = page + content;

  g_return_val_if_fail (page_size > HC_CRYPT_RESERVE, FALSE);

  if (nonce != NULL)
    memcpy (trailer, nonce, HC_CRYPT_NONCE_SIZE);
  else if (gnutls_rnd (GNUTLS_RND_NONCE, trailer, HC_CRYPT_NONCE_SIZE) != 0)
    return FALSE;
  memset (trailer + HC_CRYPT_NONCE_SIZE + HC_CRYPT_TAG_SIZE, 0,
          HC_CRYPT_RESERVE - HC_CRYPT_NONCE_SIZE - HC_CRYPT_TAG_SIZE);
  return hc_crypt_seal (key, trailer, aad, aad_len, page, content, trailer + HC_CRYPT_NONCE_SIZE);
}

gboolean
hc_crypt_page_open (HcCryptKey    *key,
                    guint8        *page,
                    gsize          page_size,
                    const guint8  *aad,
                    gsize          aad_len)
{
  gsize content = page_size - HC_CRYPT_RESERVE;
  guint8 trailer[HC_CRYPT_RESERVE];

  g_return_val_if_fail (page_size > HC_CRYPT_RESERVE, FALSE);

  memcpy (trailer, page + content, HC_CRYPT_RESERVE);
  memset (page + content, 0, HC_CRYPT_RESERVE);
  if (!hc_crypt_open (key, trailer, aad, aad_len, page, content, trailer + HC_CRYPT_NONCE_SIZE))
    {
      memset (page, 0, page_size);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The key file */

gboolean
hc_crypt_check_new_passphrase (const char  *passphrase,
                               GError     **error)
{
  if (passphrase == NULL || g_utf8_strlen (passphrase, -1) < HC_CRYPT_MIN_PASSPHRASE)
    {
      g_set_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WEAK_PASSPHRASE,
                   "the passphrase must have at least %d characters", HC_CRYPT_MIN_PASSPHRASE);
      return FALSE;
    }
  return TRUE;
}

/* The key-encryption key for @header's salt and iteration count. */
static HcCryptKey *
derive_kek (const char    *passphrase,
            const guint8  *header,
            GError       **error)
{
  HcCryptKey *kek = key_alloc ();

  if (!hc_crypt_pbkdf2 (passphrase, strlen (passphrase), header + OFF_SALT, HC_CRYPT_SALT_SIZE,
                        GUINT32_FROM_BE (*(guint32 *) (header + OFF_ITERATIONS)), kek->bytes,
                        HC_CRYPT_KEY_SIZE, error))
    {
      hc_crypt_key_free (kek);
      return NULL;
    }
  if (!key_ready (kek))
    {
      hc_crypt_key_free (kek);
      g_set_error_literal (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED, "AES-256-GCM failed");
      return NULL;
    }
  return kek;
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  v = GUINT32_TO_BE (v);
  memcpy (p, &v, 4);
}

static guint32
get_be32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_BE (v);
}

static gboolean
write_key_file (const char    *path,
                HcCryptKey    *key,
                const char    *passphrase,
                guint          iterations,
                guint          page_size,
                GError       **error)
{
  guint8 file[HC_CRYPT_KEY_FILE_SIZE] = { 0 };
  HcCryptKey *kek;
  gboolean ok;

  memcpy (file, KEY_FILE_MAGIC, 8);
  put_be32 (file + OFF_VERSION, KEY_FILE_VERSION);
  put_be32 (file + OFF_ITERATIONS, iterations);
  put_be32 (file + OFF_PAGE_SIZE, page_size);
  if (gnutls_rnd (GNUTLS_RND_RANDOM, file + OFF_SALT, HC_CRYPT_SALT_SIZE) != 0 ||
      gnutls_rnd (GNUTLS_RND_NONCE, file + OFF_NONCE, HC_CRYPT_NONCE_SIZE) != 0)
    {
      g_set_error_literal (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED, "no random numbers");
      return FALSE;
    }
  if ((kek = derive_kek (passphrase, file, error)) == NULL)
    return FALSE;
  memcpy (file + OFF_WRAPPED, key->bytes, HC_CRYPT_KEY_SIZE);
  ok = hc_crypt_seal (kek, file + OFF_NONCE, file, KEY_FILE_AAD_LEN, file + OFF_WRAPPED,
                      HC_CRYPT_KEY_SIZE, file + OFF_TAG);
  hc_crypt_key_free (kek);
  if (!ok)
    {
      gnutls_memset (file, 0, sizeof file);
      g_set_error_literal (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_FAILED, "cannot wrap the key");
      return FALSE;
    }
  /* written to a temporary file, synced, renamed over the old one */
  return g_file_set_contents_full (path, (const char *) file, sizeof file,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

gboolean
hc_crypt_key_file_write (const char  *path,
                         HcCryptKey  *key,
                         const char  *passphrase,
                         guint        page_size,
                         GError     **error)
{
  if (!hc_crypt_check_new_passphrase (passphrase, error))
    return FALSE;
  return write_key_file (path, key, passphrase,
                         test_iterations ? test_iterations : HC_CRYPT_KDF_ITERATIONS,
                         page_size, error);
}

static HcCryptKey *
unlock_key_file (const char  *path,
                 const char  *passphrase,
                 guint       *page_size,
                 guint       *iterations,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint8 file[HC_CRYPT_KEY_FILE_SIZE];
  guint8 plain[HC_CRYPT_KEY_SIZE];
  HcCryptKey *kek, *key;
  gboolean ok;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (length != HC_CRYPT_KEY_FILE_SIZE || memcmp (contents, KEY_FILE_MAGIC, 8) != 0)
    {
      g_set_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_BAD_KEY_FILE,
                   "%s is not a Housecall key file", path);
      return NULL;
    }
  memcpy (file, contents, sizeof file);
  if (get_be32 (file + OFF_VERSION) != KEY_FILE_VERSION ||
      get_be32 (file + OFF_ITERATIONS) == 0 ||
      get_be32 (file + OFF_PAGE_SIZE) < 512 || get_be32 (file + OFF_PAGE_SIZE) > 65536)
    {
      g_set_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_BAD_KEY_FILE,
                   "%s: unknown key file version", path);
      return NULL;
    }
  if ((kek = derive_kek (passphrase, file, error)) == NULL)
    return NULL;
  memcpy (plain, file + OFF_WRAPPED, sizeof plain);
  ok = hc_crypt_open (kek, file + OFF_NONCE, file, KEY_FILE_AAD_LEN, plain, sizeof plain,
                      file + OFF_TAG);
  hc_crypt_key_free (kek);
  if (!ok)
    {
      gnutls_memset (plain, 0, sizeof plain);
      g_set_error_literal (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WRONG_PASSPHRASE,
                           "wrong passphrase");
      return NULL;
    }
  key = hc_crypt_key_new_from_bytes (plain);
  gnutls_memset (plain, 0, sizeof plain);
  if (page_size)
    *page_size = get_be32 (file + OFF_PAGE_SIZE);
  if (iterations)
    *iterations = get_be32 (file + OFF_ITERATIONS);
  return key;
}

HcCryptKey *
hc_crypt_key_file_unlock (const char  *path,
                          const char  *passphrase,
                          guint       *page_size,
                          GError     **error)
{
  return unlock_key_file (path, passphrase, page_size, NULL, error);
}

gboolean
hc_crypt_key_file_rewrap (const char  *path,
                          const char  *old_passphrase,
                          const char  *new_passphrase,
                          GError     **error)
{
  HcCryptKey *key;
  guint page_size = 0, iterations = 0;
  gboolean ok;

  if (!hc_crypt_check_new_passphrase (new_passphrase, error))
    return FALSE;
  key = unlock_key_file (path, old_passphrase, &page_size, &iterations, error);
  if (key == NULL)
    return FALSE;
  /* never fewer iterations than the file had; fresh salt and nonce */
  ok = write_key_file (path, key, new_passphrase,
                       MAX (iterations, test_iterations ? test_iterations
                                                        : HC_CRYPT_KDF_ITERATIONS),
                       page_size, error);
  hc_crypt_key_free (key);
  return ok;
}

void
_hc_crypt_set_test_iterations (guint iterations)
{
  test_iterations = iterations;
}
