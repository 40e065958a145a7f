/* hc-fault-proxy.c: a TCP proxy on loopback that breaks connections on purpose
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread accepts; one thread per connection pumps both directions with poll(). Plain
 * sockets: the proxy must not share the test's main context.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hc-fault-proxy.h"

/* A turn is what one side sends before the other answers: over HTTP/1.1 a request (or a TLS
 * handshake flight), then its answer. Each new request rolls the dice, so faults reach
 * kept-alive connections too; the cut falls within this many bytes of the request or of its
 * answer. */
#define CUT_RANGE 512

struct _HcFaultProxy
{
  int        listen_fd;
  guint16    port;
  GThread   *acceptor;
  GMutex     lock;
  GRand     *rand;
  GPtrArray *threads;
  guint16    target_port;
  double     rate;
  guint      connections;
  guint      cut_requests;
  guint      cut_responses;
  gint       stopping;          /* atomic */
};

typedef struct
{
  HcFaultProxy *proxy;
  int           client;
  guint16       target_port;
  gint64        cut_up;         /* bytes left before the cut, -1: none this turn */
  gint64        cut_down;
  GThread      *thread;
  gint          done;           /* atomic: the thread has ended, join it */
} Conn;

/* The client speaks after the server did (or first): a new request. */
static void
new_turn (HcFaultProxy *self,
          Conn         *c)
{
  g_mutex_lock (&self->lock);
  c->cut_up = c->cut_down = -1;
  if (g_rand_double (self->rand) < self->rate)
    {
      if (g_rand_boolean (self->rand))
        c->cut_up = g_rand_int_range (self->rand, 0, CUT_RANGE);
      else
        c->cut_down = g_rand_int_range (self->rand, 0, CUT_RANGE);
    }
  g_mutex_unlock (&self->lock);
}

/* no Nagle delays: the proxy must not slow what it passes on */
static void
set_nodelay (int fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int
connect_target (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      close (fd);
      return -1;
    }
  set_nodelay (fd);
  return fd;
}

/* Moves what @from has to @to, at most up to the cut point; FALSE when the connection ends
 * (closed, failed or cut). */
static gboolean
pump (int     from,
      int     to,
      gint64 *budget,
      guint  *cut_count,
      GMutex *lock)
{
  char buf[16384];
  gssize n = recv (from, buf, sizeof buf, 0);
  gssize len;
  gssize off = 0;

  if (n <= 0)
    return FALSE;
  len = n;
  if (*budget >= 0 && len > *budget)
    len = *budget;
  while (off < len)
    {
      gssize w = send (to, buf + off, len - off, MSG_NOSIGNAL);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      off += w;
    }
  if (*budget >= 0)
    {
      *budget -= len;
      if (len < n || *budget == 0)
        {
          g_mutex_lock (lock);
          (*cut_count)++;
          g_mutex_unlock (lock);
          return FALSE;
        }
    }
  return TRUE;
}

