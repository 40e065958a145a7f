/* fuzz-page.c: the page decoder accepts only the pages the key sealed, and never crashes
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte picks what the rest is:
 *   0: a page handed to hc_crypt_page_open(): it must be refused and come back zeroed.
 *   1: edits (offset, xor) to a page sealed under the key: any real edit is refused, no edit
 *      opens to the original plaintext.
 *   2: pages 2… of an encrypted database (page 1 and the key are genuine), read through the
 *      VFS by SQLite: the query returns the original rows or fails with SQLITE_CORRUPT
 *      (or SQLITE_NOTADB), never other rows.
 * Random bytes cannot carry a valid tag, so in modes 0 and 2 every input is damage.
 */

#define G_LOG_DOMAIN "fuzz-page"

#include "config.h"

#include <glib/gstdio.h>

#include "hc-crypt.h"
#include "hc-fuzz.h"

#define SMALL_PAGE 1024

static const guint8 key_bytes[HC_CRYPT_KEY_SIZE] = {
  0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
  0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};

static HcCryptKey *key;
static char *work_dir;
static char *db_path;
static guint8 *original_db;     /* the genuine database file */
static gsize original_len;
static char *original_rows;

static char *
query_rows (sqlite3 *db,
            int     *rc_out)
{
  sqlite3_stmt *stmt = NULL;
  char *rows = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT group_concat(x, '|') FROM t", -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      rows = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  *rc_out = rc;
  return rows;
}

static void
make_database (void)
{
  sqlite3 *db = NULL;
  int rc;

  work_dir = g_dir_make_tmp ("fuzz-page-XXXXXX", NULL);
  db_path = g_build_filename (work_dir, "db", NULL);
  rc = hc_crypt_db_open (db_path, hc_crypt_key_new_from_bytes (key_bytes), SMALL_PAGE,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
  HC_FUZZ_CHECK (rc == SQLITE_OK, "cannot create the database: %d", rc);
  rc = sqlite3_exec (db, "CREATE TABLE t (x TEXT);"
                         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                         "WHERE i < 60) INSERT INTO t SELECT 'row ' || i || ' ' || "
                         "hex(zeroblob(20)) FROM c;", NULL, NULL, NULL);
  HC_FUZZ_CHECK (rc == SQLITE_OK, "cannot fill the database: %d", rc);
  original_rows = query_rows (db, &rc);
  hc_crypt_db_close (db);   /* checkpoints the WAL into the file */
  HC_FUZZ_CHECK (g_file_get_contents (db_path, (char **) &original_db, &original_len, NULL),
                 "cannot read the database");
  HC_FUZZ_CHECK (original_len >= 3 * SMALL_PAGE, "only %zu bytes", original_len);
}

static void
remove_work_dir (void)
{
  static const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db_path, suffixes[i], NULL);
      g_unlink (path);
    }
  g_rmdir (work_dir);
  g_clear_pointer (&key, hc_crypt_key_free);
  g_clear_pointer (&work_dir, g_free);
  g_clear_pointer (&db_path, g_free);
  g_clear_pointer (&original_db, g_free);
  g_clear_pointer (&original_rows, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  hc_fuzz_init ();
  key = hc_crypt_key_new_from_bytes (key_bytes);
  make_database ();
  atexit (remove_work_dir);
  return 0;
}

static void
fuzz_raw_page (const uint8_t *data,
               size_t         size)
{
  gsize page_size = CLAMP (size, HC_CRYPT_RESERVE + 1, 8192);
  g_autofree guint8 *page = g_malloc0 (page_size);
  guint8 aad[8] = { 'H', 'C', 'D', 'B', 0, 0, 0, 1 };

  memcpy (page, data, MIN (size, page_size));
  HC_FUZZ_CHECK (!hc_crypt_page_open (key, page, page_size, aad, sizeof aad),
                 "a random page of %zu bytes opened", page_size);
  for (gsize i = 0; i < page_size; i++)
    HC_FUZZ_CHECK (page[i] == 0, "a refused page was not zeroed at %zu", i);
}

