/* test-crypt.c: keys, the key file, the page cipher and the encrypted store on disk
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE   /* memmem */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "hc-crypt.h"
#include "hc-demo.h"
#include "hc-json.h"
#include "hc-store-private.h"
#include "hc-test-utils.h"

#define TODAY "2026-11-27"

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

/* One large transaction that spills pages to the WAL before it commits and then changes them
 * again: SQLite overwrites its own frames in place, writes the frames after them without salts
 * and checksums, and rereads them all at commit to fill those in. Every row must read back. */
static void
test_wal_spill (void)
{
  g_autofree char *dir = hc_test_tmpdir ("spill");
  g_autofree char *path = g_build_filename (dir, "spill.db", NULL);
  g_autofree guint8 *k = g_malloc (HC_CRYPT_KEY_SIZE);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *errmsg = NULL;

  memset (k, 0x42, HC_CRYPT_KEY_SIZE);
  for (guint round = 0; round < 2; round++)
    {
      g_assert_cmpint (hc_crypt_db_open (path, hc_crypt_key_new_from_bytes (k), HC_CRYPT_PAGE_SIZE,
                                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db), ==,
                       SQLITE_OK);
      if (sqlite3_exec (db, "PRAGMA cache_size = 20; PRAGMA wal_autocheckpoint = 0;"
                            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT);"
                            "BEGIN;"
                            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                            "WHERE i < 3000) INSERT OR REPLACE INTO t SELECT i, "
                            "printf('%d-%0300d', i, 0) FROM c;"
                            "UPDATE t SET v = v || '-a' WHERE id % 3 = 0;"
                            "UPDATE t SET v = v || '-b' WHERE id % 5 = 0;"
                            "COMMIT;", NULL, NULL, &errmsg) != SQLITE_OK)
        g_error ("round %u: %s", round, errmsg);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT COUNT(*), SUM(length(v)), "
                                               "SUM(v LIKE '%-a%'), SUM(v LIKE '%-b') FROM t",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 3000);
      g_assert_cmpint (sqlite3_column_int (stmt, 2), ==, round == 0 ? 1000 : 1000);
      g_assert_cmpint (sqlite3_column_int (stmt, 3), ==, 600);
      sqlite3_finalize (stmt);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                       SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
      sqlite3_finalize (stmt);
      hc_crypt_db_close (db);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The store on disk */

typedef enum { NEEDLE_NAME, NEEDLE_MRN, NEEDLE_NOTE, NEEDLE_DRUG, N_NEEDLE_KINDS } NeedleKind;

static const char *needle_kinds[] = { "patient name", "MRN", "note phrase", "drug name" };

typedef struct
{
  guint       patients;
  GHashTable *needles;   /* text -> kind */
  GPtrArray  *refs;      /* "Type/id" of every resource */
} Panel;

static void
add_needle (Panel      *panel,
            const char *text,
            NeedleKind  kind)
{
  /* long enough that random ciphertext cannot contain it by chance */
  if (text != NULL && strlen (text) >= 8)
    g_hash_table_insert (panel->needles, g_strdup (text), GINT_TO_POINTER (kind));
}

