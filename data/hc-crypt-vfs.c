/* hc-crypt-vfs.c: an SQLite VFS that encrypts the main database and the WAL page by page
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A shim over the default (unix) VFS of the system SQLite. Every database page and every WAL
 * frame's page is AES-256-GCM encrypted with a fresh random nonce; nonce and tag live in the
 * page's reserved bytes. The associated data binds a page to its place: "HCDB" + page number
 * in the database; "HCWL" + frame number + the frame header's page number and commit size in
 * the WAL (not its salts: SQLite writes them as zeros while a transaction overwrites its own
 * frames and fills them in at commit; its checksum chain over the plaintext ties a frame to
 * the WAL's generation). Page 1 is encrypted whole, its 100-byte header included; the page size
 * comes from the key file. The WAL header and frame headers stay as SQLite wrote them (no
 * PHI: sizes, salts, page numbers, checksums); so does the -shm index (page numbers).
 * Any other file (rollback journal, temp database, statement journal) is refused.
 * docs/store.md has the whole picture.
 */

#define G_LOG_DOMAIN "hc-crypt"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "hc-crypt.h"

#define WAL_HEADER      32
#define WAL_FRAME_HDR   24

enum { FILE_MAIN, FILE_WAL, FILE_EMPTY_JOURNAL };

/* The one rollback journal allowed: of a database that is empty when the journal opens, as when
 * VACUUM INTO writes the encrypted copy of an old plaintext store. A journal holds the pages a
 * transaction changes as they were before it, and an empty database has none; writes the size
 * of a page are refused all the same. */
#define JOURNAL_MAX_WRITE 512

struct _HcCryptVfs
{
  sqlite3_vfs   base;
  sqlite3_vfs  *root;
  HcCryptKey   *key;
  int           page_size;
  char          name[48];

  GMutex        damage_lock;
  int           damage_kind;
  gint64        damage_page;   /* 0: none */
};

typedef struct
{
  sqlite3_file  base;
  HcCryptVfs   *vfs;
  int           kind;
  gint64        wal_written;   /* the last frame this handle wrote in this WAL generation */
  guint8       *scratch;       /* one frame: header + page */
  sqlite3_file  real[];        /* the root VFS's file, root->szOsFile bytes */
} CryptFile;

static const sqlite3_io_methods crypt_io_methods;

/* ------------------------------------------------------------------------------------------ */
/* Pages */

static void
note_damage (HcCryptVfs *vfs,
             int         kind,
             gint64      page)
{
  g_mutex_lock (&vfs->damage_lock);
  vfs->damage_kind = kind;
  vfs->damage_page = page;
  g_mutex_unlock (&vfs->damage_lock);
  g_debug ("page %" G_GINT64_FORMAT " of the %s failed authentication", page,
           kind == FILE_WAL ? "WAL" : "database");
}

static gsize
main_aad (guint8  aad[8],
          gint64  pgno)
{
  guint32 be = GUINT32_TO_BE ((guint32) pgno);

  memcpy (aad, "HCDB", 4);
  memcpy (aad + 4, &be, 4);
  return 8;
}

/* frame @index (0-based) with its 24-byte @header */
static gsize
wal_aad (guint8        aad[16],
         gint64        index,
         const guint8 *header)
{
  guint32 be = GUINT32_TO_BE ((guint32) index);

  memcpy (aad, "HCWL", 4);
  memcpy (aad + 4, &be, 4);
  memcpy (aad + 8, header, 8);   /* page number, commit size */
  return 16;
}

static gint64
frame_size (CryptFile *f)
{
  return WAL_FRAME_HDR + f->vfs->page_size;
}

/* The offset of frame @index's page in the WAL */
static gint64
frame_data_offset (CryptFile *f,
                   gint64     index)
{
  return WAL_HEADER + index * frame_size (f) + WAL_FRAME_HDR;
}

/* ------------------------------------------------------------------------------------------ */
/* Main database */

