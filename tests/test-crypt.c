/* test-crypt.c: keys, the key file, the page cipher and the encrypted store on disk
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hc-crypt.h"
#include "hc-test-utils.h"

static void
unhex (const char *hex,
       guint8     *out,
       gsize       len)
{
  g_assert_cmpuint (strlen (hex), ==, len * 2);
  for (gsize i = 0; i < len; i++)
    out[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]);
}

static char *
tohex (const guint8 *data,
       gsize         len)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* PBKDF2-HMAC-SHA256 vectors in the style of RFC 6070 (published for SHA-256 in RFC 7914 §11
 * and elsewhere; checked against Python's hashlib). */
static void
test_pbkdf2_vectors (void)
{
  static const struct {
    const char *p; gsize plen; const char *s; gsize slen; guint c; const char *dk;
  } v[] = {
    { "password", 8, "salt", 4, 1,
      "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b" },
    { "password", 8, "salt", 4, 4096,
      "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a" },
    { "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
      "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9" },
    { "pass\0word", 9, "sa\0lt", 5, 4096, "89b69d0516f829893c696226650a8687" },
    /* RFC 7914 §11 */
    { "passwd", 6, "salt", 4, 1,
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = strlen (v[i].dk) / 2;
      g_autofree guint8 *out = g_malloc (len);
      g_autofree char *hex = NULL;

      g_assert_true (hc_crypt_pbkdf2 (v[i].p, v[i].plen, (const guint8 *) v[i].s, v[i].slen,
                                      v[i].c, out, len, &error));
      g_assert_no_error (error);
      hex = tohex (out, len);
      g_assert_cmpstr (hex, ==, v[i].dk);
    }
}

/* AES-256-GCM: test case 16 of McGrew and Viega's GCM specification (AES-256, 96-bit IV,
 * 20 bytes of associated data). */
static void
test_gcm_vector (void)
{
  guint8 k[32], nonce[12], aad[20], data[60], tag[16];
  g_autofree char *ct = NULL, *tag_hex = NULL;
  HcCryptKey *key;

  unhex ("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", k, 32);
  unhex ("cafebabefacedbaddecaf888", nonce, 12);
  unhex ("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
  unhex ("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
         "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", data, 60);
  key = hc_crypt_key_new_from_bytes (k);
  g_assert_true (hc_crypt_seal (key, nonce, aad, sizeof aad, data, sizeof data, tag));
  ct = tohex (data, sizeof data);
  tag_hex = tohex (tag, sizeof tag);
  g_assert_cmpstr (ct, ==, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                           "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
  g_assert_cmpstr (tag_hex, ==, "76fc6ece0f4e1768cddf8853bb2d551b");

  g_assert_true (hc_crypt_open (key, nonce, aad, sizeof aad, data, sizeof data, tag));
  g_assert_cmphex (data[0], ==, 0xd9);
  hc_crypt_key_free (key);
}

static void
fill_page (guint8 *page)
{
  for (guint i = 0; i < HC_CRYPT_PAGE_SIZE; i++)
    page[i] = i < HC_CRYPT_PAGE_SIZE - HC_CRYPT_RESERVE ? (i * 7 + 3) & 0xff : 0;
}

/* The page layout: ciphertext, then nonce, tag and four zero bytes; the expected values were
 * computed with an independent AES-GCM (Python cryptography). */
static void
test_page_vector (void)
{
  g_autofree guint8 *page = g_malloc (HC_CRYPT_PAGE_SIZE);
  guint8 k[32], nonce[12], aad[8] = { 'H', 'C', 'D', 'B', 0, 0, 0, 7 };
  g_autofree char *digest = NULL, *head = NULL, *tag = NULL;
  HcCryptKey *key;

  for (guint i = 0; i < 32; i++)
    k[i] = i;
  for (guint i = 0; i < 12; i++)
    nonce[i] = 100 + i;
  key = hc_crypt_key_new_from_bytes (k);
  fill_page (page);
  g_assert_true (hc_crypt_page_seal (key, page, HC_CRYPT_PAGE_SIZE, aad, sizeof aad, nonce));
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, page, HC_CRYPT_PAGE_SIZE);
  head = tohex (page, 16);
  tag = tohex (page + HC_CRYPT_PAGE_SIZE - HC_CRYPT_RESERVE + 12, 16);
  g_assert_cmpstr (head, ==, "4b11cf7e66cf7baa052016b88d3b0f91");
  g_assert_cmpstr (tag, ==, "c9a4c46035ac052af7dc8ee8fe6fccf6");
  g_assert_cmpstr (digest, ==, "dcf880d23d2e929cfd84e36d37be17b1a71fb1eaea47d64058c783251e2f0551");

  g_assert_true (hc_crypt_page_open (key, page, HC_CRYPT_PAGE_SIZE, aad, sizeof aad));
  {
    g_autofree guint8 *expect = g_malloc (HC_CRYPT_PAGE_SIZE);
    fill_page (expect);
    g_assert_cmpmem (page, HC_CRYPT_PAGE_SIZE, expect, HC_CRYPT_PAGE_SIZE);
  }
  hc_crypt_key_free (key);
}

/* A flipped bit anywhere in content, nonce or tag, or another page number: refused, and the
 * page comes back zeroed rather than half-decrypted. Two seals never repeat a nonce. */
static void
test_page_tamper (void)
{
  g_autofree guint8 *sealed = g_malloc (HC_CRYPT_PAGE_SIZE);
  g_autofree guint8 *page = g_malloc (HC_CRYPT_PAGE_SIZE);
  g_autofree guint8 *again = g_malloc (HC_CRYPT_PAGE_SIZE);
  guint8 aad[8] = { 'H', 'C', 'D', 'B', 0, 0, 0, 3 };
  guint8 other[8] = { 'H', 'C', 'D', 'B', 0, 0, 0, 4 };
  gsize spots[] = { 0, 100, HC_CRYPT_PAGE_SIZE - HC_CRYPT_RESERVE - 1,
                    HC_CRYPT_PAGE_SIZE - HC_CRYPT_RESERVE,          /* nonce */
                    HC_CRYPT_PAGE_SIZE - HC_CRYPT_RESERVE + 12 };   /* tag */
  g_autoptr(GError) error = NULL;
  HcCryptKey *key = hc_crypt_key_new_random (&error);

  g_assert_no_error (error);
  fill_page (sealed);
  memcpy (again, sealed, HC_CRYPT_PAGE_SIZE);
  g_assert_true (hc_crypt_page_seal (key, sealed, HC_CRYPT_PAGE_SIZE, aad, 8, NULL));
  g_assert_true (hc_crypt_page_seal (key, again, HC_CRYPT_PAGE_SIZE, aad, 8, NULL));
  g_assert_true (memcmp (sealed, again, HC_CRYPT_PAGE_SIZE) != 0);

  for (guint i = 0; i < G_N_ELEMENTS (spots); i++)
    {
      memcpy (page, sealed, HC_CRYPT_PAGE_SIZE);
      page[spots[i]] ^= 0x01;
      g_assert_false (hc_crypt_page_open (key, page, HC_CRYPT_PAGE_SIZE, aad, 8));
      for (guint j = 0; j < HC_CRYPT_PAGE_SIZE; j++)
        g_assert_cmpint (page[j], ==, 0);
    }
  memcpy (page, sealed, HC_CRYPT_PAGE_SIZE);
  g_assert_false (hc_crypt_page_open (key, page, HC_CRYPT_PAGE_SIZE, other, 8));
  memcpy (page, sealed, HC_CRYPT_PAGE_SIZE);
  g_assert_true (hc_crypt_page_open (key, page, HC_CRYPT_PAGE_SIZE, aad, 8));
  hc_crypt_key_free (key);
}

static char *
file_digest (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) contents, len);
}