static gpointer
conn_thread (gpointer data)
{
  Conn *c = data;
  HcFaultProxy *self = c->proxy;
  int server = connect_target (c->target_port);

  if (server >= 0)
    {
      struct pollfd fds[2] = { { c->client, POLLIN, 0 }, { server, POLLIN, 0 } };
      gboolean client_turn = FALSE;

      while (!g_atomic_int_get (&self->stopping))
        {
          int r = poll (fds, 2, 100);

          if (r < 0 && errno != EINTR)
            break;
          if (r <= 0)
            continue;
          if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
            {
              if (!client_turn)
                new_turn (self, c);
              client_turn = TRUE;
              if (!pump (c->client, server, &c->cut_up, &self->cut_requests, &self->lock))
                break;
            }
          if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            {
              client_turn = FALSE;
              if (!pump (server, c->client, &c->cut_down, &self->cut_responses, &self->lock))
                break;
            }
        }
      close (server);
    }
  close (c->client);
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

/* Joins the connection threads that have ended: a long run makes thousands of connections,
 * and an unjoined thread keeps its stack. With @all, waits for every one. */
static void
reap (HcFaultProxy *self,
      gboolean      all)
{
  for (guint i = 0; i < self->threads->len;)
    {
      Conn *c = self->threads->pdata[i];

      if (!all && !g_atomic_int_get (&c->done))
        {
          i++;
          continue;
        }
      g_thread_join (c->thread);
      g_free (c);
      g_ptr_array_remove_index_fast (self->threads, i);
    }
}

static gpointer
accept_thread (gpointer data)
{
  HcFaultProxy *self = data;

  while (!g_atomic_int_get (&self->stopping))
    {
      struct pollfd pfd = { self->listen_fd, POLLIN, 0 };
      Conn *c;
      int fd;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      fd = accept (self->listen_fd, NULL, NULL);
      if (fd < 0)
        continue;
      fcntl (fd, F_SETFD, FD_CLOEXEC);
      set_nodelay (fd);
      c = g_new0 (Conn, 1);
      c->proxy = self;
      c->client = fd;
      c->cut_up = c->cut_down = -1;
      g_mutex_lock (&self->lock);
      c->target_port = self->target_port;
      self->connections++;
      g_mutex_unlock (&self->lock);
      reap (self, FALSE);
      c->thread = g_thread_new ("fault-proxy-conn", conn_thread, c);
      g_ptr_array_add (self->threads, c);
    }
  return NULL;
}

HcFaultProxy *
hc_fault_proxy_new (guint16 target_port,
                    guint64 seed)
{
  HcFaultProxy *self = g_new0 (HcFaultProxy, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  guint32 seed_words[2] = { (guint32) seed, (guint32) (seed >> 32) };

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  self->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (self->listen_fd, >=, 0);
  g_assert_cmpint (bind (self->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (self->listen_fd, 512), ==, 0);
  g_assert_cmpint (getsockname (self->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  self->port = ntohs (addr.sin_port);
  self->target_port = target_port;
  self->rand = g_rand_new_with_seed_array (seed_words, 2);
  self->threads = g_ptr_array_new ();
  g_mutex_init (&self->lock);
  self->acceptor = g_thread_new ("fault-proxy", accept_thread, self);
  return self;
}

guint16
hc_fault_proxy_get_port (HcFaultProxy *self)
{
  return self->port;
}

void
hc_fault_proxy_set_target (HcFaultProxy *self,
                           guint16       target_port)
{
  g_mutex_lock (&self->lock);
  self->target_port = target_port;
  g_mutex_unlock (&self->lock);
}

void
hc_fault_proxy_set_rate (HcFaultProxy *self,
                         double        rate)
{
  g_mutex_lock (&self->lock);
  self->rate = rate;
  g_mutex_unlock (&self->lock);
}

void
hc_fault_proxy_reseed (HcFaultProxy *self,
                       guint64       seed)
{
  guint32 seed_words[2] = { (guint32) seed, (guint32) (seed >> 32) };

  g_mutex_lock (&self->lock);
  g_rand_set_seed_array (self->rand, seed_words, 2);
  g_mutex_unlock (&self->lock);
}

void
hc_fault_proxy_get_counts (HcFaultProxy *self,
                           guint        *connections,
                           guint        *cut_requests,
                           guint        *cut_responses)
{
  g_mutex_lock (&self->lock);
  if (connections)
    *connections = self->connections;
  if (cut_requests)
    *cut_requests = self->cut_requests;
  if (cut_responses)
    *cut_responses = self->cut_responses;
  g_mutex_unlock (&self->lock);
}

void
hc_fault_proxy_free (HcFaultProxy *self)
{
  g_atomic_int_set (&self->stopping, 1);
  g_thread_join (self->acceptor);
  /* no new threads after the acceptor ended */
  reap (self, TRUE);
  g_ptr_array_free (self->threads, TRUE);
  close (self->listen_fd);
  g_rand_free (self->rand);
  g_mutex_clear (&self->lock);
  g_free (self);
}