static int
main_read_page (CryptFile *f,
                guint8    *page,
                gint64     index)
{
  HcCryptVfs *vfs = f->vfs;
  int P = vfs->page_size;
  guint8 aad[8];
  int rc;

  rc = f->real->pMethods->xRead (f->real, page, P, index * P);
  if (rc == SQLITE_IOERR_SHORT_READ)
    {
      sqlite3_int64 size = 0;

      /* an empty file is a new database; anything else short is a truncated one */
      if (f->real->pMethods->xFileSize (f->real, &size) == SQLITE_OK && size == 0)
        {
          memset (page, 0, P);
          return SQLITE_IOERR_SHORT_READ;
        }
      note_damage (vfs, FILE_MAIN, index + 1);
      memset (page, 0, P);
      return SQLITE_CORRUPT;
    }
  if (rc != SQLITE_OK)
    return rc;
  if (!hc_crypt_page_open (vfs->key, page, P, aad, main_aad (aad, index + 1)))
    {
      note_damage (vfs, FILE_MAIN, index + 1);
      return SQLITE_CORRUPT;
    }
  return SQLITE_OK;
}

static int
main_read (CryptFile     *f,
           guint8        *buf,
           int            amt,
           sqlite3_int64  off)
{
  int P = f->vfs->page_size;
  int result = SQLITE_OK;

  if (off % P == 0 && amt % P == 0)
    {
      for (int i = 0; i < amt / P; i++)
        {
          int rc = main_read_page (f, buf + (gsize) i * P, off / P + i);
          if (rc == SQLITE_IOERR_SHORT_READ)
            result = rc;
          else if (rc != SQLITE_OK)
            return rc;
        }
      return result;
    }

  /* a piece of a page (SQLite reads the 100-byte header this way) */
  while (amt > 0)
    {
      gint64 index = off / P;
      int in_page = off % P;
      int n = MIN (amt, P - in_page);
      int rc = main_read_page (f, f->scratch, index);

      if (rc == SQLITE_IOERR_SHORT_READ)
        result = rc;
      else if (rc != SQLITE_OK)
        return rc;
      memcpy (buf, f->scratch + in_page, n);
      buf += n;
      off += n;
      amt -= n;
    }
  return result;
}