static const char *
member_path (JsonObject *o,
             const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i] && o; i++)
    {
      node = json_object_get_member (o, parts[i]);
      if (node && JSON_NODE_HOLDS_ARRAY (node))
        node = json_array_get_length (json_node_get_array (node)) ?
               json_array_get_element (json_node_get_array (node), 0) : NULL;
      if (node == NULL)
        return NULL;
      o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gboolean
collect_panel (JsonObject  *resource,
               gpointer     data,
               GError     **error)
{
  Panel *panel = data;
  const char *type = json_object_get_string_member (resource, "resourceType");

  g_ptr_array_add (panel->refs, g_strdup_printf ("%s/%s", type,
                                                 json_object_get_string_member (resource, "id")));
  if (g_str_equal (type, "Patient"))
    {
      g_autofree char *full = g_strdup_printf ("%s %s", member_path (resource, "name.given"),
                                               member_path (resource, "name.family"));
      add_needle (panel, full, NEEDLE_NAME);
      add_needle (panel, member_path (resource, "name.family"), NEEDLE_NAME);
      add_needle (panel, member_path (resource, "identifier.value"), NEEDLE_MRN);
    }
  else if (g_str_equal (type, "Composition"))
    {
      JsonArray *sections = json_object_get_array_member (resource, "section");

      for (guint i = 0; sections && i < json_array_get_length (sections); i++)
        {
          const char *div = member_path (json_array_get_object_element (sections, i), "text.div");
          const char *p = div ? strstr (div, "<p>") : NULL;
          if (p != NULL && strlen (p) > 40)
            {
              g_autofree char *phrase = g_strndup (p + 3, 24);
              add_needle (panel, phrase, NEEDLE_NOTE);
            }
        }
    }
  else if (g_str_equal (type, "MedicationRequest"))
    {
      add_needle (panel, member_path (resource, "medicationCodeableConcept.text"), NEEDLE_DRUG);
      add_needle (panel, member_path (resource, "medicationCodeableConcept.coding.display"),
                  NEEDLE_DRUG);
    }
  return TRUE;
}

typedef struct
{
  HcResourceSink sink;
  gpointer       sink_data;
  Panel         *panel;
} PanelProducer;

static gboolean
panel_sink (JsonObject  *resource,
            gpointer     data,
            GError     **error)
{
  PanelProducer *pp = data;

  collect_panel (resource, pp->panel, error);
  return pp->sink (resource, pp->sink_data, error);
}

static gboolean
panel_producer (gboolean    (*sink) (JsonObject *, gpointer, GError **),
                gpointer      sink_data,
                gpointer      user_data,
                GCancellable *cancellable,
                GError      **error)
{
  PanelProducer pp = { sink, sink_data, user_data };

  return hc_demo_generate (pp.panel->patients, 5, TODAY, panel_sink, &pp, cancellable, error);
}

static Panel *
panel_new (guint patients)
{
  Panel *panel = g_new0 (Panel, 1);

  panel->patients = patients;
  panel->needles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  panel->refs = g_ptr_array_new_with_free_func (g_free);
  return panel;
}

static void
panel_free (Panel *panel)
{
  g_hash_table_unref (panel->needles);
  g_ptr_array_unref (panel->refs);
  g_free (panel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Panel, panel_free)

static void
import_panel (HcStore *store,
              Panel   *panel)
{
  g_autoptr(GError) error = NULL;
  HcImportStats stats = { 0 };

  g_assert_true (hc_store_import_producer_sync (store, panel_producer, panel, &stats, NULL,
                                                &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.created, ==, panel->refs->len);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

/* Every regular file under @dir, sorted. */
static GPtrArray *
list_files (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GPtrArray) sub = list_files (path);
          for (guint i = 0; i < sub->len; i++)
            g_ptr_array_add (files, g_strdup (sub->pdata[i]));
        }
      else
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
  g_ptr_array_sort (files, compare_paths);
  return files;
}

/* How many needles of each kind appear in any file under @dir, byte by byte. */
static void
scan_store (const char *dir,
            Panel      *panel,
            guint       found[N_NEEDLE_KINDS],
            gboolean    expect_none)
{
  g_autoptr(GPtrArray) files = list_files (dir);

  memset (found, 0, sizeof (guint) * N_NEEDLE_KINDS);
  for (guint f = 0; f < files->len; f++)
    {
      g_autofree char *contents = NULL;
      gsize len = 0;
      GHashTableIter iter;
      gpointer key, value;

      g_assert_true (g_file_get_contents (files->pdata[f], &contents, &len, NULL));
      g_hash_table_iter_init (&iter, panel->needles);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (memmem (contents, len, key, strlen (key)) != NULL)
          {
            found[GPOINTER_TO_INT (value)]++;
            if (expect_none)
              g_error ("%s (\"%s\") in plaintext in %s", needle_kinds[GPOINTER_TO_INT (value)],
                       (char *) key, (char *) files->pdata[f]);
          }
    }
}

/* After a demo panel is imported, no patient name, MRN, note phrase or drug name is in any
 * file under the store directory: not in the database, the WAL (checked while the store is
 * open and the panel is still in it), the -shm index or the key file. The same scan finds
 * them all over an unencrypted store, so it can fail. */
static void
test_no_plaintext (void)
{
  g_autoptr(Panel) panel = panel_new (12);
  g_autoptr(Panel) control = panel_new (12);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *plain_dir = hc_test_tmpdir ("plain");
  g_autofree char *wal = NULL;
  HcStore *store = hc_test_new_store (&dir);
  guint found[N_NEEDLE_KINDS];
  GStatBuf st;

  import_panel (store, panel);
  g_assert_cmpuint (g_hash_table_size (panel->needles), >, 50);
  wal = g_build_filename (dir, "housecall.db-wal", NULL);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 100 * 1024);
  scan_store (dir, panel, found, TRUE);
  g_assert_finalize_object (store);
  scan_store (dir, panel, found, TRUE);

  store = _hc_store_open_unencrypted (plain_dir, HC_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  import_panel (store, control);
  g_assert_finalize_object (store);
  scan_store (plain_dir, control, found, FALSE);
  for (guint k = 0; k < N_NEEDLE_KINDS; k++)
    {
      g_test_message ("unencrypted control: %u %s needles found", found[k], needle_kinds[k]);
      g_assert_cmpuint (found[k], >, 0);
    }
}

typedef struct
{
  char   *name;
  char   *sha256;
  gint64  mtime_ns;
} FileState;

static void
file_state_free (FileState *s)
{
  g_free (s->name);
  g_free (s->sha256);
  g_free (s);
}

static GPtrArray *
snapshot (const char *dir)
{
  g_autoptr(GPtrArray) files = list_files (dir);
  GPtrArray *states = g_ptr_array_new_with_free_func ((GDestroyNotify) file_state_free);

  for (guint i = 0; i < files->len; i++)
    {
      FileState *s = g_new0 (FileState, 1);
      struct stat st;

      g_assert_cmpint (stat (files->pdata[i], &st), ==, 0);
      s->name = g_strdup (files->pdata[i]);
      s->sha256 = file_digest (files->pdata[i]);
      s->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
      g_ptr_array_add (states, s);
    }
  return states;
}

static void
assert_unchanged (GPtrArray *before,
                  GPtrArray *after)
{
  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    {
      FileState *a = before->pdata[i], *b = after->pdata[i];
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (a->sha256, ==, b->sha256);
      g_assert_cmpint (a->mtime_ns, ==, b->mtime_ns);
    }
}

static const char patient_json[] =
  "{\"resourceType\":\"Patient\",\"id\":\"pt-1\",\"name\":[{\"family\":\"Wojciechowska\","
  "\"given\":[\"Agnieszka\"]}],\"birthDate\":\"1957-03-02\"}";

static HcStore *
store_with_patient (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = hc_test_object (patient_json);
  g_autoptr(JsonObject) stored = NULL;
  HcStore *store = hc_test_new_store (dir);

  stored = hc_store_put_sync (store, p, NULL, &error);
  g_assert_no_error (error);
  return store;
}

/* A wrong passphrase: a clear error naming the store, and not one file is written, touched or
 * created (contents and modification times compared), through the API and the CLI. */
static void
test_wrong_passphrase (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL, after = NULL, after_cli = NULL;
  g_autofree char *dir = NULL, *out = NULL, *err = NULL;
  HcStore *store = store_with_patient (&dir);

  g_assert_finalize_object (store);
  before = snapshot (dir);
  g_assert_cmpuint (before->len, ==, 2);   /* housecall.db, housecall.key: the WAL is gone */

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, "not the passphrase", NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_nonnull (strstr (error->message, "wrong passphrase"));
  g_assert_nonnull (strstr (error->message, dir));
  after = snapshot (dir);
  assert_unchanged (before, after);

  g_setenv ("HOUSECALL_PASSPHRASE", "not the passphrase", TRUE);
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", dir, "status", NULL }, NULL,
                                    &out, &err), ==, 1);
  g_setenv ("HOUSECALL_PASSPHRASE", HC_TEST_PASSPHRASE, TRUE);
  g_assert_nonnull (strstr (err, "wrong passphrase"));
  after_cli = snapshot (dir);
  assert_unchanged (before, after_cli);
}