static void
fuzz_edits (const uint8_t *data,
            size_t         size)
{
  guint8 page[SMALL_PAGE], plain[SMALL_PAGE];
  guint8 aad[8] = { 'H', 'C', 'D', 'B', 0, 0, 0, 9 };
  static const guint8 nonce[HC_CRYPT_NONCE_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  gboolean edited = FALSE;

  for (guint i = 0; i < SMALL_PAGE; i++)
    plain[i] = i < SMALL_PAGE - HC_CRYPT_RESERVE ? (guint8) (i * 13) : 0;
  memcpy (page, plain, sizeof page);
  HC_FUZZ_CHECK (hc_crypt_page_seal (key, page, sizeof page, aad, sizeof aad, nonce), "seal");
  /* three bytes per edit: big-endian offset in the page, then the xor mask */
  for (size_t i = 0; i + 3 <= size; i += 3)
    {
      guint offset = ((data[i] << 8) | data[i + 1]) % SMALL_PAGE;
      /* the last four reserved bytes are not part of the format */
      if (offset >= SMALL_PAGE - 4 || data[i + 2] == 0)
        continue;
      page[offset] ^= data[i + 2];
      edited = TRUE;
    }
  /* edits may cancel out: compare with a fresh seal */
  if (edited)
    {
      guint8 sealed[SMALL_PAGE];
      memcpy (sealed, plain, sizeof sealed);
      hc_crypt_page_seal (key, sealed, sizeof sealed, aad, sizeof aad, nonce);
      edited = memcmp (sealed, page, SMALL_PAGE - 4) != 0;
    }
  if (edited)
    HC_FUZZ_CHECK (!hc_crypt_page_open (key, page, sizeof page, aad, sizeof aad),
                   "an edited page opened");
  else
    {
      HC_FUZZ_CHECK (hc_crypt_page_open (key, page, sizeof page, aad, sizeof aad),
                     "the untouched page did not open");
      HC_FUZZ_CHECK (memcmp (page, plain, sizeof page) == 0, "it opened to other bytes");
    }
}

static void
fuzz_database (const uint8_t *data,
               size_t         size)
{
  g_autofree guint8 *file = NULL;
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
  g_autofree char *rows = NULL;
  gsize len = SMALL_PAGE + size;
  sqlite3 *db = NULL;
  int rc;

  /* page 1 genuine; the input from page 2 on, then the rest of the original file */
  len = MAX (len, original_len);
  file = g_malloc0 (len);
  memcpy (file, original_db, original_len);
  memcpy (file + SMALL_PAGE, data, size);
  g_unlink (wal);
  g_unlink (shm);
  HC_FUZZ_CHECK (g_file_set_contents (db_path, (char *) file, len, NULL), "write");

  rc = hc_crypt_db_open (db_path, hc_crypt_key_new_from_bytes (key_bytes), SMALL_PAGE,
                         SQLITE_OPEN_READWRITE, &db);
  if (rc == SQLITE_OK)
    {
      rows = query_rows (db, &rc);
      hc_crypt_db_close (db);
    }
  if (rc == SQLITE_OK)
    HC_FUZZ_CHECK (g_strcmp0 (rows, original_rows) == 0, "other rows came back: %.100s",
                   rows ? rows : "NULL");
  else
    HC_FUZZ_CHECK ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB,
                   "damage gave error %d, not SQLITE_CORRUPT", rc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  if (size == 0)
    return 0;
  switch (data[0] % 3)
    {
    case 0:
      fuzz_raw_page (data + 1, size - 1);
      break;
    case 1:
      fuzz_edits (data + 1, size - 1);
      break;
    default:
      /* at most 8 pages: bigger inputs say nothing new */
      fuzz_database (data + 1, MIN (size - 1, 8 * SMALL_PAGE));
      break;
    }
  return 0;
}
