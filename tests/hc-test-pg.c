/* hc-test-pg.c: a throwaway PostgreSQL cluster for tests and benchmarks
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hc-test-pg.h"

struct _HcTestPg
{
  char  *dir;
  char  *bindir;
  guint  port;
  int    watchdog_fd;     /* its stdin: EOF when we are gone */
  GPid   watchdog;
};

static char *
find_bindir (void)
{
  const char *env = g_getenv ("HOUSECALL_PG_BINDIR");
  g_autoptr(GDir) dir = NULL;
  g_autofree char *best = NULL;
  const char *name;

  if (env != NULL)
    return g_strdup (env);
  /* Debian: /usr/lib/postgresql/MAJOR/bin; the newest one */
  if ((dir = g_dir_open ("/usr/lib/postgresql", 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *initdb = g_build_filename ("/usr/lib/postgresql", name, "bin", "initdb", NULL);
        if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) &&
            (best == NULL || g_ascii_strtoull (name, NULL, 10) > g_ascii_strtoull (best, NULL, 10)))
          {
            g_free (best);
            best = g_strdup (name);
          }
      }
  if (best == NULL)
    return NULL;
  return g_build_filename ("/usr/lib/postgresql", best, "bin", NULL);
}

static guint
free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* A shell command line that runs @script as the cluster's owner. */
static char **
as_owner (const char *script)
{
  if (getuid () == 0)
    {
      const char *argv[] = { "su", "postgres", "-s", "/bin/sh", "-c", script, NULL };
      return g_strdupv ((char **) argv);
    }
  {
    const char *argv[] = { "/bin/sh", "-c", script, NULL };
    return g_strdupv ((char **) argv);
  }
}

static void
run_as_owner (const char *script)
{
  g_auto(GStrv) argv = as_owner (script);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("PostgreSQL: '%s' failed: %s", script, err);
}

static void
new_session (gpointer data)
{
  /* out of the test's process group: it outlives a test that is killed */
  setsid ();
}

