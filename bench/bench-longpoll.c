/* bench-longpoll.c: many idle long-poll clients and a few pushing ones against one server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One housecall-server serve process (SQLite store, a small demo panel). First the baseline:
 * PUSHERS clients push one-record changesets ($sync-push) back to back for SECONDS, each on its
 * own thread and keep-alive HTTPS connection, with no one else connected. Then IDLE clients
 * park `$sync-changes?cursor=…&wait=60` requests on their own keep-alive connections (all in
 * this process's main loop) and the same pushes run again for SECONDS. Every poller must
 * receive every record pushed in that phase (checked record by record); the line gives the
 * push latency percentiles of both phases and their ratio, the server's peak RSS (VmHWM), and
 * how long a pushed record took to reach the pollers.
 *
 *   bench-longpoll [SECONDS [IDLE [PUSHERS [RATE]]]]     (default 10 500 20 10)
 *
 * RATE is each pusher's pushes per second (0: back to back, as fast as the server answers).
 * 20 pushers at 10/s are 200 changesets a second, far more than a practice writes; back to
 * back they measure the server's saturation, where latency is the number of pushers divided
 * by the throughput, and the 500 pollers each read every one of those changes.
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <libsoup/soup.h>

#include "hc-bench.h"
#include "hc-json.h"
#include "hc-test-pg.h"

#define MAX_PUSHES 200000     /* per pusher and phase */
#define POLL_WAIT  "60"

typedef struct _Bench Bench;

typedef struct
{
  Bench   *bench;
  guint    index;
  char     phase;              /* 'a' baseline, 'b' with the idle clients */
  guint    pushed;             /* changesets applied */
  guint    failed;
  GArray  *latency_ms;
  gint64  *sent_at;            /* monotonic µs when push k was sent */
} Pusher;

typedef struct
{
  Bench   *bench;
  guint    index;
  char    *cursor;
  guint8  *seen;               /* bit per phase-b record: pusher * MAX_PUSHES + k */
  guint    n_seen;
  guint    answers;            /* answers with entries */
  guint    empty;              /* answers without (the wait ran out) */
  gboolean parked;
  gboolean done;
} Poller;

struct _Bench
{
  char        *base;
  char        *auth;
  GTlsDatabase *ca;
  double       seconds;
  gint64       interval_us;    /* between one pusher's pushes; 0: back to back */
  guint        n_pushers;
  guint        n_idle;
  Pusher      *pushers;
  Poller      *pollers;
  SoupSession *poll_session;
  guint        n_parked;
  guint        n_errors;
  gint         pushing;        /* atomic: pushers still running */
  guint        total_pushed;   /* phase b, known once the pushers are done */
  guint        n_complete;
  GArray      *delivery_ms;    /* push sent -> seen by a poller */
};

/* ------------------------------------------------------------------------------------------ */

static JsonObject *
parse_object (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hc_json_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                            &error);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("bad JSON: %s", error ? error->message : "not an object");
  return json_object_ref (json_node_get_object (node));
}

static const char *
extension (JsonObject *bundle,
           const char *url)
{
  JsonArray *ext = json_object_get_array_member (json_object_get_object_member (bundle, "meta"),
                                                 "extension");

  for (guint i = 0; i < json_array_get_length (ext); i++)
    {
      JsonObject *e = json_array_get_object_element (ext, i);
      if (g_str_equal (json_object_get_string_member (e, "url"), url))
        return json_object_has_member (e, "valueString") ?
               json_object_get_string_member (e, "valueString") :
               json_object_get_boolean_member (e, "valueBoolean") ? "true" : "false";
    }
  g_error ("no %s in a $sync-changes page", url);
}

static SoupSession *
new_session (Bench *b,
             guint  max_conns)
{
  return soup_session_new_with_options ("tls-database", b->ca, "max-conns", max_conns,
                                        "max-conns-per-host", max_conns, "timeout", 120, NULL);
}