/* Lock closes the database and forgets the key; only the right passphrase unlocks. */
static void
test_lock_unlock (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(HcStore) store = store_with_patient (&dir);
  g_autoptr(JsonObject) got = NULL;

  g_assert_false (hc_store_is_locked (store));
  hc_store_lock (store);
  g_assert_true (hc_store_is_locked (store));
  g_assert_null (hc_store_get_sync (store, "Patient", "pt-1", NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (hc_store_unlock_sync (store, "not the passphrase", NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (hc_store_is_locked (store));

  g_assert_true (hc_store_unlock_sync (store, HC_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (hc_store_is_locked (store));
  got = hc_store_get_sync (store, "Patient", "pt-1", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
}

/* A store from before encryption is encrypted when first opened with a passphrase: the data
 * stays, the plaintext goes, nothing is left over; an interrupted earlier attempt is
 * cleaned up first. */
static void
test_migrate_plaintext (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Panel) panel = panel_new (12);
  g_autofree char *dir = hc_test_tmpdir ("old");
  g_autofree char *stale_copy = g_build_filename (dir, "housecall.db.encrypting", NULL);
  g_autofree char *stale_key = g_build_filename (dir, "housecall.key.encrypting", NULL);
  g_autoptr(JsonObject) p = hc_test_object (patient_json);
  g_autoptr(JsonObject) got = NULL;
  g_autoptr(GPtrArray) files = NULL;
  HcStore *store = _hc_store_open_unencrypted (dir, HC_STORE_OPEN_CREATE, &error);
  guint found[N_NEEDLE_KINDS];

  g_assert_no_error (error);
  got = hc_store_put_sync (store, p, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, json_object_unref);
  g_assert_finalize_object (store);
  add_needle (panel, "Wojciechowska", NEEDLE_NAME);
  scan_store (dir, panel, found, FALSE);
  g_assert_cmpuint (found[NEEDLE_NAME], ==, 1);

  /* what a crash before the key file was in place leaves */
  g_assert_true (g_file_set_contents (stale_copy, "half a copy", -1, NULL));
  g_assert_true (g_file_set_contents (stale_key, "half a key", -1, NULL));

  /* too short a passphrase: refused, the plaintext store stays as it was */
  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, "short", NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID);
  g_clear_error (&error);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  got = hc_store_get_sync (store, "Patient", "pt-1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (member_path (got, "name.family"), ==, "Wojciechowska");
  g_assert_true (hc_store_verify_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (store);

  scan_store (dir, panel, found, TRUE);
  files = list_files (dir);
  g_assert_cmpuint (files->len, ==, 2);
  g_assert_true (g_str_has_suffix (files->pdata[0], "/housecall.db"));
  g_assert_true (g_str_has_suffix (files->pdata[1], "/housecall.key"));

  /* and it is an encrypted store now: the passphrase is needed */
  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, "another passphrase", NULL, &error);
  g_assert_null (store);
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE);
}

/* ------------------------------------------------------------------------------------------ */
/* Tampering */

typedef enum
{
  FLIP_PAGE_1,
  FLIP_PAGE_MIDDLE,
  FLIP_TAG_LAST,
  SWAP_PAGES,
  COPY_PAGE,
  TRUNCATE_PAGE,
  TRUNCATE_PARTIAL,
} Tamper;

typedef struct
{
  char       *dir;      /* the pristine store */
  Panel      *panel;
  GHashTable *json;     /* "Type/id" -> the resource's JSON before tampering */
} Victim;

static void
victim_free (Victim *victim)
{
  panel_free (victim->panel);
  g_hash_table_unref (victim->json);
  g_free (victim->dir);
  g_free (victim);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Victim, victim_free)

static char *
get_json (HcStore     *store,
          const char  *ref,
          GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (ref, "/", 2);
  g_autoptr(JsonObject) o = hc_store_get_sync (store, parts[0], parts[1], NULL, error);

  return o ? hc_json_object_to_string (o, FALSE) : NULL;
}

/* A store with a demo panel, closed, and each resource's JSON (isolated test directories go
 * with each test, so every test makes its own) */
static Victim *
victim_new (void)
{
  g_autoptr(GError) error = NULL;
  Victim *victim;
  HcStore *store;

  victim = g_new0 (Victim, 1);
  victim->panel = panel_new (4);
  victim->json = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  store = hc_test_new_store (&victim->dir);
  import_panel (store, victim->panel);
  for (guint i = 0; i < victim->panel->refs->len; i++)
    {
      char *json = get_json (store, victim->panel->refs->pdata[i], &error);
      g_assert_no_error (error);
      g_hash_table_insert (victim->json, g_strdup (victim->panel->refs->pdata[i]), json);
    }
  g_assert_finalize_object (store);
  return victim;
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, len, NULL));
}

static void
tamper (const char *db_path,
        Tamper      how)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const gsize P = HC_CRYPT_PAGE_SIZE;
  guint pages;
  guint8 *page;

  g_assert_true (g_file_get_contents (db_path, &contents, &len, NULL));
  pages = len / P;
  g_assert_cmpuint (len % P, ==, 0);
  g_assert_cmpuint (pages, >=, 20);
  page = (guint8 *) contents;
  switch (how)
    {
    case FLIP_PAGE_1:
      page[57] ^= 0x20;
      break;
    case FLIP_PAGE_MIDDLE:
      page[(pages / 2) * P + 1000] ^= 0x01;
      break;
    case FLIP_TAG_LAST:
      page[len - HC_CRYPT_RESERVE + 12 + 3] ^= 0x80;
      break;
    case SWAP_PAGES:
      {
        g_autofree guint8 *tmp = g_memdup2 (page + 5 * P, P);
        memcpy (page + 5 * P, page + 6 * P, P);
        memcpy (page + 6 * P, tmp, P);
      }
      break;
    case COPY_PAGE:
      memcpy (page + 9 * P, page + 8 * P, P);
      break;
    case TRUNCATE_PAGE:
      len -= P;
      break;
    case TRUNCATE_PARTIAL:
      len -= 1000;
      break;
    }
  g_assert_true (g_file_set_contents (db_path, contents, len, NULL));
}

/* Flip a byte, swap or duplicate pages, truncate: an integrity error that names the store
 * (at open, or by `verify`), never a crash, and never a resource that reads back different. */
static void
test_tamper (gconstpointer data)
{
  Tamper how = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("tampered");
  g_autofree char *db = g_build_filename (dir, "housecall.db", NULL);
  g_autofree char *from_db = NULL, *from_key = NULL, *key = NULL;
  g_autoptr(Victim) victim = victim_new ();
  HcStore *store;
  guint corrupt = 0, same = 0;

  from_db = g_build_filename (victim->dir, "housecall.db", NULL);
  from_key = g_build_filename (victim->dir, "housecall.key", NULL);
  key = g_build_filename (dir, "housecall.key", NULL);
  copy_file (from_db, db);
  copy_file (from_key, key);
  tamper (db, how);

  store = hc_store_open_sync (dir, HC_STORE_OPEN_NONE, HC_TEST_PASSPHRASE, NULL, &error);
  if (store == NULL)
    {
      g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, dir));
      g_test_message ("open: %s", error->message);
      return;
    }
  g_assert_false (hc_store_verify_sync (store, NULL, &error));
  g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, dir));
  g_test_message ("verify: %s", error->message);
  g_clear_error (&error);

  for (guint i = 0; i < victim->panel->refs->len; i++)
    {
      const char *ref = victim->panel->refs->pdata[i];
      g_autofree char *json = get_json (store, ref, &error);

      if (json == NULL)
        {
          g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_CORRUPT);
          g_clear_error (&error);
          corrupt++;
        }
      else
        {
          g_assert_cmpstr (json, ==, g_hash_table_lookup (victim->json, ref));
          same++;
        }
    }
  g_test_message ("%u resources read back unchanged, %u refused as damaged", same, corrupt);
  g_assert_finalize_object (store);
}