static int
main_write (CryptFile     *f,
            const guint8  *buf,
            int            amt,
            sqlite3_int64  off)
{
  int P = f->vfs->page_size;

  if (off % P != 0 || amt % P != 0)
    {
      g_warning ("refusing a partial page write (%d bytes at %" G_GINT64_FORMAT ")", amt,
                 (gint64) off);
      return SQLITE_IOERR_WRITE;
    }
  for (int i = 0; i < amt / P; i++)
    {
      guint8 aad[8];
      gint64 index = off / P + i;
      int rc;

      memcpy (f->scratch, buf + (gsize) i * P, P);
      if (!hc_crypt_page_seal (f->vfs->key, f->scratch, P, aad, main_aad (aad, index + 1), NULL))
        return SQLITE_IOERR_WRITE;
      rc = f->real->pMethods->xWrite (f->real, f->scratch, P, index * P);
      if (rc != SQLITE_OK)
        return rc;
    }
  return SQLITE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* WAL */

/* Decrypts frame @index's page in @page, given its @header. */
static gboolean
wal_open_page (CryptFile    *f,
               gint64        index,
               const guint8 *header,
               guint8       *page)
{
  guint8 aad[16];

  return hc_crypt_page_open (f->vfs->key, page, f->vfs->page_size, aad,
                             wal_aad (aad, index, header));
}

/* SQLite recovers the WAL by reading whole frames and stops at the first whose checksum does
 * not match: a frame torn by a crash. A frame that does not decrypt is handed to it as random
 * bytes, so its checksum fails the same way. Damage, on the other hand: a page read on its own
 * (an ordinary read, a checkpoint), or a whole frame this handle wrote itself (SQLite rereads
 * them to fill in checksums at commit). */
static int
wal_read (CryptFile     *f,
          guint8        *buf,
          int            amt,
          sqlite3_int64  off)
{
  int P = f->vfs->page_size;
  gint64 fsz = frame_size (f);
  gint64 first, last;
  int rc;

  rc = f->real->pMethods->xRead (f->real, buf, amt, off);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
    return rc;
  if (off + amt <= WAL_HEADER)
    return rc;

  first = (MAX (off, WAL_HEADER) - WAL_HEADER) / fsz;
  last = (off + amt - 1 - WAL_HEADER) / fsz;
  for (gint64 index = first; index <= last; index++)
    {
      gint64 data = frame_data_offset (f, index);
      gint64 from = MAX (data, off), to = MIN (data + P, off + amt);
      gboolean whole_frame = off <= data - WAL_FRAME_HDR && off + amt >= data + P;
      guint8 *header = f->scratch, *page = f->scratch + WAL_FRAME_HDR;

      if (from >= to)
        continue;   /* only the frame header is in range */
      if (whole_frame)
        {
          header = buf + (data - WAL_FRAME_HDR - off);
          page = buf + (data - off);
        }
      else
        {
          int rrc = f->real->pMethods->xRead (f->real, f->scratch, fsz, data - WAL_FRAME_HDR);
          if (rrc != SQLITE_OK && rrc != SQLITE_IOERR_SHORT_READ)
            return rrc;
          if (rrc == SQLITE_IOERR_SHORT_READ)
            memset (f->scratch, 0, fsz);  /* fails to open below */
        }
      if (wal_open_page (f, index, header, page))
        {
          if (!whole_frame)
            memcpy (buf + (from - off), page + (from - data), to - from);
          continue;
        }
      if (whole_frame && index > f->wal_written)
        {
          gnutls_rnd (GNUTLS_RND_NONCE, page, P);
          continue;
        }
      note_damage (f->vfs, FILE_WAL, index + 1);
      return SQLITE_CORRUPT;
    }
  return rc;
}

static int
wal_write (CryptFile     *f,
           const guint8  *buf,
           int            amt,
           sqlite3_int64  off)
{
  int P = f->vfs->page_size;
  gint64 fsz = frame_size (f);
  gint64 rel = off - WAL_HEADER;
  gint64 index;
  int rc;

  /* a new WAL header starts a new generation: frames are written from the start again */
  if (off == 0 && amt == WAL_HEADER)
    f->wal_written = -1;

  /* the WAL header and frame headers hold no page content */
  if ((off == 0 && amt == WAL_HEADER) ||
      (rel >= 0 && rel % fsz == 0 && amt == WAL_FRAME_HDR))
    return f->real->pMethods->xWrite (f->real, buf, amt, off);

  if (rel < 0 || amt != P || (rel - WAL_FRAME_HDR) % fsz != 0)
    {
      g_warning ("refusing an unexpected WAL write (%d bytes at %" G_GINT64_FORMAT ")", amt,
                 (gint64) off);
      return SQLITE_IOERR_WRITE;
    }
  index = (rel - WAL_FRAME_HDR) / fsz;

  /* SQLite wrote the frame header just before (or earlier, when it overwrites the page of
   * a frame of the open transaction) */
  rc = f->real->pMethods->xRead (f->real, f->scratch, WAL_FRAME_HDR, off - WAL_FRAME_HDR);
  if (rc != SQLITE_OK)
    return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
  memcpy (f->scratch + WAL_FRAME_HDR, buf, P);
  f->wal_written = MAX (f->wal_written, index);
  {
    guint8 aad[16];
    if (!hc_crypt_page_seal (f->vfs->key, f->scratch + WAL_FRAME_HDR, P, aad,
                             wal_aad (aad, index, f->scratch), NULL))
      return SQLITE_IOERR_WRITE;
  }
  return f->real->pMethods->xWrite (f->real, f->scratch + WAL_FRAME_HDR, P, off);
}

/* ------------------------------------------------------------------------------------------ */
/* sqlite3_io_methods */

static int
crypt_close (sqlite3_file *file)
{
  CryptFile *f = (CryptFile *) file;
  int rc = f->real->pMethods ? f->real->pMethods->xClose (f->real) : SQLITE_OK;

  if (f->scratch != NULL)
    {
      gnutls_memset (f->scratch, 0, frame_size (f));
      g_free (f->scratch);
      f->scratch = NULL;
    }
  return rc;
}

static int
crypt_read (sqlite3_file  *file,
            void          *buf,
            int            amt,
            sqlite3_int64  off)
{
  CryptFile *f = (CryptFile *) file;

  if (f->kind == FILE_WAL)
    return wal_read (f, buf, amt, off);
  if (f->kind == FILE_EMPTY_JOURNAL)
    return f->real->pMethods->xRead (f->real, buf, amt, off);
  return main_read (f, buf, amt, off);
}

static int
crypt_write (sqlite3_file  *file,
             const void    *buf,
             int            amt,
             sqlite3_int64  off)
{
  CryptFile *f = (CryptFile *) file;

  if (f->kind == FILE_WAL)
    return wal_write (f, buf, amt, off);
  if (f->kind == FILE_EMPTY_JOURNAL)
    {
      if (amt > JOURNAL_MAX_WRITE)
        {
          g_warning ("refusing to write a page image to a rollback journal");
          return SQLITE_IOERR_WRITE;
        }
      return f->real->pMethods->xWrite (f->real, buf, amt, off);
    }
  return main_write (f, buf, amt, off);
}

#define REAL(file) (((CryptFile *) (file))->real)

static int
crypt_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
crypt_sync (sqlite3_file *file, int flags)
{
  return REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
crypt_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
crypt_lock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xLock (REAL (file), lock);
}

static int
crypt_unlock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), lock);
}