static SoupMessage *
new_message (Bench      *b,
             const char *method,
             const char *path)
{
  g_autofree char *url = g_strconcat (b->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", b->auth);
  return msg;
}

/* The cursor at the server's head now, paging from the start. */
static char *
head_cursor (Bench *b)
{
  g_autoptr(SoupSession) session = new_session (b, 2);
  g_autofree char *path = g_strdup ("/fhir/$sync-changes?_count=5000");

  for (;;)
    {
      g_autoptr(SoupMessage) msg = new_message (b, "GET", path);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
      g_autoptr(JsonObject) page = NULL;

      if (body == NULL || soup_message_get_status (msg) != 200)
        g_error ("$sync-changes failed: %s (%u)", error ? error->message : "",
                 soup_message_get_status (msg));
      page = parse_object (body);
      g_free (path);
      path = g_strdup_printf ("/fhir/$sync-changes?_count=5000&cursor=%s",
                              extension (page, "urn:housecall:sync:cursor"));
      if (g_str_equal (extension (page, "urn:housecall:sync:up-to-date"), "true"))
        return g_strdup (extension (page, "urn:housecall:sync:cursor"));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Pushers: one thread and one connection each, one small changeset after the other */

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  Bench *b = p->bench;
  g_autoptr(SoupSession) session = new_session (b, 1);
  gint64 end = g_get_monotonic_time () + (gint64) (b->seconds * G_USEC_PER_SEC);

  gint64 next = g_get_monotonic_time ();

  for (guint k = 0; k < MAX_PUSHES && g_get_monotonic_time () < end; k++)
    {
      g_autoptr(SoupMessage) msg = new_message (b, "POST", "/fhir/$sync-push");
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) request = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(JsonObject) answer = NULL;
      g_autofree char *text = NULL;
      JsonArray *entries;
      const char *status = NULL;
      gint64 t0;

      text = g_strdup_printf (
        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":"
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"identifier\":"
        "{\"system\":\"urn:housecall:changeset\",\"value\":\"lp%c-%u-%u\"},\"entry\":["
        "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"lp%c-%u-%u\",\"status\":\"final\","
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}],"
        "\"text\":\"Body weight\"},\"effectiveDateTime\":\"2026-11-27T10:00:00Z\","
        "\"valueQuantity\":{\"value\":%u.%u,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\","
        "\"code\":\"kg\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Observation/lp%c-%u-%u\","
        "\"ifNoneMatch\":\"*\"}}]}}]}",
        p->phase, p->index, k, p->phase, p->index, k, 50 + k % 50, k % 10, p->phase, p->index, k);
      request = g_bytes_new_take (text, strlen (text));
      text = NULL;
      soup_message_set_request_body_from_bytes (msg, "application/fhir+json", request);
      /* libsoup sends a POST on a new connection unless told it is idempotent, which a push
       * is (its changesets carry idempotency keys) */
      soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);

      /* at the pusher's rate (a push that ran late is followed at once) */
      if (b->interval_us > 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (next > now)
            g_usleep (next - now);
          next = MAX (next, now) + b->interval_us;
        }
      t0 = g_get_monotonic_time ();
      p->sent_at[k] = t0;
      body = soup_session_send_and_read (session, msg, NULL, &error);
      if (body == NULL || soup_message_get_status (msg) != 200)
        {
          g_printerr ("push failed: %s (%u)\n", error ? error->message : "", soup_message_get_status (msg));
          p->failed++;
          break;
        }
      g_array_append_val (p->latency_ms, (double) { (g_get_monotonic_time () - t0) / 1000.0 });
      answer = parse_object (body);
      entries = json_object_get_array_member (answer, "entry");
      if (entries != NULL && json_array_get_length (entries) == 1)
        status = json_object_get_string_member (
          json_object_get_object_member (json_array_get_object_element (entries, 0), "response"), "status");
      if (g_strcmp0 (status, "200") != 0)
        {
          g_printerr ("push not applied: %s\n", status ? status : "no answer");
          p->failed++;
          break;
        }
      p->pushed = k + 1;
    }
  g_atomic_int_dec_and_test (&b->pushing);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Runs every pusher for the phase's seconds; returns the merged latencies (ms). */
