/* hc-test-utils.h: helpers shared by the test programs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "hc-crypt.h"
#include "hc-store.h"

G_BEGIN_DECLS

/* What every test store is encrypted under; tests/meson.build sets HOUSECALL_PASSPHRASE to
 * the same for housecall-cli. */
#define HC_TEST_PASSPHRASE "test passphrase"

/* A fixture for g_test_add(): a new store in a fresh directory, checked for leaks at the end. */
typedef struct
{
  char    *dir;
  HcStore *store;
} HcTestStore;

void        hc_test_store_setup     (HcTestStore   *fixture,
                                     gconstpointer  data);
void        hc_test_store_teardown  (HcTestStore   *fixture,
                                     gconstpointer  data);

/* A fresh, empty directory under the test's isolated tmp dir. */
char       *hc_test_tmpdir          (const char  *name);
/* A new store in a fresh directory. */
HcStore    *hc_test_new_store       (char       **dir_out);
/* Parses JSON text that the test knows is a valid object. */
JsonObject *hc_test_object          (const char  *json);
/* Adds an e-mail address to @p's telecom (a patient or practitioner). */
void        hc_test_add_email       (JsonObject  *p,
                                     const char  *email);
/* Runs housecall-cli with @argv (NULL-terminated, without the program), optional stdin;
 * returns the exit status and replaces *@out and *@err (NULL or owned) with stdout/stderr. */
int         hc_test_run_cli         (const char * const *argv,
                                     const char         *stdin_text,
                                     char              **out,
                                     char              **err);
/* The same with environment variables (@env: name, value, …, NULL) and a command in front of
 * housecall-cli (@prefix, NULL-terminated, e.g. faketime), both optional. */
int         hc_test_run_cli_full    (const char * const *env,
                                     const char * const *prefix,
                                     const char * const *argv,
                                     const char         *stdin_text,
                                     char              **out,
                                     char              **err);
/* sha256 of the schema and every row of the store's database, to prove a failed operation
 * changed nothing. */
char       *hc_test_store_digest    (const char  *dir);
/* The store's database file at @db_path through the encrypting VFS, read-write (white-box
 * checks); close with hc_crypt_db_close(). */
sqlite3    *hc_test_open_db         (const char  *db_path);
/* A row count straight from the database file, read-only (white-box checks). */
gint64      hc_test_count           (const char  *dir,
                                     const char  *sql);

/* What someone who can write the database but lacks the key can do to the audit log: recompute
 * prev_hash and hash (SHA-256, as data/hc-store.c does) of every entry from seq @from on, in
 * @db (opened with hc_test_open_db; the update trigger must be dropped). The signatures stay
 * as they were. */
void        hc_test_audit_rechain   (sqlite3     *db,
                                     gint64       from);

/* A housecall-server ($HOUSECALL_SERVER) over HTTPS on loopback, in @workdir: a dev CA and
 * certificate in certs/, a SQLite database server.db. */
typedef struct
{
  char        *workdir;
  char        *postgres;   /* the server's PostgreSQL conninfo, or NULL: SQLite server.db */
  GSubprocess *process;
  char        *url;        /* https://127.0.0.1:PORT */
  char        *ca_file;    /* certs/ca.pem */
} HcTestServer;

/* Runs `housecall-server ARGS…` in @workdir (with $HOUSECALL_PASSWORD = @password when not
 * NULL) and asserts it succeeds. */
void        hc_test_server_cli      (const char         *workdir,
                                     const char * const *args,
                                     const char         *password);
/* The same for a command on the server's store (init-db, user, import): appends --db server.db
 * or --postgres CONNINFO. */
void        hc_test_server_store_cli (HcTestServer      *server,
                                     const char * const *args,
                                     const char         *password);
/* Starts `serve` on @port (0: any free port); the server dies with the test. */
void        hc_test_server_start    (HcTestServer       *server,
                                     guint               port);
/* SIGTERM and wait: a clean shutdown. */
void        hc_test_server_stop     (HcTestServer       *server);
void        hc_test_server_clear    (HcTestServer       *server);

G_END_DECLS