static int
crypt_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
crypt_file_control (sqlite3_file *file, int op, void *arg)
{
  CryptFile *f = (CryptFile *) file;

  if (op == SQLITE_FCNTL_MMAP_SIZE)
    {
      /* pages must pass through xRead: no memory-mapped I/O */
      sqlite3_int64 *size = arg;
      *size = 0;
      return SQLITE_OK;
    }
  if (op == SQLITE_FCNTL_VFSNAME)
    {
      char **out = arg;
      sqlite3_free (*out);
      *out = sqlite3_mprintf ("%s", f->vfs->name);
      return SQLITE_OK;
    }
  return REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
crypt_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
crypt_device_characteristics (sqlite3_file *file)
{
  int c = REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));

  /* batch-atomic writes would bypass the journal shapes the cipher relies on */
  return c & ~SQLITE_IOCAP_BATCH_ATOMIC;
}

static int
crypt_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **pp)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, pp);
}

static int
crypt_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
crypt_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
crypt_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
crypt_fetch (sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
  *pp = NULL;   /* never map pages: SQLite then reads them */
  return SQLITE_OK;
}

static int
crypt_unfetch (sqlite3_file *file, sqlite3_int64 off, void *p)
{
  return SQLITE_OK;
}

static const sqlite3_io_methods crypt_io_methods = {
  3,
  crypt_close,
  crypt_read,
  crypt_write,
  crypt_truncate,
  crypt_sync,
  crypt_file_size,
  crypt_lock,
  crypt_unlock,
  crypt_check_reserved_lock,
  crypt_file_control,
  crypt_sector_size,
  crypt_device_characteristics,
  crypt_shm_map,
  crypt_shm_lock,
  crypt_shm_barrier,
  crypt_shm_unmap,
  crypt_fetch,
  crypt_unfetch,
};

/* ------------------------------------------------------------------------------------------ */
/* sqlite3_vfs */

#define ROOT(v) (((HcCryptVfs *) (v)->pAppData)->root)