static GArray *
run_pushers (Bench *b,
             char   phase)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  GArray *all = g_array_new (FALSE, FALSE, sizeof (double));

  g_atomic_int_set (&b->pushing, (int) b->n_pushers);
  for (guint i = 0; i < b->n_pushers; i++)
    {
      Pusher *p = &b->pushers[i];

      p->phase = phase;
      p->pushed = p->failed = 0;
      g_array_set_size (p->latency_ms, 0);
      g_ptr_array_add (threads, g_thread_new ("pusher", pusher_thread, p));
    }
  /* the pollers live in this thread's main loop meanwhile */
  while (g_atomic_int_get (&b->pushing) > 0)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < threads->len; i++)
    {
      Pusher *p = &b->pushers[i];

      g_thread_join (threads->pdata[i]);
      g_array_append_vals (all, p->latency_ms->data, p->latency_ms->len);
      if (p->failed > 0)
        b->n_errors++;
    }
  return all;
}

/* ------------------------------------------------------------------------------------------ */
/* Idle clients: a parked $sync-changes each, sent again with the new cursor when answered */

static void poll_send (Poller *p);

static void
poller_wrote_body_cb (SoupMessage *msg,
                      gpointer     data)
{
  Poller *p = data;

  if (!p->parked)
    {
      p->parked = TRUE;
      p->bench->n_parked++;
    }
}

static void
poller_note (Poller *p,
             guint   pusher,
             guint   k)
{
  Bench *b = p->bench;
  guint bit;

  if (pusher >= b->n_pushers || k >= MAX_PUSHES)
    return;
  bit = pusher * MAX_PUSHES + k;
  if (p->seen[bit / 8] & (1u << (bit % 8)))
    return;
  p->seen[bit / 8] |= 1u << (bit % 8);
  p->n_seen++;
  g_array_append_val (b->delivery_ms,
                      (double) { (g_get_monotonic_time () - b->pushers[pusher].sent_at[k]) / 1000.0 });
}

/* A page is scanned rather than parsed: 500 pollers read every change 500 times, and this
 * one process must keep up with the server. The server writes compact JSON. */
#define CURSOR_KEY "\"urn:housecall:sync:cursor\",\"valueString\":\""
#define RECORD_KEY "\"url\":\"Observation/lpb-"

static void
poll_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Poller *p = data;
  Bench *b = p->bench;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  const char *text, *end, *at;
  gsize size;
  guint entries = 0;

  if (body == NULL || soup_message_get_status (msg) != 200)
    g_error ("a long-poll failed: %s (%u)", error ? error->message : "", soup_message_get_status (msg));
  text = g_bytes_get_data (body, &size);
  end = text + size;
  at = g_strstr_len (text, size, CURSOR_KEY);
  if (at == NULL)
    g_error ("no cursor in a $sync-changes page");
  at += strlen (CURSOR_KEY);
  g_free (p->cursor);
  p->cursor = g_strndup (at, (const char *) memchr (at, '"', end - at) - at);
  while ((at = g_strstr_len (at, end - at, RECORD_KEY)) != NULL)
    {
      guint pusher = 0, k = 0;

      /* "lpb-P-K" */
      for (at += strlen (RECORD_KEY); at < end && g_ascii_isdigit (*at); at++)
        pusher = pusher * 10 + (guint) (*at - '0');
      for (at++; at < end && g_ascii_isdigit (*at); at++)
        k = k * 10 + (guint) (*at - '0');
      poller_note (p, pusher, k);
      entries++;
    }
  if (entries > 0)
    p->answers++;
  else
    p->empty++;
  if (!p->done && b->total_pushed > 0 && p->n_seen == b->total_pushed)
    {
      p->done = TRUE;
      b->n_complete++;
      return;
    }
  poll_send (p);
}

