/* hc-crypt.h: keys, the key file and the encrypting SQLite VFS of the chart store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/store.md describes the formats. The database key never leaves locked memory: it is
 * wrapped on disk by a key derived from the passphrase, and wiped (gnutls_memset) when freed.
 */

#pragma once

#include <sqlite3.h>
#include <glib.h>

G_BEGIN_DECLS

#define HC_CRYPT_ERROR (hc_crypt_error_quark ())

typedef enum
{
  HC_CRYPT_ERROR_FAILED,
  HC_CRYPT_ERROR_WRONG_PASSPHRASE,   /* the key file did not open with this passphrase */
  HC_CRYPT_ERROR_BAD_KEY_FILE,       /* not a key file, or a version this build does not know */
  HC_CRYPT_ERROR_WEAK_PASSPHRASE,    /* a new passphrase shorter than HC_CRYPT_MIN_PASSPHRASE */
} HcCryptError;

#define HC_CRYPT_KEY_SIZE        32      /* AES-256 */
#define HC_CRYPT_NONCE_SIZE      12
#define HC_CRYPT_TAG_SIZE        16
#define HC_CRYPT_SALT_SIZE       16
#define HC_CRYPT_RESERVE         32      /* per page: nonce, tag, 4 bytes zero */
#define HC_CRYPT_PAGE_SIZE       4096
#define HC_CRYPT_KDF_ITERATIONS  600000
#define HC_CRYPT_MIN_PASSPHRASE  8
#define HC_CRYPT_KEY_FILE_SIZE   96

/* A 256-bit key in locked, non-dumpable memory. */
typedef struct _HcCryptKey HcCryptKey;

GQuark       hc_crypt_error_quark         (void);

HcCryptKey  *hc_crypt_key_new_random      (GError        **error);
HcCryptKey  *hc_crypt_key_new_from_bytes  (const guint8   *bytes);
void         hc_crypt_key_free            (HcCryptKey     *key);

/* A key for another purpose derived from @key: HKDF-Expand-SHA256 (RFC 5869 §2.3, SP 800-56C)
 * with @info as the context. @key is already uniformly random, so the extract step is
 * skipped (RFC 5869 §3.3). The new key cannot seal pages. */
HcCryptKey  *hc_crypt_key_derive          (HcCryptKey     *key,
                                           const guint8   *info,
                                           gsize           info_len,
                                           GError        **error);
/* HMAC-SHA256 of @data under @key into @out (32 bytes). */
void         hc_crypt_hmac                (HcCryptKey     *key,
                                           const void     *data,
                                           gsize           len,
                                           guint8         *out);

/* PBKDF2-HMAC-SHA256 into @out (@out_len bytes). */
gboolean     hc_crypt_pbkdf2              (const char     *passphrase,
                                           gsize           passphrase_len,
                                           const guint8   *salt,
                                           gsize           salt_len,
                                           guint           iterations,
                                           guint8         *out,
                                           gsize           out_len,
                                           GError        **error);

/* AES-256-GCM in place over @data; the tag goes to / comes from @tag. open() returns FALSE
 * when the tag does not match (then @data is garbage). */
gboolean     hc_crypt_seal                (HcCryptKey     *key,
                                           const guint8   *nonce,
                                           const guint8   *aad,
                                           gsize           aad_len,
                                           guint8         *data,
                                           gsize           len,
                                           guint8         *tag);
gboolean     hc_crypt_open                (HcCryptKey     *key,
                                           const guint8   *nonce,
                                           const guint8   *aad,
                                           gsize           aad_len,
                                           guint8         *data,
                                           gsize           len,
                                           const guint8   *tag);

/* A page of @page_size bytes whose last HC_CRYPT_RESERVE bytes SQLite leaves unused: the
 * content is encrypted in place, the nonce and tag are stored in the reserved bytes.
 * @nonce NULL: a fresh random one (known-answer tests pass their own). */
gboolean     hc_crypt_page_seal           (HcCryptKey     *key,
                                           guint8         *page,
                                           gsize           page_size,
                                           const guint8   *aad,
                                           gsize           aad_len,
                                           const guint8   *nonce);
/* Decrypts in place and zeroes the reserved bytes; FALSE when the page was altered, moved
 * or damaged (the page is then zeroed, never handed out half-decrypted). */
gboolean     hc_crypt_page_open           (HcCryptKey     *key,
                                           guint8         *page,
                                           gsize           page_size,
                                           const guint8   *aad,
                                           gsize           aad_len);

/* The key file: the database key wrapped under a passphrase. */
gboolean     hc_crypt_key_file_write      (const char     *path,
                                           HcCryptKey     *key,
                                           const char     *passphrase,
                                           guint           page_size,
                                           GError        **error);
HcCryptKey  *hc_crypt_key_file_unlock     (const char     *path,
                                           const char     *passphrase,
                                           guint          *page_size,
                                           GError        **error);
/* Rewraps the key under @new_passphrase (atomically replacing the file); the database is
 * untouched. */
gboolean     hc_crypt_key_file_rewrap     (const char     *path,
                                           const char     *old_passphrase,
                                           const char     *new_passphrase,
                                           GError        **error);
gboolean     hc_crypt_check_new_passphrase (const char    *passphrase,
                                           GError        **error);

/* hc-crypt-vfs.c: a VFS over the default one that encrypts every page of the main database
 * and every WAL frame, and refuses to open any other file. One VFS per open database: it owns
 * @key. */
typedef struct _HcCryptVfs HcCryptVfs;

HcCryptVfs  *hc_crypt_vfs_new             (HcCryptKey     *key,
                                           guint           page_size);
const char  *hc_crypt_vfs_get_name        (HcCryptVfs     *vfs);
/* The last page that failed authentication ("housecall.db page 7"), or NULL. */
char        *hc_crypt_vfs_describe_damage (HcCryptVfs     *vfs);
void         hc_crypt_vfs_free            (HcCryptVfs     *vfs);

/* Opens the database at @db_path through a new VFS owning @key (consumed, also on failure).
 * A new database gets the page size and reserved bytes the VFS needs, and WAL mode, before
 * its first page is written. Close with hc_crypt_db_close(). */
int          hc_crypt_db_open             (const char     *db_path,
                                           HcCryptKey     *key,
                                           guint           page_size,
                                           int             flags,
                                           sqlite3       **db);
HcCryptVfs  *hc_crypt_db_get_vfs          (sqlite3        *db);
void         hc_crypt_db_close            (sqlite3        *db);

/* Test hook: KDF iterations for key files written from now on in this process (0: the
 * default). Only tests that create many stores lower it; unlocking honours the file's count. */
void         _hc_crypt_set_test_iterations (guint          iterations);

G_END_DECLS