/* The database of the journal @name ("….db-journal") exists and is empty. */
static gboolean
main_is_empty (const char *journal)
{
  g_autofree char *db = NULL;
  GStatBuf st;

  if (!g_str_has_suffix (journal, "-journal"))
    return FALSE;
  db = g_strndup (journal, strlen (journal) - strlen ("-journal"));
  return g_stat (db, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0;
}

static int
crypt_open (sqlite3_vfs  *v,
            const char   *name,
            sqlite3_file *file,
            int           flags,
            int          *out_flags)
{
  HcCryptVfs *vfs = v->pAppData;
  CryptFile *f = (CryptFile *) file;
  int rc;

  memset (f, 0, sizeof *f);
  if (flags & SQLITE_OPEN_MAIN_DB)
    f->kind = FILE_MAIN;
  else if (flags & SQLITE_OPEN_WAL)
    f->kind = FILE_WAL;
  else if ((flags & SQLITE_OPEN_MAIN_JOURNAL) && name != NULL && main_is_empty (name))
    f->kind = FILE_EMPTY_JOURNAL;
  else
    {
      /* a rollback journal, temp database or statement journal would hold plaintext pages */
      g_warning ("refusing to open a file of type 0x%x in an encrypted store",
                 flags & 0x7ff00);
      return SQLITE_CANTOPEN;
    }
  f->vfs = vfs;
  f->wal_written = -1;
  rc = vfs->root->xOpen (vfs->root, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK)
    return rc;
  f->scratch = g_malloc (frame_size (f));
  f->base.pMethods = &crypt_io_methods;
  return SQLITE_OK;
}

static int
crypt_delete (sqlite3_vfs *v, const char *name, int sync_dir)
{
  return ROOT (v)->xDelete (ROOT (v), name, sync_dir);
}

static int
crypt_access (sqlite3_vfs *v, const char *name, int flags, int *out)
{
  return ROOT (v)->xAccess (ROOT (v), name, flags, out);
}

static int
crypt_full_pathname (sqlite3_vfs *v, const char *name, int n, char *out)
{
  return ROOT (v)->xFullPathname (ROOT (v), name, n, out);
}

static void *
crypt_dl_open (sqlite3_vfs *v, const char *name)
{
  return NULL;   /* no extensions */
}

static void
crypt_dl_error (sqlite3_vfs *v, int n, char *out)
{
  g_strlcpy (out, "extensions are disabled", n);
}

static void (*crypt_dl_sym (sqlite3_vfs *v, void *h, const char *sym)) (void)
{
  return NULL;
}

static void
crypt_dl_close (sqlite3_vfs *v, void *h)
{
}

static int
crypt_randomness (sqlite3_vfs *v, int n, char *out)
{
  return ROOT (v)->xRandomness (ROOT (v), n, out);
}

static int
crypt_sleep (sqlite3_vfs *v, int us)
{
  return ROOT (v)->xSleep (ROOT (v), us);
}

static int
crypt_current_time (sqlite3_vfs *v, double *out)
{
  return ROOT (v)->xCurrentTime (ROOT (v), out);
}

static int
crypt_get_last_error (sqlite3_vfs *v, int n, char *out)
{
  return ROOT (v)->xGetLastError ? ROOT (v)->xGetLastError (ROOT (v), n, out) : 0;
}

static int
crypt_current_time_int64 (sqlite3_vfs *v, sqlite3_int64 *out)
{
  return ROOT (v)->xCurrentTimeInt64 (ROOT (v), out);
}

/**
 * hc_crypt_vfs_new:
 * @key: (transfer full): the database key
 *
 * Registers a new VFS (not the default) that encrypts with @key.
 */
HcCryptVfs *
hc_crypt_vfs_new (HcCryptKey *key,
                  guint       page_size)
{
  static gint counter;
  HcCryptVfs *vfs = g_new0 (HcCryptVfs, 1);
  sqlite3_vfs *root = sqlite3_vfs_find (NULL);

  g_return_val_if_fail (root != NULL && root->iVersion >= 2, NULL);

  vfs->root = root;
  vfs->key = key;
  vfs->page_size = page_size;
  g_mutex_init (&vfs->damage_lock);
  g_snprintf (vfs->name, sizeof vfs->name, "hc-crypt-%d", g_atomic_int_add (&counter, 1));

  vfs->base.iVersion = 2;
  vfs->base.szOsFile = sizeof (CryptFile) + root->szOsFile;
  vfs->base.mxPathname = root->mxPathname;
  vfs->base.zName = vfs->name;
  vfs->base.pAppData = vfs;
  vfs->base.xOpen = crypt_open;
  vfs->base.xDelete = crypt_delete;
  vfs->base.xAccess = crypt_access;
  vfs->base.xFullPathname = crypt_full_pathname;
  vfs->base.xDlOpen = crypt_dl_open;
  vfs->base.xDlError = crypt_dl_error;
  vfs->base.xDlSym = crypt_dl_sym;
  vfs->base.xDlClose = crypt_dl_close;
  vfs->base.xRandomness = crypt_randomness;
  vfs->base.xSleep = crypt_sleep;
  vfs->base.xCurrentTime = crypt_current_time;
  vfs->base.xGetLastError = crypt_get_last_error;
  vfs->base.xCurrentTimeInt64 = crypt_current_time_int64;
  sqlite3_vfs_register (&vfs->base, 0);
  return vfs;
}

const char *
hc_crypt_vfs_get_name (HcCryptVfs *vfs)
{
  return vfs->name;
}

char *
hc_crypt_vfs_describe_damage (HcCryptVfs *vfs)
{
  char *text = NULL;

  if (vfs == NULL)
    return NULL;
  g_mutex_lock (&vfs->damage_lock);
  if (vfs->damage_page > 0)
    text = g_strdup_printf ("%s page %" G_GINT64_FORMAT,
                            vfs->damage_kind == FILE_WAL ? "WAL frame" : "database",
                            vfs->damage_page);
  g_mutex_unlock (&vfs->damage_lock);
  return text;
}

/* Unregisters the VFS and wipes its key. No database may still use it. */
void
hc_crypt_vfs_free (HcCryptVfs *vfs)
{
  if (vfs == NULL)
    return;
  sqlite3_vfs_unregister (&vfs->base);
  hc_crypt_key_free (vfs->key);
  g_mutex_clear (&vfs->damage_lock);
  g_free (vfs);
}

/* The VFS of a connection opened by hc_crypt_db_open(), or NULL. */
HcCryptVfs *
hc_crypt_db_get_vfs (sqlite3 *db)
{
  sqlite3_vfs *v = NULL;

  if (db == NULL ||
      sqlite3_file_control (db, "main", SQLITE_FCNTL_VFS_POINTER, &v) != SQLITE_OK ||
      v == NULL || v->xOpen != crypt_open)
    return NULL;
  return v->pAppData;
}

int
hc_crypt_db_open (const char   *db_path,
                  HcCryptKey   *key,
                  guint         page_size,
                  int           flags,
                  sqlite3     **db)
{
  HcCryptVfs *vfs = hc_crypt_vfs_new (key, page_size);
  sqlite3_file *file = NULL;
  sqlite3_int64 size = -1;
  int rc;

  *db = NULL;
  rc = sqlite3_open_v2 (db_path, db, flags, vfs->name);
  if (rc == SQLITE_OK)
    {
      sqlite3_file_control (*db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
      if (file == NULL || file->pMethods == NULL ||
          file->pMethods->xFileSize (file, &size) != SQLITE_OK)
        rc = SQLITE_CANTOPEN;
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (*db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
  if (rc == SQLITE_OK && size == 0 && !(flags & SQLITE_OPEN_READONLY))
    {
      /* a new database: the page size and the reserved bytes the cipher needs before the
       * first page is written */
      char *sql = sqlite3_mprintf ("PRAGMA page_size = %u; PRAGMA journal_mode = MEMORY;"
                                   "PRAGMA user_version = 0", page_size);
      int reserve = HC_CRYPT_RESERVE;

      sqlite3_file_control (*db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
      rc = sqlite3_exec (*db, sql, NULL, NULL, NULL);
      sqlite3_free (sql);
    }
  if (rc == SQLITE_OK && !(flags & SQLITE_OPEN_READONLY))
    {
      /* WAL always. The switch writes page 1 under the journal mode before it: in memory, so
       * no rollback journal file is needed (a new database; the copy VACUUM INTO wrote) */
      sqlite3_stmt *stmt = NULL;
      gboolean wal = FALSE;

      rc = sqlite3_prepare_v2 (*db, "PRAGMA journal_mode", -1, &stmt, NULL);
      if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
      sqlite3_finalize (stmt);
      if (rc == SQLITE_OK && !wal)
        rc = sqlite3_exec (*db, "PRAGMA journal_mode = MEMORY; PRAGMA journal_mode = WAL", NULL,
                           NULL, NULL);
    }
  if (rc != SQLITE_OK)
    {
      if (*db != NULL)
        sqlite3_close (*db);
      *db = NULL;
      hc_crypt_vfs_free (vfs);
      return rc;
    }
  return SQLITE_OK;
}

/* Every statement must be finalized: the VFS, and its key, go with the connection. Also
 * closes a plain connection. */
void
hc_crypt_db_close (sqlite3 *db)
{
  HcCryptVfs *vfs = hc_crypt_db_get_vfs (db);

  if (db != NULL && sqlite3_close (db) != SQLITE_OK)
    {
      g_critical ("closing a database with statements still open");
      return;
    }
  hc_crypt_vfs_free (vfs);
}