/* The key file at the real iteration count: unlock under a second (the benchmark has the
 * figure), a wrong passphrase is told apart and changes nothing, a rewrap keeps the key. */
static void
test_key_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("key");
  g_autofree char *path = g_build_filename (dir, "housecall.key", NULL);
  g_autofree char *before = NULL, *after = NULL;
  guint8 page[HC_CRYPT_PAGE_SIZE];
  guint8 aad[4] = { 1, 2, 3, 4 };
  HcCryptKey *key = hc_crypt_key_new_random (&error), *back;
  guint page_size = 0;
  gint64 start;

  g_assert_no_error (error);
  g_assert_false (hc_crypt_key_file_write (path, key, "short", HC_CRYPT_PAGE_SIZE, &error));
  g_assert_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WEAK_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (hc_crypt_key_file_write (path, key, "correct horse", HC_CRYPT_PAGE_SIZE,
                                          &error));
  g_assert_no_error (error);
  memset (page, 0x5a, sizeof page);
  g_assert_true (hc_crypt_page_seal (key, page, sizeof page, aad, 4, NULL));
  hc_crypt_key_free (key);

  before = file_digest (path);
  back = hc_crypt_key_file_unlock (path, "correct horsf", NULL, &error);
  g_assert_null (back);
  g_assert_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (hc_crypt_key_file_rewrap (path, "wrong passphrase", "new passphrase", &error));
  g_assert_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  after = file_digest (path);
  g_assert_cmpstr (before, ==, after);

  start = g_get_monotonic_time ();
  back = hc_crypt_key_file_unlock (path, "correct horse", &page_size, &error);
  g_assert_no_error (error);
  g_test_message ("unlock at %d iterations: %.0f ms", HC_CRYPT_KDF_ITERATIONS,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (page_size, ==, HC_CRYPT_PAGE_SIZE);
  hc_crypt_key_free (back);

  g_assert_true (hc_crypt_key_file_rewrap (path, "correct horse", "battery staple", &error));
  g_assert_no_error (error);
  g_assert_null (hc_crypt_key_file_unlock (path, "correct horse", NULL, &error));
  g_assert_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  back = hc_crypt_key_file_unlock (path, "battery staple", NULL, &error);
  g_assert_no_error (error);
  /* the same database key: the page sealed before the rewrap opens */
  g_assert_true (hc_crypt_page_open (back, page, sizeof page, aad, 4));
  g_assert_cmpint (page[0], ==, 0x5a);
  hc_crypt_key_free (back);

  /* a file that is not a key file */
  g_assert_true (g_file_set_contents (path, "SQLite format 3", -1, NULL));
  g_assert_null (hc_crypt_key_file_unlock (path, "battery staple", NULL, &error));
  g_assert_error (error, HC_CRYPT_ERROR, HC_CRYPT_ERROR_BAD_KEY_FILE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/data/crypt/pbkdf2-vectors", test_pbkdf2_vectors);
  g_test_add_func ("/hc/data/crypt/gcm-vector", test_gcm_vector);
  g_test_add_func ("/hc/data/crypt/page-vector", test_page_vector);
  g_test_add_func ("/hc/data/crypt/page-tamper", test_page_tamper);
  g_test_add_func ("/hc/data/crypt/key-file", test_key_file);
  return g_test_run ();
}