/* The same through housecall-cli: one line on stderr naming the store, exit status 1. */
static void
test_tamper_cli (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = hc_test_tmpdir ("tampered-cli");
  g_autofree char *db = g_build_filename (dir, "housecall.db", NULL);
  g_autofree char *from_db = NULL, *from_key = NULL, *key = NULL, *out = NULL, *err = NULL;
  g_autoptr(Victim) victim = victim_new ();

  from_db = g_build_filename (victim->dir, "housecall.db", NULL);
  from_key = g_build_filename (victim->dir, "housecall.key", NULL);
  key = g_build_filename (dir, "housecall.key", NULL);
  copy_file (from_db, db);
  copy_file (from_key, key);
  tamper (db, FLIP_PAGE_MIDDLE);

  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", dir, "verify", NULL }, NULL,
                                    &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "failed an integrity check"));
  g_assert_nonnull (strstr (err, dir));
  g_assert_cmpuint (strchr (err, '\n') - err + 1, ==, strlen (err));
}

/* init, then change-passphrase from the environment and from files: only the key file
 * changes; the old passphrase stops working, the new one works. */
static void
test_cli_passphrase (void)
{
  g_autofree char *dir = hc_test_tmpdir ("cli");
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *db = g_build_filename (store, "housecall.db", NULL);
  g_autofree char *key = g_build_filename (store, "housecall.key", NULL);
  g_autofree char *pfile = g_build_filename (dir, "pass", NULL);
  g_autofree char *out = NULL, *err = NULL, *db_before = NULL, *db_after = NULL;
  g_autofree char *key_before = NULL, *key_after = NULL;
  const char *status[] = { "--store", store, "status", NULL };

  g_unsetenv ("HOUSECALL_PASSPHRASE");
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", store, "init", NULL }, NULL,
                                    &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "HOUSECALL_PASSPHRASE"));
  g_assert_false (g_file_test (store, G_FILE_TEST_EXISTS));

  g_setenv ("HOUSECALL_PASSPHRASE", "first passphrase", TRUE);
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", store, "init", NULL }, NULL,
                                    &out, &err), ==, 0);
  g_assert_cmpint (hc_test_run_cli (status, NULL, &out, &err), ==, 0);
  db_before = file_digest (db);
  key_before = file_digest (key);

  g_setenv ("HOUSECALL_NEW_PASSPHRASE", "short", TRUE);
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", store, "change-passphrase",
                                                       NULL }, NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "at least"));
  g_setenv ("HOUSECALL_NEW_PASSPHRASE", "second passphrase", TRUE);
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", store, "change-passphrase",
                                                       NULL }, NULL, &out, &err), ==, 0);
  g_unsetenv ("HOUSECALL_NEW_PASSPHRASE");
  db_after = file_digest (db);
  key_after = file_digest (key);
  g_assert_cmpstr (db_before, ==, db_after);
  g_assert_cmpstr (key_before, !=, key_after);

  g_assert_cmpint (hc_test_run_cli (status, NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "wrong passphrase"));
  g_assert_true (g_file_set_contents (pfile, "second passphrase\n", -1, NULL));
  g_unsetenv ("HOUSECALL_PASSPHRASE");
  g_assert_cmpint (hc_test_run_cli ((const char *[]) { "--store", store, "--passphrase-file",
                                                       pfile, "status", NULL }, NULL, &out, &err),
                   ==, 0);
  g_setenv ("HOUSECALL_PASSPHRASE", HC_TEST_PASSPHRASE, TRUE);
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
  g_test_add_func ("/hc/data/crypt/wal-spill", test_wal_spill);
  g_test_add_func ("/hc/data/crypt/no-plaintext", test_no_plaintext);
  g_test_add_func ("/hc/data/crypt/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/hc/data/crypt/lock-unlock", test_lock_unlock);
  g_test_add_func ("/hc/data/crypt/migrate-plaintext", test_migrate_plaintext);
  g_test_add_data_func ("/hc/data/crypt/tamper/flip-page-1", GINT_TO_POINTER (FLIP_PAGE_1),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/flip-page", GINT_TO_POINTER (FLIP_PAGE_MIDDLE),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/flip-tag", GINT_TO_POINTER (FLIP_TAG_LAST),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/swap-pages", GINT_TO_POINTER (SWAP_PAGES),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/copy-page", GINT_TO_POINTER (COPY_PAGE),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/truncate-page", GINT_TO_POINTER (TRUNCATE_PAGE),
                        test_tamper);
  g_test_add_data_func ("/hc/data/crypt/tamper/truncate-partial",
                        GINT_TO_POINTER (TRUNCATE_PARTIAL), test_tamper);
  g_test_add_func ("/hc/data/crypt/tamper/cli", test_tamper_cli);
  g_test_add_func ("/hc/data/crypt/cli-passphrase", test_cli_passphrase);
  return g_test_run ();
}