static void
poll_send (Poller *p)
{
  g_autofree char *path = g_strdup_printf ("/fhir/$sync-changes?cursor=%s&wait=" POLL_WAIT, p->cursor);
  g_autoptr(SoupMessage) msg = new_message (p->bench, "GET", path);

  if (!p->parked)
    g_signal_connect (msg, "wrote-body", G_CALLBACK (poller_wrote_body_cb), p);
  soup_session_send_and_read_async (p->bench->poll_session, msg, G_PRIORITY_DEFAULT, NULL,
                                    poll_done_cb, p);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main loop until *@counter reaches @target or @seconds pass. */
static gboolean
wait_for (guint  *counter,
          guint   target,
          double  seconds)
{
  double end = hc_bench_now () + seconds;
  guint tick = g_timeout_add (100, tick_cb, NULL);

  while (*counter < target && hc_bench_now () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return *counter >= target;
}

/* ------------------------------------------------------------------------------------------ */

static void
raise_fd_limit (guint needed)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;
  if (limit.rlim_cur < needed && limit.rlim_max > limit.rlim_cur)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (limit.rlim_cur < needed)
    g_error ("need %u file descriptors, may open %lu", needed, (unsigned long) limit.rlim_cur);
}

static char *
login (Bench *b)
{
  g_autoptr(SoupSession) session = new_session (b, 1);
  g_autofree char *url = g_strconcat (b->base, "/auth/token", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new_from_encoded_form (
    "POST", url, soup_form_encode ("grant_type", "password", "username", "bench", "password",
                                   HC_BENCH_PASSWORD, NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonObject) o = NULL;

  if (body == NULL || soup_message_get_status (msg) != 200)
    g_error ("login failed");
  o = parse_object (body);
  return g_strconcat ("Bearer ", json_object_get_string_member (o, "access_token"), NULL);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 10;
  guint n_idle = argc > 2 ? (guint) atoi (argv[2]) : 500;
  guint n_pushers = argc > 3 ? (guint) atoi (argv[3]) : 20;
  double rate = argc > 4 ? g_ascii_strtod (argv[4], NULL) : 10;
  const char *server_bin = g_getenv ("HOUSECALL_SERVER");
  const char *cli_bin = g_getenv ("HOUSECALL_CLI");
  g_autofree char *dir = hc_bench_workdir ("longpoll");
  g_autofree char *ca_path = g_build_filename (dir, "certs", "ca.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(GArray) base_ms = NULL;
  g_autoptr(GArray) idle_ms = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *report = NULL;
  g_autofree char *rate_text = NULL;
  Bench b = { 0 };
  g_autoptr(GSubprocess) perf = NULL;
  double rss_parked, rss_peak, t_end, catch_up_s, base_p[3], idle_p[3], delivery_p[2];
  double base_cpu, idle_cpu, base_load, idle_load;
  guint base_n, idle_n, incomplete = 0;

  if (server_bin == NULL || cli_bin == NULL)
    g_error ("set HOUSECALL_SERVER and HOUSECALL_CLI (meson test --benchmark does)");
  /* the server inherits the limit: it holds a connection per client too */
  raise_fd_limit (n_idle + n_pushers + 64);

  hc_bench_run (dir, (const char * const []) { cli_bin, "demo-data", "--patients", "100", "--seed", "5",
                                               "--date", "2026-11-27", "--out", "panel.ndjson", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "dev-cert", "--out", "certs", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "init-db", "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "user", "add", "bench", "--role", "physician",
                                               "--db", "server.db", NULL });
  hc_bench_run (dir, (const char * const []) { server_bin, "import", "panel.ndjson", "--db", "server.db", NULL });
  server = hc_bench_start_server (dir, server_bin, &b.base);

  b.ca = g_tls_file_database_new (ca_path, &error);
  if (b.ca == NULL)
    g_error ("%s", error->message);
  b.seconds = seconds;
  b.interval_us = rate > 0 ? (gint64) (G_USEC_PER_SEC / rate) : 0;
  b.n_idle = n_idle;
  b.n_pushers = n_pushers;
  b.auth = login (&b);
  b.pushers = g_new0 (Pusher, n_pushers);
  for (guint i = 0; i < n_pushers; i++)
    {
      b.pushers[i].bench = &b;
      b.pushers[i].index = i;
      b.pushers[i].latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
      b.pushers[i].sent_at = g_new0 (gint64, MAX_PUSHES);
    }
  b.delivery_ms = g_array_new (FALSE, FALSE, sizeof (double));

  /* baseline: the pushes alone */
  base_cpu = -hc_test_subprocess_cpu_seconds (server);
  base_ms = run_pushers (&b, 'a');
  base_cpu += hc_test_subprocess_cpu_seconds (server);
  base_load = hc_bench_load_average ();
  base_n = base_ms->len;

  /* the idle clients park their long-polls */
  cursor = head_cursor (&b);
  b.poll_session = new_session (&b, n_idle + 8);
  /* the pollers do not ask for gzip: inflating every page 500 times would make this process,
   * not the server, the bottleneck (the server gzips a shared page once either way) */
  soup_session_remove_feature_by_type (b.poll_session, SOUP_TYPE_CONTENT_DECODER);
  b.pollers = g_new0 (Poller, n_idle);
  for (guint i = 0; i < n_idle; i++)
    {
      Poller *p = &b.pollers[i];

      p->bench = &b;
      p->index = i;
      p->cursor = g_strdup (cursor);
      p->seen = g_malloc0 ((n_pushers * (gsize) MAX_PUSHES + 7) / 8);
      poll_send (p);
    }
  if (!wait_for (&b.n_parked, n_idle, 120))
    g_error ("only %u of %u long-polls were sent", b.n_parked, n_idle);
  /* let the server park the last ones */
  {
    guint never = 0;
    wait_for (&never, 1, 1.0);
  }
  rss_parked = hc_bench_proc_mib (g_subprocess_get_identifier (server), "VmRSS:");

  /* the same pushes with the idle clients connected */
  g_printerr ("longpoll: %u long-polls parked; pushing again\n", b.n_parked);
  perf = hc_bench_profile_start (g_subprocess_get_identifier (server), "longpoll");
  idle_cpu = -hc_test_subprocess_cpu_seconds (server);
  idle_ms = run_pushers (&b, 'b');
  idle_cpu += hc_test_subprocess_cpu_seconds (server);
  idle_load = hc_bench_load_average ();
  hc_bench_profile_stop (perf);
  idle_n = idle_ms->len;
  t_end = hc_bench_now ();
  for (guint i = 0; i < n_pushers; i++)
    b.total_pushed += b.pushers[i].pushed;
  /* pollers that had everything before the total was known */
  for (guint i = 0; i < n_idle; i++)
    {
      Poller *p = &b.pollers[i];
      if (!p->done && p->n_seen == b.total_pushed)
        {
          p->done = TRUE;
          b.n_complete++;
        }
    }
  wait_for (&b.n_complete, n_idle, 30);
  catch_up_s = hc_bench_now () - t_end;
  rss_peak = hc_bench_proc_mib (g_subprocess_get_identifier (server), "VmHWM:");
  for (guint i = 0; i < n_idle; i++)
    incomplete += b.pollers[i].n_seen != b.total_pushed;

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);

  base_p[0] = hc_bench_percentile (base_ms, 50);
  base_p[1] = hc_bench_percentile (base_ms, 95);
  base_p[2] = hc_bench_percentile (base_ms, 99);
  idle_p[0] = hc_bench_percentile (idle_ms, 50);
  idle_p[1] = hc_bench_percentile (idle_ms, 95);
  idle_p[2] = hc_bench_percentile (idle_ms, 99);
  delivery_p[0] = hc_bench_percentile (b.delivery_ms, 50);
  delivery_p[1] = hc_bench_percentile (b.delivery_ms, 95);
  {
    guint answers = 0, empty = 0;

    for (guint i = 0; i < n_idle; i++)
      {
        answers += b.pollers[i].answers;
        empty += b.pollers[i].empty;
      }
    json_object_set_int_member (result, "poll_answers_with_changes", answers);
    json_object_set_int_member (result, "poll_answers_empty", empty);
  }
  json_object_set_double_member (result, "seconds_per_phase", seconds);
  json_object_set_int_member (result, "idle_clients", n_idle);
  json_object_set_int_member (result, "pushers", n_pushers);
  json_object_set_double_member (result, "pushes_per_s_per_pusher", rate);
  json_object_set_int_member (result, "baseline_pushes", base_n);
  json_object_set_int_member (result, "pushes", idle_n);
  json_object_set_double_member (result, "baseline_push_ms_p50", base_p[0]);
  json_object_set_double_member (result, "baseline_push_ms_p95", base_p[1]);
  json_object_set_double_member (result, "baseline_push_ms_p99", base_p[2]);
  json_object_set_double_member (result, "push_ms_p50", idle_p[0]);
  json_object_set_double_member (result, "push_ms_p95", idle_p[1]);
  json_object_set_double_member (result, "push_ms_p99", idle_p[2]);
  json_object_set_double_member (result, "p95_ratio", base_p[1] > 0 ? idle_p[1] / base_p[1] : 0);
  json_object_set_double_member (result, "baseline_server_cpu_s", base_cpu);
  json_object_set_double_member (result, "server_cpu_s", idle_cpu);
  json_object_set_double_member (result, "baseline_load_average", base_load);
  json_object_set_double_member (result, "load_average", idle_load);
  json_object_set_double_member (result, "server_rss_parked_mib", rss_parked);
  json_object_set_double_member (result, "server_peak_rss_mib", rss_peak);
  json_object_set_double_member (result, "delivery_ms_p50", delivery_p[0]);
  json_object_set_double_member (result, "delivery_ms_p95", delivery_p[1]);
  json_object_set_double_member (result, "catch_up_s", catch_up_s);
  json_object_set_int_member (result, "pollers_missing_changes", incomplete);
  json_object_set_int_member (result, "push_errors", b.n_errors);
  json_object_set_double_member (result, "target_server_rss_mib", 200);
  json_object_set_double_member (result, "target_push_ms_p95", 50);
  rate_text = rate > 0 ? g_strdup_printf ("%g", rate) : g_strdup ("max");
  report = g_strdup_printf (
    "longpoll: %u idle long-polls + %u pushers at %s/s, %.0f s: push p50/p95/p99 %.1f/%.1f/%.1f ms "
    "(%.0f/s) vs %.1f/%.1f/%.1f ms (%.0f/s) with no idle clients (p95 ratio %.2f); server "
    "peak RSS %.0f MiB (%.0f MiB with all parked); every poller got all %u records: %s "
    "(delivery p50/p95 %.0f/%.0f ms); server CPU %.1f s vs %.1f s, load average %.1f vs %.1f; "
    "targets RSS < 200 MiB, p95 < 50 ms",
    n_idle, n_pushers, rate_text, seconds, idle_p[0], idle_p[1], idle_p[2], idle_n / seconds, base_p[0],
    base_p[1], base_p[2], base_n / seconds, base_p[1] > 0 ? idle_p[1] / base_p[1] : 0, rss_peak,
    rss_parked, b.total_pushed, incomplete == 0 && b.n_errors == 0 ? "yes" : "NO", delivery_p[0],
    delivery_p[1], idle_cpu, base_cpu, idle_load, base_load);
  hc_bench_report ("longpoll", result, report);

  g_clear_object (&b.poll_session);
  for (guint i = 0; i < n_idle; i++)
    {
      g_free (b.pollers[i].cursor);
      g_free (b.pollers[i].seen);
    }
  for (guint i = 0; i < n_pushers; i++)
    {
      g_array_unref (b.pushers[i].latency_ms);
      g_free (b.pushers[i].sent_at);
    }
  g_free (b.pollers);
  g_free (b.pushers);
  g_array_unref (b.delivery_ms);
  g_free (b.auth);
  g_free (b.base);
  g_clear_object (&b.ca);
  hc_bench_rmtree (dir);
  return incomplete == 0 && b.n_errors == 0 ? 0 : 1;
}