HcTestPg *
hc_test_pg_start (gboolean durable)
{
  HcTestPg *self = g_new0 (HcTestPg, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *init = NULL, *start = NULL, *stop = NULL, *watch = NULL;
  g_auto(GStrv) watch_argv = NULL;

  self->bindir = find_bindir ();
  if (self->bindir == NULL)
    g_error ("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql; "
             "install the 'postgresql' package (scripts/install-deps.sh) or set HOUSECALL_PG_BINDIR");
  self->dir = g_dir_make_tmp ("hc-pg-XXXXXX", &error);
  g_assert_no_error (error);
  if (getuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");

      if (pw == NULL)
        g_error ("running as root, PostgreSQL needs the unprivileged user 'postgres' (the "
                 "'postgresql' package makes it)");
      g_assert_cmpint (chown (self->dir, pw->pw_uid, pw->pw_gid), ==, 0);
    }
  self->port = free_port ();

  /* the watchdog first, so that even a failed start is cleaned up */
  stop = g_strdup_printf ("'%s/pg_ctl' -D '%s/data' stop -m immediate >/dev/null 2>&1",
                          self->bindir, self->dir);
  watch = g_strdup_printf ("read _; %s%s%s; rm -rf '%s'", getuid () == 0 ? "su postgres -s /bin/sh -c \"" : "",
                           stop, getuid () == 0 ? "\"" : "", self->dir);
  {
    const char *argv[] = { "/bin/sh", "-c", watch, NULL };
    watch_argv = g_strdupv ((char **) argv);
  }
  g_spawn_async_with_pipes (NULL, watch_argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, new_session,
                            NULL, &self->watchdog, &self->watchdog_fd, NULL, NULL, &error);
  g_assert_no_error (error);
  /* only this process holds the write end: servers we spawn must not keep it open */
  fcntl (self->watchdog_fd, F_SETFD, FD_CLOEXEC);

  init = g_strdup_printf ("'%s/initdb' -D '%s/data' -A trust -U hc --no-sync -E UTF8 --locale=C",
                          self->bindir, self->dir);
  run_as_owner (init);
  start = g_strdup_printf ("'%s/pg_ctl' -D '%s/data' -l '%s/log' -w -t 60 -o \"-k '%s' "
                           "-c listen_addresses=127.0.0.1 -p %u -c max_connections=200%s\" start",
                           self->bindir, self->dir, self->dir, self->dir, self->port,
                           durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
  run_as_owner (start);
  return self;
}

void
hc_test_pg_stop (HcTestPg *self)
{
  int status;

  if (self == NULL)
    return;
  /* the watchdog stops the cluster and removes the directory */
  close (self->watchdog_fd);
  waitpid (self->watchdog, &status, 0);
  g_spawn_close_pid (self->watchdog);
  g_free (self->dir);
  g_free (self->bindir);
  g_free (self);
}

static PGconn *
connect_or_die (const char *conninfo)
{
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("PostgreSQL: %s", PQerrorMessage (conn));
  return conn;
}

char *
hc_test_pg_new_db (HcTestPg   *self,
                   const char *name)
{
  g_autofree char *admin = g_strdup_printf ("host=127.0.0.1 port=%u user=hc dbname=postgres", self->port);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE \"%s\"", name);
  PGconn *conn = connect_or_die (admin);
  PGresult *res = PQexec (conn, sql);

  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("PostgreSQL: %s", PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
  return g_strdup_printf ("host=127.0.0.1 port=%u user=hc dbname=%s", self->port, name);
}

/* @sql's result on a new connection to @conninfo (closed again); aborts unless it is @status. */
static PGresult *
exec_or_die (const char     *conninfo,
             const char     *sql,
             ExecStatusType  status)
{
  PGconn *conn = connect_or_die (conninfo);
  PGresult *res = PQexec (conn, sql);

  if (PQresultStatus (res) != status)
    g_error ("PostgreSQL: %s: %s", sql, PQerrorMessage (conn));
  PQfinish (conn);
  return res;
}

void
hc_test_pg_exec (const char *conninfo,
                 const char *sql)
{
  PQclear (exec_or_die (conninfo, sql, PGRES_COMMAND_OK));
}

GPtrArray *
hc_test_pg_column (const char *conninfo,
                   const char *sql)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  PGresult *res = exec_or_die (conninfo, sql, PGRES_TUPLES_OK);

  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (values, g_strdup (PQgetvalue (res, i, 0)));
  PQclear (res);
  return values;
}

/* utime + stime of /proc/@pid/stat in seconds; its parent in *@ppid. */
static double
proc_cpu (const char *pid,
          gint64     *ppid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  *ppid = -1;
  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  /* after "pid (comm)": state ppid ... utime is field 14, stime 15 of the whole line */
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  *ppid = g_ascii_strtoll (fields[1], NULL, 10);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

double
hc_test_process_cpu_seconds (GPid pid)
{
  char name[32];
  gint64 ppid;

  g_snprintf (name, sizeof name, "%d", (int) pid);
  return proc_cpu (name, &ppid);
}

double
hc_test_subprocess_cpu_seconds (GSubprocess *process)
{
  const char *pid = g_subprocess_get_identifier (process);

  return pid ? hc_test_process_cpu_seconds ((GPid) g_ascii_strtoll (pid, NULL, 10)) : 0;
}

double
hc_test_pg_cpu_seconds (HcTestPg *self)
{
  g_autofree char *pidfile = g_build_filename (self->dir, "data", "postmaster.pid", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  gint64 postmaster;
  double total = 0;
  const char *name;

  g_assert_true (g_file_get_contents (pidfile, &text, NULL, NULL));
  postmaster = g_ascii_strtoll (text, NULL, 10);
  while (proc && (name = g_dir_read_name (proc)) != NULL)
    {
      gint64 ppid;
      double cpu;

      if (!g_ascii_isdigit (name[0]))
        continue;
      cpu = proc_cpu (name, &ppid);
      if (ppid == postmaster || g_ascii_strtoll (name, NULL, 10) == postmaster)
        total += cpu;
    }
  return total;
}
