/* hc-server.c: the HTTPS front of housecall-server: FHIR REST and the token endpoint
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Logs carry methods, resource types, ids and status codes, never bodies, names or tokens.
 */

#define G_LOG_DOMAIN "hc-server"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "hc-auth.h"
#include "hc-fhir.h"
#include "hc-import.h"
#include "hc-json.h"
#include "hc-outcome.h"
#include "hc-request.h"
#include "hc-search-params.h"
#include "hc-server.h"

#define MAX_BODY_BYTES (16 * 1024 * 1024)
#define FHIR_JSON      "application/fhir+json"

struct _HcServer
{
  GObject          parent_instance;

  SoupServer      *soup;
  HcServerDb      *db;
  GTlsCertificate *certificate;
  HcRateLimiter   *login_limiter;
  guint            access_seconds;
  guint            refresh_seconds;
  guint            port;
  GList           *waiters;        /* long-polling $sync-changes requests */
  GPtrArray       *audit_queue;    /* AuditEvents not yet in the database (reads) */
  guint            audit_flush_id;
  GList           *held;           /* answered, waiting for the database sync */
  guint            sync_id;
  guint            wake_id;        /* a wake-up of the waiters is due or running */
  gint64           last_wake;      /* monotonic µs */
  guint            last_answered;  /* long-polls answered then */
  guint            wake_run;       /* number of the current or last wake-up run */
  gboolean         waking;         /* a run is answering waiters, a few at a time */
  gboolean         wake_again;     /* a write during the run: another run after it */
  guint            run_answered;
  GHashTable      *wake_pages;     /* the run's pages: "after/role/count" -> SharedPage */
};

#define SYNC_DEFAULT_COUNT 500
#define SYNC_MAX_COUNT     5000
#define SYNC_MAX_BYTES     (8 * 1024 * 1024)
#define SYNC_MAX_WAIT      60
/* Under a stream of writes, parked long-polls are answered at most every WAKE_INTERVAL_MS,
 * or every WAKE_COST_US per request answered at the last wake-up when that is longer, each
 * answer carrying every write since: so the long-polls of many idle clients take at most
 * about five hundred answers a second, whatever the rate of writes. */
#define WAKE_INTERVAL_MS   100
#define WAKE_COST_US       2000
/* a wake-up answers this many at a time, letting other requests (pushes) in between */
#define WAKE_BATCH         25

G_DEFINE_FINAL_TYPE (HcServer, hc_server, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------------------------ */
/* Responses */

/* @text gzipped, or NULL when that fails. */
static GBytes *
gzip_text (const char *text,
           gsize       length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

  if (!g_output_stream_write_all (out, text, length, NULL, NULL, NULL) ||
      !g_output_stream_close (out, NULL, NULL))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* Answers @text, gzipped (fastest level) when the client accepts it and it is worth it: sync
 * pages are repetitive JSON and shrink to about an eighth. With @gzip_cache, answers that
 * share the text gzip it once. The answer refers to @text (or the gzip): nothing is copied,
 * so the hundreds of long-polls a wake-up answers with one page share it. */
static void
respond_json_bytes (SoupServerMessage  *msg,
                    guint               status,
                    const char         *content_type,
                    GBytes             *text,
                    GBytes            **gzip_cache)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  gsize length;
  const char *data = g_bytes_get_data (text, &length);
  g_autoptr(GBytes) gzipped = NULL;

  soup_server_message_set_status (msg, status, NULL);
  if (length > 1400 &&
      hc_request_accepts_gzip (soup_message_headers_get_list (request, "Accept-Encoding")))
    {
      if (gzip_cache != NULL && *gzip_cache != NULL)
        gzipped = g_bytes_ref (*gzip_cache);
      else if ((gzipped = gzip_text (data, length)) != NULL && gzip_cache != NULL)
        *gzip_cache = g_bytes_ref (gzipped);
    }
  if (gzipped != NULL)
    {
      soup_message_headers_replace (response, "Content-Encoding", "gzip");
      soup_message_headers_append (response, "Vary", "Accept-Encoding");
    }
  soup_message_headers_replace (response, "Content-Type", content_type);
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
                                  gzipped != NULL ? gzipped : text);
}

/* @text (owned, or NULL) as bytes, without a copy */
static GBytes *
page_bytes (char *text)
{
  return text != NULL ? g_bytes_new_take (text, strlen (text)) : NULL;
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *content_type,
              const char        *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  respond_json_bytes (msg, status, content_type, bytes, NULL);
}

static void
respond_object (SoupServerMessage *msg,
                guint              status,
                JsonObject        *object)
{
  g_autofree char *text = hc_json_object_to_string (object, FALSE);
  respond_json (msg, status, FHIR_JSON, text);
}

/* An OperationOutcome with @status and a message. */
static void
respond_outcome (SoupServerMessage *msg,
                 guint              status,
                 const char        *code,
                 const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED, message);
  g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
  JsonObject *issue = json_array_get_object_element (json_object_get_array_member (outcome, "issue"), 0);

  json_object_set_string_member (issue, "code", code);
  respond_object (msg, status, outcome);
}

static void
respond_error (SoupServerMessage *msg,
               const GError      *error)
{
  guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
  JsonObject *issue = json_array_get_object_element (json_object_get_array_member (outcome, "issue"), 0);
  const char *code = NULL;

  if (error->domain == HC_SERVER_ERROR)
    switch (error->code)
      {
      case HC_SERVER_ERROR_NOT_FOUND: status = SOUP_STATUS_NOT_FOUND; code = "not-found"; break;
      case HC_SERVER_ERROR_GONE: status = SOUP_STATUS_GONE; code = "deleted"; break;
      case HC_SERVER_ERROR_INVALID: status = SOUP_STATUS_BAD_REQUEST; code = "invalid"; break;
      case HC_SERVER_ERROR_VERSION: status = SOUP_STATUS_PRECONDITION_FAILED; code = "conflict"; break;
      case HC_SERVER_ERROR_EXISTS: status = SOUP_STATUS_PRECONDITION_FAILED; code = "duplicate"; break;
      case HC_SERVER_ERROR_UNAUTHORIZED: status = SOUP_STATUS_UNAUTHORIZED; code = "login"; break;
      case HC_SERVER_ERROR_FORBIDDEN: status = SOUP_STATUS_FORBIDDEN; code = "forbidden"; break;
      default: code = "exception"; break;
      }
  else if (error->domain == HC_FHIR_ERROR || error->domain == HC_JSON_ERROR)
    status = SOUP_STATUS_BAD_REQUEST;
  if (code != NULL)
    json_object_set_string_member (issue, "code", code);
  if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    g_warning ("internal error: %s", g_quark_to_string (error->domain));
  respond_object (msg, status, outcome);
}

static void
set_version_headers (SoupServerMessage      *msg,
                     const HcServerResource *r)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"", r->version);
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (r->last_updated, NULL);

  soup_message_headers_replace (headers, "ETag", etag);
  if (when != NULL)
    {
      g_autofree char *http_date = soup_date_time_to_string (when, SOUP_DATE_HTTP);
      soup_message_headers_replace (headers, "Last-Modified", http_date);
    }
}

static void
respond_resource (SoupServerMessage      *msg,
                  guint                   status,
                  const HcServerResource *r)
{
  set_version_headers (msg, r);
  if (r->json != NULL)
    respond_json (msg, status, FHIR_JSON, r->json);
  else
    soup_server_message_set_status (msg, status == SOUP_STATUS_OK ? SOUP_STATUS_NO_CONTENT : status,
                                    NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Requests */

/* Drops the connection of a request whose body passed the limit on the wire: nothing of it
 * was stored, and the client learns no more than that the connection went. */
static void
drop_connection (SoupServerMessage *msg)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);

  g_message ("request body over the limit: connection closed");
  if (stream != NULL)
    {
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
}

/* Request bodies sent with Content-Encoding: gzip are decoded as they arrive, through one
 * streaming decompressor per gzip layer ("gzip, gzip" is a gzip of a gzip). The compressed
 * bytes are not kept, and decoding stops for good once a layer's output passes
 * MAX_BODY_BYTES, so a decompression bomb costs at most that much memory and never reaches a
 * handler. */

#define MAX_GZIP_LAYERS 4

typedef struct
{
  GConverter *converters[MAX_GZIP_LAYERS];
  gsize       produced[MAX_GZIP_LAYERS];
  gboolean    finished[MAX_GZIP_LAYERS];
  guint       n_layers;
  gsize       received;      /* compressed bytes, for the limit on the wire */
  GByteArray *decoded;
  GError     *error;         /* G_IO_ERROR_MESSAGE_TOO_LARGE or G_IO_ERROR_INVALID_DATA */
} BodyDecoder;

static void
body_decoder_free (gpointer data)
{
  BodyDecoder *d = data;

  for (guint i = 0; i < d->n_layers; i++)
    g_clear_object (&d->converters[i]);
  g_clear_pointer (&d->decoded, g_byte_array_unref);
  g_clear_error (&d->error);
  g_free (d);
}

static gboolean
body_decoder_fail (BodyDecoder *d,
                   int          code,
                   const char  *message)
{
  if (d->error == NULL)
    d->error = g_error_new_literal (G_IO_ERROR, code, message);
  /* what was decoded so far goes at once */
  g_clear_pointer (&d->decoded, g_byte_array_unref);
  return FALSE;
}

/* Feeds @len bytes into layer @layer (n_layers: the decoded body); FALSE once it failed. */
static gboolean
body_decoder_feed (BodyDecoder  *d,
                   guint         layer,
                   const guint8 *in,
                   gsize         len)
{
  guint8 out[16 * 1024];
  gsize written;

  if (d->error != NULL)
    return FALSE;
  if (layer == d->n_layers)
    {
      if (d->decoded->len + len > MAX_BODY_BYTES)
        return body_decoder_fail (d, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                  "the request body is larger than 16 MB once decompressed");
      g_byte_array_append (d->decoded, in, len);
      return TRUE;
    }
  if (d->finished[layer])
    return len == 0 || body_decoder_fail (d, G_IO_ERROR_INVALID_DATA,
                                          "data after the end of the gzip stream");
  do
    {
      g_autoptr(GError) error = NULL;
      gsize read = 0;
      GConverterResult result;

      written = 0;
      result = g_converter_convert (d->converters[layer], in, len, out, sizeof out,
                                    G_CONVERTER_NO_FLAGS, &read, &written, &error);
      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            return TRUE;   /* it needs more input */
          return body_decoder_fail (d, G_IO_ERROR_INVALID_DATA, "the body is not valid gzip");
        }
      in += read;
      len -= read;
      d->produced[layer] += written;
      /* inner layers are capped too, so a layer that yields nothing cannot keep us busy */
      if (d->produced[layer] > MAX_BODY_BYTES)
        return body_decoder_fail (d, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                  "the request body is larger than 16 MB once decompressed");
      if (written > 0 && !body_decoder_feed (d, layer + 1, out, written))
        return FALSE;
      if (result == G_CONVERTER_FINISHED)
        {
          d->finished[layer] = TRUE;
          return body_decoder_feed (d, layer, in, len);
        }
    }
  while (len > 0 || written == sizeof out);
  return TRUE;
}

static void
decode_chunk_cb (SoupServerMessage *msg,
                 GBytes            *chunk,
                 gpointer           user_data)
{
  BodyDecoder *d = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (chunk, &size);

  d->received += size;
  if (d->received > MAX_BODY_BYTES)
    drop_connection (msg);
  else
    body_decoder_feed (d, 0, data, size);
}

/* Decodes a gzip request body on the fly when @encodings (a Content-Encoding list) is gzip
 * once or a few times; FALSE when it names anything else. */
static gboolean
decode_request_body (SoupServerMessage *msg,
                     const char        *encodings)
{
  GSList *list = soup_header_parse_list (encodings);
  BodyDecoder *d = g_new0 (BodyDecoder, 1);
  gboolean known = TRUE;

  for (GSList *l = list; l != NULL && known; l = l->next)
    {
      const char *coding = l->data;

      if (g_ascii_strcasecmp (coding, "identity") == 0)
        continue;
      known = (g_ascii_strcasecmp (coding, "gzip") == 0 || g_ascii_strcasecmp (coding, "x-gzip") == 0) &&
              d->n_layers < MAX_GZIP_LAYERS;
      if (!known)
        break;
      /* the last coding listed was applied last, so it is undone first */
      memmove (d->converters + 1, d->converters, d->n_layers * sizeof d->converters[0]);
      d->converters[0] = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
      d->n_layers++;
    }
  soup_header_free_list (list);
  if (!known || d->n_layers == 0)
    {
      body_decoder_free (d);
      return known;
    }
  d->decoded = g_byte_array_new ();
  /* the compressed body is decoded, not kept */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), "hc-body-decoder", d, body_decoder_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (decode_chunk_cb), d);
  return TRUE;
}

/* The request body, decoded when it came gzipped; NULL when it was corrupt
 * (G_IO_ERROR_INVALID_DATA) or decoded past the limit (G_IO_ERROR_MESSAGE_TOO_LARGE). */
static GBytes *
request_bytes (SoupServerMessage  *msg,
               GError            **error)
{
  BodyDecoder *d = g_object_get_data (G_OBJECT (msg), "hc-body-decoder");

  if (d == NULL)
    return soup_message_body_flatten (soup_server_message_get_request_body (msg));
  for (guint i = 0; i < d->n_layers && d->error == NULL; i++)
    if (!d->finished[i])
      body_decoder_fail (d, G_IO_ERROR_INVALID_DATA, "the gzip stream is cut short");
  if (d->error != NULL)
    {
      g_propagate_error (error, g_error_copy (d->error));
      return NULL;
    }
  return g_bytes_new (d->decoded->data, d->decoded->len);
}

/* The request body as a JSON object, or an error response already set. */
static JsonObject *
read_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len;
  const char *data;

  if (content_type == NULL ||
      (g_ascii_strcasecmp (content_type, FHIR_JSON) != 0 &&
       g_ascii_strcasecmp (content_type, "application/json") != 0))
    {
      respond_outcome (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "not-supported",
                       "send FHIR resources as application/fhir+json");
      return NULL;
    }
  bytes = request_bytes (msg, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE))
        respond_outcome (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-costly", error->message);
      else
        respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "structure", error->message);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &len);
  node = hc_json_parse (data ? data : "", len, &error);
  if (node == NULL)
    {
      g_prefix_error (&error, "malformed JSON: ");
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "structure", error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "structure", "expected a FHIR resource");
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

/* The user's role from a valid bearer token, or a 401 response already set. */
static gboolean
authenticate (HcServer          *self,
              SoupServerMessage *msg,
              HcRole            *role,
              char             **user_out)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *token = hc_request_bearer_token (soup_message_headers_get_one (headers,
                                                                                   "Authorization"));
  g_autofree char *hash = NULL;
  g_autofree char *user = NULL;
  g_autofree char *role_name = NULL;
  g_autoptr(GError) error = NULL;

  if (token == NULL)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"housecall\"");
      respond_outcome (msg, SOUP_STATUS_UNAUTHORIZED, "login", "a bearer token is required");
      return FALSE;
    }
  hash = hc_auth_token_hash (token);
  if (!hc_server_db_check_token (self->db, hash, "access", g_get_real_time (), &user, &role_name,
                                 &error) ||
      !hc_role_from_string (role_name, role))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate",
                                    "Bearer realm=\"housecall\", error=\"invalid_token\"");
      respond_outcome (msg, SOUP_STATUS_UNAUTHORIZED, "login",
                       "the token is unknown, expired or revoked; log in again");
      return FALSE;
    }
  *user_out = g_steal_pointer (&user);
  return TRUE;
}


/* ------------------------------------------------------------------------------------------ */
/* The audit trail: an AuditEvent for every read, write, sync and login. Events of writes are
 * stored at once; those of reads are batched and stored within a second (and at shutdown),
 * so a read does not cost a disk sync. */

typedef struct
{
  char *id;
  char *recorded;
  char *json;
} PendingAudit;

static void
pending_audit_free (gpointer data)
{
  PendingAudit *a = data;
  g_free (a->id);
  g_free (a->recorded);
  g_free (a->json);
  g_free (a);
}

static void
audit_flush (HcServer *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->audit_flush_id, g_source_remove);
  if (self->audit_queue->len == 0)
    return;
  if (hc_server_db_begin (self->db, &error))
    {
      for (guint i = 0; i < self->audit_queue->len && error == NULL; i++)
        {
          PendingAudit *a = self->audit_queue->pdata[i];
          hc_server_db_add_audit (self->db, a->id, a->recorded, a->json, &error);
        }
      if (error == NULL)
        hc_server_db_commit (self->db, &error);
      else
        hc_server_db_rollback (self->db);
    }
  if (error != NULL)
    g_warning ("cannot store %u audit events", self->audit_queue->len);
  g_ptr_array_set_size (self->audit_queue, 0);
}

static gboolean
audit_flush_cb (gpointer data)
{
  HcServer *self = data;

  self->audit_flush_id = 0;
  audit_flush (self);
  return G_SOURCE_REMOVE;
}

/* An AuditEvent.entity: a record (Type/id) or a whole type (a create that was refused, say). */
static JsonObject *
audit_entity (const char *entity)
{
  JsonObject *e = json_object_new ();

  if (strchr (entity, '/') != NULL)
    {
      JsonObject *what = json_object_new ();
      json_object_set_string_member (what, "reference", entity);
      json_object_set_object_member (e, "what", what);
    }
  else
    {
      JsonObject *coding = json_object_new ();
      json_object_set_string_member (coding, "system", "http://hl7.org/fhir/resource-types");
      json_object_set_string_member (coding, "code", entity);
      json_object_set_object_member (e, "type", coding);
    }
  return e;
}

/* One AuditEvent for @n_entities records (Type/id, or a whole type) */
static void
audit_entities (HcServer           *self,
                const char         *user,
                const char         *action,      /* C R U D E */
                const char         *subtype,     /* a restful-interaction code, or "login" */
                const char * const *entity_list,
                guint               n_entities,
                gboolean            success,
                gboolean            now)
{
  g_autoptr(JsonObject) event = json_object_new ();
  g_autoptr(GDateTime) time = g_date_time_new_now_utc ();
  gboolean login = g_str_equal (subtype, "login");
  JsonObject *type = json_object_new ();
  JsonArray *subtypes = json_array_new ();
  JsonObject *sub = json_object_new ();
  JsonArray *agents = json_array_new ();
  JsonObject *agent = json_object_new ();
  JsonObject *who = json_object_new ();
  JsonObject *identifier = json_object_new ();
  JsonObject *source = json_object_new ();
  JsonObject *observer = json_object_new ();
  PendingAudit *a = g_new0 (PendingAudit, 1);

  a->id = hc_fhir_new_id ();
  a->recorded = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.%fZ");
  json_object_set_string_member (event, "resourceType", "AuditEvent");
  json_object_set_string_member (event, "id", a->id);
  json_object_set_string_member (type, "system", login ? "http://dicom.nema.org/resources/ontology/DCM"
                                                       : "http://terminology.hl7.org/CodeSystem/audit-event-type");
  json_object_set_string_member (type, "code", login ? "110114" : "rest");
  json_object_set_string_member (type, "display", login ? "User Authentication" : "RESTful Operation");
  json_object_set_object_member (event, "type", type);
  json_object_set_string_member (sub, "system", login ? "http://dicom.nema.org/resources/ontology/DCM"
                                                      : "http://hl7.org/fhir/restful-interaction");
  json_object_set_string_member (sub, "code", login ? "110122" : subtype);
  json_array_add_object_element (subtypes, sub);
  json_object_set_array_member (event, "subtype", subtypes);
  json_object_set_string_member (event, "action", action);
  json_object_set_string_member (event, "recorded", a->recorded);
  json_object_set_string_member (event, "outcome", success ? "0" : "4");
  json_object_set_string_member (identifier, "system", "urn:housecall:user");
  json_object_set_string_member (identifier, "value", user ? user : "unknown");
  json_object_set_object_member (who, "identifier", identifier);
  json_object_set_object_member (agent, "who", who);
  json_object_set_boolean_member (agent, "requestor", TRUE);
  json_array_add_object_element (agents, agent);
  json_object_set_array_member (event, "agent", agents);
  json_object_set_string_member (observer, "display", "housecall-server");
  json_object_set_object_member (source, "observer", observer);
  json_object_set_object_member (event, "source", source);
  if (n_entities > 0)
    {
      JsonArray *entities = json_array_new ();

      for (guint i = 0; i < n_entities; i++)
        json_array_add_object_element (entities, audit_entity (entity_list[i]));
      json_object_set_array_member (event, "entity", entities);
    }
  a->json = hc_json_object_to_string (event, FALSE);
  g_ptr_array_add (self->audit_queue, a);

  if (now || self->audit_queue->len >= 256)
    audit_flush (self);
  else if (self->audit_flush_id == 0)
    self->audit_flush_id = g_timeout_add_seconds (1, audit_flush_cb, self);
}

static void
audit (HcServer   *self,
       const char *user,
       const char *action,      /* C R U D E */
       const char *subtype,     /* a restful-interaction code, or "login" */
       const char *entity,      /* Type/id or NULL */
       gboolean    success,
       gboolean    now)
{
  audit_entities (self, user, action, subtype, &entity, entity != NULL, success, now);
}

/* ------------------------------------------------------------------------------------------ */
/* Group commit: the database does not wait for the disk at each commit. An answer given while
 * a commit may not be on disk is held; once per main-loop iteration one sync makes every
 * commit so far durable and the held answers go out. So no answer tells of a write that a
 * power cut could undo, and writers arriving together share one wait for the disk. */

typedef struct
{
  HcServer           *self;
  SoupServerCallback  handler;
} Handler;

/* Syncs the database if it needs it and lets the held answers go (a 500 each if the sync
 * failed: whether their writes are on disk is not known). */
static void
make_durable (HcServer *self)
{
  g_autoptr(GError) error = NULL;
  GList *held = g_steal_pointer (&self->held);

  g_clear_handle_id (&self->sync_id, g_source_remove);
  if (!hc_server_db_sync (self->db, &error))
    g_warning ("cannot sync the database: %s", error->message);
  for (GList *l = held; l != NULL; l = l->next)
    {
      if (error != NULL)
        respond_outcome (l->data, SOUP_STATUS_INTERNAL_SERVER_ERROR, "exception",
                         "the server could not store this on disk");
      soup_server_message_unpause (l->data);
    }
  g_list_free_full (held, g_object_unref);
}

static gboolean
sync_cb (gpointer data)
{
  HcServer *self = data;

  self->sync_id = 0;
  make_durable (self);
  return G_SOURCE_REMOVE;
}

static void
durable_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Handler *h = user_data;
  HcServer *self = h->self;

  h->handler (server, msg, path, query, self);
  /* a parked long-poll has no answer yet */
  if (soup_server_message_get_status (msg) == 0 || !hc_server_db_needs_sync (self->db))
    return;
  soup_server_message_pause (msg);
  self->held = g_list_prepend (self->held, g_object_ref (msg));
  /* after the other requests ready in this iteration of the main loop */
  if (self->sync_id == 0)
    self->sync_id = g_idle_add_full (G_PRIORITY_DEFAULT, sync_cb, self, NULL);
}

static void
add_handler (HcServer           *self,
             const char         *path,
             SoupServerCallback  handler)
{
  Handler *h = g_new (Handler, 1);

  h->self = self;
  h->handler = handler;
  soup_server_add_handler (self->soup, path, durable_cb, h, g_free);
}

/* ------------------------------------------------------------------------------------------ */
/* /auth/token and /auth/revoke (OAuth 2.0 token endpoint, form-encoded) */

static void
respond_oauth_error (SoupServerMessage *msg,
                     guint              status,
                     const char        *code,
                     const char        *description)
{
  g_autoptr(JsonObject) o = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_string_member (o, "error", code);
  json_object_set_string_member (o, "error_description", description);
  text = hc_json_object_to_string (o, FALSE);
  respond_json (msg, status, "application/json", text);
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (g_strcmp0 (content_type, "application/x-www-form-urlencoded") != 0)
    return NULL;
  bytes = request_bytes (msg, NULL);
  if (bytes == NULL)
    return NULL;
  len = g_bytes_get_size (bytes);
  if (len > 64 * 1024)
    return NULL;
  text = g_strndup (g_bytes_get_data (bytes, NULL), len);
  return soup_form_decode (text);
}

static void
issue_tokens (HcServer          *self,
              SoupServerMessage *msg,
              const char        *user,
              const char        *role)
{
  g_autofree char *access = hc_auth_new_token ();
  g_autofree char *refresh = hc_auth_new_token ();
  g_autofree char *access_hash = hc_auth_token_hash (access);
  g_autofree char *refresh_hash = hc_auth_token_hash (refresh);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = json_object_new ();
  g_autofree char *text = NULL;
  gint64 now = g_get_real_time ();

  if (!hc_server_db_add_token (self->db, access_hash, "access", user,
                               now + (gint64) self->access_seconds * G_USEC_PER_SEC, &error) ||
      !hc_server_db_add_token (self->db, refresh_hash, "refresh", user,
                               now + (gint64) self->refresh_seconds * G_USEC_PER_SEC, &error))
    {
      respond_oauth_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "server_error", "cannot store the token");
      return;
    }
  json_object_set_string_member (o, "access_token", access);
  json_object_set_string_member (o, "token_type", "Bearer");
  json_object_set_int_member (o, "expires_in", self->access_seconds);
  json_object_set_string_member (o, "refresh_token", refresh);
  json_object_set_string_member (o, "role", role);
  text = hc_json_object_to_string (o, FALSE);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  respond_json (msg, SOUP_STATUS_OK, "application/json", text);
}

/* five failed logins in fifteen minutes lock a user name for the rest of the window */
#define LOGIN_MAX_FAILURES   5
#define LOGIN_WINDOW_SECONDS (15 * 60)

/* Whether @key may try a login: this process's limiter and, on PostgreSQL, the failures that
 * every server process on the database recorded; else *@retry says when. */
static gboolean
login_allowed (HcServer   *self,
               const char *key,
               gint64      now,
               gint64     *retry)
{
  return hc_rate_limiter_check (self->login_limiter, key, now, retry) &&
         !hc_server_db_login_blocked (self->db, key, now, LOGIN_MAX_FAILURES,
                                      LOGIN_WINDOW_SECONDS * G_USEC_PER_SEC, retry);
}

static void
token_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  HcServer *self = user_data;
  g_autoptr(GHashTable) form = NULL;
  const char *grant;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      respond_oauth_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "invalid_request", "use POST");
      return;
    }
  form = read_form (msg);
  if (form == NULL)
    {
      respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                           "send application/x-www-form-urlencoded");
      return;
    }
  grant = g_hash_table_lookup (form, "grant_type");

  if (g_strcmp0 (grant, "password") == 0)
    {
      const char *user = g_hash_table_lookup (form, "username");
      const char *password = g_hash_table_lookup (form, "password");
      g_autofree char *key = NULL;
      g_autofree char *role = NULL;
      g_autofree char *hash = NULL;
      gint64 now = g_get_real_time (), retry = 0;
      gboolean known;

      if (user == NULL || password == NULL)
        {
          respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                               "username and password are required");
          return;
        }
      key = g_strconcat ("user:", user, NULL);
      if (!login_allowed (self, key, now, &retry))
        {
          g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                      retry / G_USEC_PER_SEC + 1);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", seconds);
          respond_oauth_error (msg, 429 /* Too Many Requests */, "slow_down",
                               "too many failed logins; try again later");
          return;
        }
      known = hc_server_db_get_user (self->db, user, &role, &hash, NULL);
      /* an unknown user costs the same time as a wrong password */
      if (!hc_auth_verify_password (password, known ? hash : hc_auth_dummy_hash ()) || !known)
        {
          hc_rate_limiter_failure (self->login_limiter, key, now);
          hc_server_db_login_failed (self->db, key, now, LOGIN_WINDOW_SECONDS * G_USEC_PER_SEC);
          g_message ("login refused");
          audit (self, user, "E", "login", NULL, FALSE, TRUE);
          respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                               "wrong user name or password");
          return;
        }
      hc_rate_limiter_success (self->login_limiter, key);
      hc_server_db_login_succeeded (self->db, key);
      audit (self, user, "E", "login", NULL, TRUE, TRUE);
      issue_tokens (self, msg, user, role);
    }
  else if (g_strcmp0 (grant, "refresh_token") == 0)
    {
      const char *refresh = g_hash_table_lookup (form, "refresh_token");
      g_autofree char *hash = refresh ? hc_auth_token_hash (refresh) : NULL;
      g_autofree char *user = NULL;
      g_autofree char *role = NULL;

      if (hash == NULL ||
          !hc_server_db_check_token (self->db, hash, "refresh", g_get_real_time (), &user, &role,
                                     NULL))
        {
          respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                               "the refresh token is unknown, expired or revoked; log in again");
          return;
        }
      /* rotation: a refresh token works once */
      hc_server_db_revoke_token (self->db, hash, NULL);
      issue_tokens (self, msg, user, role);
    }
  else
    respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                         "grant_type must be password or refresh_token");
}

static void
revoke_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  HcServer *self = user_data;
  g_autoptr(GHashTable) form = read_form (msg);
  const char *token = form ? g_hash_table_lookup (form, "token") : NULL;
  g_autofree char *hash = NULL;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0 || token == NULL)
    {
      respond_oauth_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                           "POST a form with the token to revoke");
      return;
    }
  /* RFC 7009: revoking an unknown token is not an error */
  hash = hc_auth_token_hash (token);
  hc_server_db_revoke_token (self->db, hash, NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}


/* ------------------------------------------------------------------------------------------ */
/* $sync-changes */

typedef struct
{
  GString *entries;
  HcRole   role;
  guint    n_entries;
  guint    visited;
  gint64   last_seq;
  gboolean full;          /* stopped at the byte bound */
} ChangePage;

static gboolean
add_change (const HcServerResource *r,
            gpointer                user_data)
{
  ChangePage *page = user_data;

  page->visited++;
  page->last_seq = r->seq;
  /* what the role may not read is not sent, but the cursor moves past it */
  if (!hc_role_allows (page->role, r->type, HC_ACCESS_READ))
    return TRUE;
  if (page->n_entries++ > 0)
    g_string_append_c (page->entries, ',');
  g_string_append_c (page->entries, '{');
  if (!r->deleted)
    {
      g_string_append (page->entries, "\"resource\":");
      g_string_append (page->entries, r->json);
      g_string_append_c (page->entries, ',');
    }
  g_string_append_printf (page->entries,
                          "\"request\":{\"method\":\"%s\",\"url\":\"%s/%s\"},"
                          "\"response\":{\"status\":\"%s\",\"etag\":\"W/\\\"%" G_GINT64_FORMAT
                          "\\\"\",\"lastModified\":\"%s\"}}",
                          r->deleted ? "DELETE" : "PUT", r->type, r->id,
                          r->deleted ? "204" : "200", r->version, r->last_updated);
  if (page->entries->len > SYNC_MAX_BYTES)
    {
      page->full = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* A $sync-changes page after @after; NULL with @error set when the database failed, or NULL
 * without when @skip_empty and there is nothing new. */
static char *
changes_page (HcServer  *self,
              HcRole     role,
              gint64     after,
              gboolean   snapshot,
              guint      count,
              gboolean   skip_empty,
              GError   **error)
{
  ChangePage page = { g_string_sized_new (64 * 1024), role, 0, 0, after, FALSE };
  GString *out;
  gboolean up_to_date;

  if (!hc_server_db_changes (self->db, after, snapshot, count, add_change, &page, error) ||
      (skip_empty && page.visited == 0))
    {
      g_string_free (page.entries, TRUE);
      return NULL;
    }
  up_to_date = !page.full && page.visited < count;

  out = g_string_sized_new (page.entries->len + 512);
  g_string_append_printf (out,
                          "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"meta\":{\"extension\":["
                          "{\"url\":\"urn:housecall:sync:cursor\",\"valueString\":\"%s.%" G_GINT64_FORMAT "\"},"
                          "{\"url\":\"urn:housecall:sync:head\",\"valueString\":\"%" G_GINT64_FORMAT "\"},"
                          "{\"url\":\"urn:housecall:sync:up-to-date\",\"valueBoolean\":%s}]}",
                          hc_server_db_epoch (self->db), page.last_seq, hc_server_db_head (self->db),
                          up_to_date ? "true" : "false");
  if (!up_to_date)
    g_string_append_printf (out, ",\"link\":[{\"relation\":\"next\",\"url\":"
                                 "\"$sync-changes?cursor=%s.%" G_GINT64_FORMAT "&_count=%u\"}]",
                            hc_server_db_epoch (self->db), page.last_seq, count);
  if (page.n_entries > 0)
    {
      g_string_append (out, ",\"entry\":[");
      g_string_append_len (out, page.entries->str, page.entries->len);
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, '}');
  g_string_free (page.entries, TRUE);
  return g_string_free (out, FALSE);
}

/* Answers a $sync-changes request; FALSE (and no answer) when @may_wait and there is
 * nothing new, so the caller can park the request. */
static gboolean
respond_changes (HcServer          *self,
                 SoupServerMessage *msg,
                 HcRole             role,
                 gint64             after,
                 gboolean           snapshot,
                 guint              count,
                 gboolean           may_wait)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = page_bytes (changes_page (self, role, after, snapshot, count, may_wait,
                                                     &error));

  if (text == NULL && error == NULL)
    return FALSE;
  if (text == NULL)
    respond_error (msg, error);
  else
    respond_json_bytes (msg, SOUP_STATUS_OK, FHIR_JSON, text, NULL);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Search, $everything and paged history */

/* The absolute base of the FHIR endpoint as the client reached it: "https://host:port/fhir". */
static char *
request_base (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);

  return g_uri_join (G_URI_FLAGS_NONE, "https", NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                     "/fhir", NULL, NULL);
}

/* Parses the query (and, for POST _search, the form body) of @msg; an error answer is set
 * when it returns NULL. */
static HcSearchParams *
read_search_params (SoupServerMessage  *msg,
                    const char         *type,
                    HcSearchParseFlags  flags,
                    gboolean            form)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  HcSearchParams *params;

  if (hc_request_prefers_strict (soup_message_headers_get_list (headers, "Prefer")))
    flags |= HC_SEARCH_PARSE_STRICT;
  if (form)
    {
      const char *content_type = soup_message_headers_get_content_type (headers, NULL);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      gsize len = g_bytes_get_size (bytes);

      if (g_strcmp0 (content_type, "application/x-www-form-urlencoded") != 0)
        {
          respond_outcome (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "not-supported",
                           "POST _search takes an application/x-www-form-urlencoded body");
          return NULL;
        }
      text = g_strdup_printf ("%s&%.*s", query ? query : "", (int) MIN (len, 64 * 1024 + 1),
                              len ? (const char *) g_bytes_get_data (bytes, NULL) : "");
      query = text;
    }
  params = hc_search_params_parse (type, query, flags, &error);
  if (params == NULL)
    respond_outcome (msg, SOUP_STATUS_BAD_REQUEST,
                     g_error_matches (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_UNKNOWN)
                       ? "not-supported" : "value", error->message);
  return params;
}

/* A page of a searchset or history Bundle being collected. */
typedef struct
{
  HcRole      role;
  const char *base;
  gboolean    history;      /* entries in the history format */
  guint       n_keys;
  GPtrArray  *entries;      /* entry JSON texts, in the order the store reported them */
  GPtrArray  *tokens_next;  /* per row: the token of the page after it */
  GPtrArray  *tokens_prev;  /* per row: the token of the page before it */
  guint       visited;
} Page;

static void
page_init (Page       *page,
           HcRole      role,
           const char *base,
           gboolean    history,
           guint       n_keys)
{
  page->role = role;
  page->base = base;
  page->history = history;
  page->n_keys = n_keys;
  page->entries = g_ptr_array_new_with_free_func (g_free);
  page->tokens_next = g_ptr_array_new_with_free_func (g_free);
  page->tokens_prev = g_ptr_array_new_with_free_func (g_free);
  page->visited = 0;
}

static void
page_clear (Page *page)
{
  g_ptr_array_unref (page->entries);
  g_ptr_array_unref (page->tokens_next);
  g_ptr_array_unref (page->tokens_prev);
}

static gboolean
page_add (const HcServerSearchRow *row,
          gpointer                 user_data)
{
  Page *page = user_data;
  const HcServerResource *r = row->resource;

  page->visited++;
  g_ptr_array_add (page->tokens_next, hc_search_page_token (row->keys, page->n_keys, row->row, FALSE));
  g_ptr_array_add (page->tokens_prev, hc_search_page_token (row->keys, page->n_keys, row->row, TRUE));
  /* the store already left out what the role may not read; this is a second lock */
  if (!hc_role_allows (page->role, r->type, HC_ACCESS_READ))
    {
      g_ptr_array_add (page->entries, NULL);
      return TRUE;
    }
  if (page->history)
    g_ptr_array_add (page->entries,
                     g_strdup_printf ("{%s%s%s\"request\":{\"method\":\"%s\",\"url\":\"%s/%s\"},"
                                      "\"response\":{\"status\":\"%s\",\"etag\":\"W/\\\"%" G_GINT64_FORMAT
                                      "\\\"\",\"lastModified\":\"%s\"}}",
                                      r->deleted ? "" : "\"resource\":", r->deleted ? "" : r->json,
                                      r->deleted ? "" : ",", r->deleted ? "DELETE" : "PUT", r->type,
                                      r->id, r->deleted ? "204" : "200", r->version,
                                      r->last_updated));
  else
    g_ptr_array_add (page->entries,
                     g_strdup_printf ("{\"fullUrl\":\"%s/%s/%s\",\"resource\":%s,"
                                      "\"search\":{\"mode\":\"match\"}}", page->base, r->type, r->id,
                                      r->json));
  return TRUE;
}

static void
append_link (GString    *out,
             const char *relation,
             const char *base,
             const char *path,
             const char *query,
             const char *page)
{
  g_autoptr(JsonObject) link = json_object_new ();
  g_autofree char *url = g_strdup_printf ("%s/%s%s%s%s%s", base, path,
                                          (query && *query) || page ? "?" : "", query ? query : "",
                                          page && query && *query ? "&" : "",
                                          page ? page : "");
  g_autofree char *text = NULL;

  json_object_set_string_member (link, "relation", relation);
  json_object_set_string_member (link, "url", url);
  text = hc_json_object_to_string (link, FALSE);
  g_string_append_printf (out, "%s%s", out->str[out->len - 1] == '[' ? "" : ",", text);
}

/* Answers a page: @page holds up to count + 1 rows in store order; the extra row says there is
 * more in that direction. Only searches page backwards (previous links). */
static void
respond_page (SoupServerMessage    *msg,
              const HcSearchParams *params,
              Page                 *page,
              const char           *bundle_type,
              const char           *path,
              gboolean              backward_links)
{
  gboolean back = params->has_page && params->page_before;
  guint n = MIN (page->visited, params->count);
  gboolean more = page->visited > params->count;
  g_autofree char *query = hc_search_params_to_query (params);
  g_autofree char *self_page = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint first, last, written = 0;

  g_string_append_printf (out, "{\"resourceType\":\"Bundle\",\"type\":\"%s\",\"link\":[", bundle_type);
  if (params->has_page)
    {
      g_autofree char *token = hc_search_page_token ((const char * const *) params->page_keys,
                                                     params->n_sort, params->page_row, back);
      self_page = g_strconcat ("_page=", token, NULL);
    }
  append_link (out, "self", page->base, path, query, self_page);
  /* in display order, rows run first..last; a backward page came nearest first */
  first = back ? n - 1 : 0;
  last = back ? 0 : n - 1;
  if (n > 0 && (back || more))
    {
      g_autofree char *next = g_strconcat ("_page=", (char *) page->tokens_next->pdata[last], NULL);
      append_link (out, "next", page->base, path, query, next);
    }
  if (n > 0 && backward_links && (back ? more : params->has_page))
    {
      g_autofree char *prev = g_strconcat ("_page=", (char *) page->tokens_prev->pdata[first], NULL);
      append_link (out, "previous", page->base, path, query, prev);
    }
  g_string_append (out, "]");

  for (guint i = 0; i < n; i++)
    {
      const char *entry = page->entries->pdata[back ? n - 1 - i : i];

      if (entry == NULL)
        continue;
      g_string_append (out, written++ == 0 ? ",\"entry\":[" : ",");
      g_string_append (out, entry);
    }
  if (params->ignored->len > 0)
    {
      /* FHIR: say which parameters were not used, in an outcome entry */
      g_autoptr(GString) names = g_string_new (NULL);
      g_autoptr(JsonObject) outcome = NULL;
      g_autoptr(GError) warning = NULL;
      g_autofree char *text = NULL;
      JsonObject *issue;

      for (guint i = 0; i < params->ignored->len && i < 20; i++)
        {
          g_autofree char *name = g_uri_escape_string (params->ignored->pdata[i], NULL, FALSE);
          g_string_append_printf (names, "%s%s", i ? ", " : "", name);
        }
      warning = g_error_new (HC_SEARCH_ERROR, HC_SEARCH_ERROR_UNKNOWN,
                             "parameters not understood and ignored: %s", names->str);
      outcome = hc_operation_outcome_new (warning);
      issue = json_array_get_object_element (json_object_get_array_member (outcome, "issue"), 0);
      json_object_set_string_member (issue, "severity", "warning");
      json_object_set_string_member (issue, "code", "not-supported");
      text = hc_json_object_to_string (outcome, FALSE);
      g_string_append (out, written++ == 0 ? ",\"entry\":[" : ",");
      g_string_append_printf (out, "{\"resource\":%s,\"search\":{\"mode\":\"outcome\"}}", text);
    }
  if (written > 0)
    g_string_append (out, "]");
  g_string_append (out, "}");
  respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, out->str);
}

/* The types @role may read, NULL-terminated. */
static GStrv
readable_types (HcRole role)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (const char * const *t = hc_fhir_resource_types (); *t; t++)
    if (hc_role_allows (role, *t, HC_ACCESS_READ))
      g_strv_builder_add (builder, *t);
  return g_strv_builder_end (builder);
}

/* GET [type]?… and POST [type]/_search */
static void
search (HcServer          *self,
        SoupServerMessage *msg,
        HcRole             role,
        const char        *type,
        gboolean           form)
{
  g_autoptr(HcSearchParams) params = NULL;
  g_autofree char *base = request_base (msg);
  g_autoptr(GError) error = NULL;
  Page page;

  if (hc_search_params_for_type (type, NULL) == NULL)
    {
      respond_outcome (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "not-supported",
                       "this type cannot be searched");
      return;
    }
  params = read_search_params (msg, type, 0, form);
  if (params == NULL)
    return;
  page_init (&page, role, base, FALSE, params->n_sort);
  if (!hc_server_db_search (self->db, params, params->count + 1, page_add, &page, &error))
    respond_error (msg, error);
  else
    respond_page (msg, params, &page, "searchset", type, TRUE);
  page_clear (&page);
}

/* The parameters of $everything and _history, which page forwards only. */
static HcSearchParams *
read_forward_params (SoupServerMessage *msg,
                     const char        *type)
{
  g_autoptr(HcSearchParams) params = read_search_params (msg, type, HC_SEARCH_PARSE_SINCE |
                                                         HC_SEARCH_PARSE_NO_CRITERIA, FALSE);

  if (params != NULL && params->has_page && params->page_before)
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value", "_page: not a page of this request");
      return NULL;
    }
  return g_steal_pointer (&params);
}

/* GET Patient/[id]/$everything */
static void
everything (HcServer          *self,
            SoupServerMessage *msg,
            HcRole             role,
            const char        *id)
{
  g_autoptr(HcSearchParams) params = read_forward_params (msg, "Patient");
  g_autoptr(HcServerResource) patient = NULL;
  g_autofree char *base = request_base (msg);
  g_autofree char *reference = g_strconcat ("Patient/", id, NULL);
  g_autofree char *path = g_strconcat ("Patient/", id, "/$everything", NULL);
  g_auto(GStrv) types = readable_types (role);
  g_autoptr(GError) error = NULL;
  Page page;

  if (params == NULL)
    return;
  patient = hc_server_db_read (self->db, "Patient", id, 0, &error);
  if (patient == NULL)
    {
      respond_error (msg, error);
      return;
    }
  page_init (&page, role, base, FALSE, 0);
  if (!hc_server_db_compartment (self->db, reference, (const char * const *) types, params->since,
                                 params->has_page ? params->page_row : 0, params->count + 1,
                                 page_add, &page, &error))
    respond_error (msg, error);
  else
    respond_page (msg, params, &page, "searchset", path, FALSE);
  page_clear (&page);
}

/* GET [type]/[id]/_history, [type]/_history and _history: a history Bundle, newest first, in
 * the $sync-changes entry format, paged. */
static void
history (HcServer          *self,
         SoupServerMessage *msg,
         HcRole             role,
         const char        *type,
         const char        *id)
{
  g_autoptr(HcSearchParams) params = read_forward_params (msg, type);
  g_autofree char *base = request_base (msg);
  g_autofree char *path = id ? g_strconcat (type, "/", id, "/_history", NULL)
                             : type ? g_strconcat (type, "/_history", NULL) : g_strdup ("_history");
  g_auto(GStrv) types = readable_types (role);
  g_autoptr(GError) error = NULL;
  Page page;

  if (params == NULL)
    return;
  if (id != NULL)
    {
      g_autoptr(HcServerResource) current = hc_server_db_read (self->db, type, id, -1, &error);
      if (current == NULL)
        {
          respond_error (msg, error);
          return;
        }
    }
  page_init (&page, role, base, TRUE, 0);
  if (!hc_server_db_history (self->db, type, id, (const char * const *) types, params->since,
                             params->has_page ? params->page_row : 0, params->count + 1,
                             page_add, &page, &error))
    respond_error (msg, error);
  else
    respond_page (msg, params, &page, "history", path, FALSE);
  page_clear (&page);
}

typedef struct
{
  HcServer          *self;
  SoupServerMessage *msg;
  HcRole             role;
  gint64             after;
  guint              count;
  guint              timeout_id;
  gulong             disconnected_id;
  guint              wake_run;       /* the wake-up run that parked or last visited it */
} Waiter;

/* A $sync-changes page that several parked requests get, gzipped once. */
typedef struct
{
  GBytes *text;
  GBytes *gzipped;
} SharedPage;

static void
shared_page_free (gpointer data)
{
  SharedPage *page = data;

  g_clear_pointer (&page->text, g_bytes_unref);
  g_clear_pointer (&page->gzipped, g_bytes_unref);
  g_free (page);
}

static void
waiter_finish (Waiter     *w,
               SharedPage *answer)
{
  w->self->waiters = g_list_remove (w->self->waiters, w);
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  g_clear_signal_handler (&w->disconnected_id, w->msg);
  if (answer != NULL)
    {
      respond_json_bytes (w->msg, SOUP_STATUS_OK, FHIR_JSON, answer->text, &answer->gzipped);
      soup_server_message_unpause (w->msg);
    }
  g_object_unref (w->msg);
  g_free (w);
}

static gboolean
waiter_timeout_cb (gpointer data)
{
  Waiter *w = data;
  g_autoptr(GError) error = NULL;
  SharedPage page = { NULL, NULL };

  w->timeout_id = 0;
  /* what the answer tells of must be on disk */
  make_durable (w->self);
  page.text = page_bytes (changes_page (w->self, w->role, w->after, FALSE, w->count, FALSE, &error));
  if (page.text == NULL)
    {
      respond_error (w->msg, error);
      soup_server_message_unpause (w->msg);
      waiter_finish (w, NULL);
      return G_SOURCE_REMOVE;
    }
  waiter_finish (w, &page);
  g_clear_pointer (&page.text, g_bytes_unref);
  g_clear_pointer (&page.gzipped, g_bytes_unref);
  return G_SOURCE_REMOVE;
}

static void
waiter_disconnected_cb (SoupServerMessage *msg,
                        gpointer           data)
{
  waiter_finish (data, NULL);
}

static void wake_waiters (HcServer *self);

/* Answers every parked $sync-changes request that has something new, once the writes are on
 * disk, WAKE_BATCH at a time with other requests served in between. Requests that wait at the
 * same cursor with the same role (most of them: they were answered together last time) share
 * one page. Requests parked while the run goes on wait for the next. */
static gboolean
wake_cb (gpointer data)
{
  HcServer *self = data;
  GList *waiters;
  guint batch = 0;

  self->wake_id = 0;
  make_durable (self);
  if (!self->waking)
    {
      self->waking = TRUE;
      self->wake_run++;
      self->run_answered = 0;
      /* the interval runs from when the answers go out, after the disk */
      self->last_wake = g_get_monotonic_time ();
      self->wake_pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, shared_page_free);
    }
  waiters = g_list_copy (self->waiters);
  for (GList *l = waiters; l != NULL && batch < WAKE_BATCH; l = l->next)
    {
      Waiter *w = l->data;
      g_autofree char *key = NULL;
      SharedPage *page;

      if (w->wake_run == self->wake_run)
        continue;
      w->wake_run = self->wake_run;
      key = g_strdup_printf ("%" G_GINT64_FORMAT "/%d/%u", w->after, w->role, w->count);
      page = g_hash_table_lookup (self->wake_pages, key);
      if (page == NULL)
        {
          g_autoptr(GError) error = NULL;

          page = g_new0 (SharedPage, 1);
          page->text = page_bytes (changes_page (self, w->role, w->after, FALSE, w->count, TRUE, &error));
          if (error != NULL)
            g_warning ("cannot answer a long-poll: %s", g_quark_to_string (error->domain));
          g_hash_table_insert (self->wake_pages, g_steal_pointer (&key), page);
        }
      /* no text: nothing new for it, or the database failed; it waits on */
      if (page->text != NULL)
        {
          waiter_finish (w, page);
          batch++;
        }
    }
  g_list_free (waiters);
  self->run_answered += batch;
  if (batch == WAKE_BATCH)
    {
      /* more to answer, after the requests that came meanwhile */
      self->wake_id = g_idle_add_full (G_PRIORITY_LOW, wake_cb, self, NULL);
      return G_SOURCE_REMOVE;
    }
  g_debug ("wake-up: %u long-polls answered in %" G_GINT64_FORMAT " µs, %u pages",
           self->run_answered, g_get_monotonic_time () - self->last_wake,
           g_hash_table_size (self->wake_pages));
  self->waking = FALSE;
  self->last_answered = self->run_answered;
  g_clear_pointer (&self->wake_pages, g_hash_table_unref);
  if (self->wake_again)
    {
      self->wake_again = FALSE;
      wake_waiters (self);
    }
  return G_SOURCE_REMOVE;
}

/* When the next wake-up may come (monotonic µs). */
static gint64
wake_due (HcServer *self)
{
  return self->last_wake + MAX (WAKE_INTERVAL_MS * 1000, (gint64) self->last_answered * WAKE_COST_US);
}

/* After a write: parked $sync-changes requests are answered at once, or, when the last
 * wake-up was too recent, once the interval has passed. */
static void
wake_waiters (HcServer *self)
{
  gint64 due = wake_due (self);
  gint64 now = g_get_monotonic_time ();

  if (self->waking)
    self->wake_again = TRUE;
  if (self->wake_id != 0 || self->waking)
    return;
  if (due <= now)
    self->wake_id = g_idle_add_full (G_PRIORITY_DEFAULT, wake_cb, self, NULL);
  else
    self->wake_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((due - now + 999) / 1000),
                                        wake_cb, self, NULL);
}

/* Another server process on the same database committed a write. */
static gboolean
db_changed_cb (gpointer data)
{
  wake_waiters (data);
  return G_SOURCE_CONTINUE;
}

static void
sync_changes (HcServer          *self,
              SoupServerMessage *msg,
              HcRole             role,
              GHashTable        *query)
{
  const char *cursor = query ? g_hash_table_lookup (query, "cursor") : NULL;
  const char *count_text = query ? g_hash_table_lookup (query, "_count") : NULL;
  const char *wait_text = query ? g_hash_table_lookup (query, "wait") : NULL;
  guint64 count = SYNC_DEFAULT_COUNT, wait = 0;
  gint64 after = 0;
  gboolean long_poll, held_back;
  Waiter *w;

  if ((count_text && !g_ascii_string_to_unsigned (count_text, 10, 1, SYNC_MAX_COUNT, &count, NULL)) ||
      (wait_text && !g_ascii_string_to_unsigned (wait_text, 10, 0, SYNC_MAX_WAIT, &wait, NULL)))
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value",
                       "_count must be 1-5000 and wait 0-60 seconds");
      return;
    }
  if (cursor != NULL)
    {
      const char *dot = strrchr (cursor, '.');
      guint64 seq;

      if (dot == NULL || !g_ascii_string_to_unsigned (dot + 1, 10, 0, G_MAXINT64, &seq, NULL))
        {
          respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value", "not a sync cursor");
          return;
        }
      if (strncmp (cursor, hc_server_db_epoch (self->db), dot - cursor) != 0 ||
          strlen (hc_server_db_epoch (self->db)) != (gsize) (dot - cursor))
        {
          respond_outcome (msg, SOUP_STATUS_GONE, "not-found",
                           "the cursor is from another server database (restored from a backup?); "
                           "sync again from the start, keeping unsent changes");
          return;
        }
      after = (gint64) seq;
    }

  /* A long-poll is answered at once when there is something new, unless a wake-up is due or
   * the last one was too recent: then it waits for the next wake-up, which answers every
   * long-poll with something new together. So clients that poll again as soon as they are
   * answered do not spin on a stream of writes. */
  long_poll = cursor != NULL && wait > 0;
  held_back = long_poll && (self->wake_id != 0 || self->waking ||
                            g_get_monotonic_time () < wake_due (self));
  if (!held_back &&
      respond_changes (self, msg, role, after, cursor == NULL, (guint) count, long_poll))
    return;
  if (held_back && self->wake_id == 0 && !self->waking && hc_server_db_head (self->db) > after)
    wake_waiters (self);

  /* nothing new: park the request until a write or the wait runs out */
  w = g_new0 (Waiter, 1);
  w->self = self;
  w->msg = g_object_ref (msg);
  w->role = role;
  w->after = after;
  w->count = (guint) count;
  w->wake_run = self->wake_run;
  w->timeout_id = g_timeout_add ((guint) wait * 1000, waiter_timeout_cb, w);
  w->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (waiter_disconnected_cb), w);
  self->waiters = g_list_prepend (self->waiters, w);
  soup_server_message_pause (msg);
}


/* ------------------------------------------------------------------------------------------ */
/* $sync-push */

/* Adds the current server state of @type/@id to a history Bundle's entries, as a page of
 * $sync-changes would. */
static void
add_current (HcServer   *self,
             GString    *entries,
             guint      *n,
             const char *type,
             const char *id)
{
  g_autoptr(HcServerResource) r = hc_server_db_read (self->db, type, id, -1, NULL);
  ChangePage page = { entries, HC_ROLE_PHYSICIAN, *n, 0, 0, FALSE };

  if (r == NULL)
    return;   /* never there: nothing to show */
  add_change (r, &page);
  *n = page.n_entries;
}

typedef enum
{
  PUSH_OK,
  PUSH_CONFLICT,
  PUSH_REJECTED,
  PUSH_HELD,
} PushResult;

static void
add_references (JsonNode   *node,
                GHashTable *refs)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &child))
        {
          if (strcmp (name, "reference") == 0 && JSON_NODE_HOLDS_VALUE (child) &&
              json_node_get_value_type (child) == G_TYPE_STRING)
            g_hash_table_add (refs, g_strdup (json_node_get_string (child)));
          else if (!JSON_NODE_HOLDS_VALUE (child))
            add_references (child, refs);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        add_references (json_array_get_element (array, i), refs);
    }
}

/* Applies one changeset (a transaction Bundle) atomically; writes its answer (a batch-response
 * entry) to @answer. @failed holds Type/id of records of earlier changesets that did not apply:
 * a changeset that touches or refers to one of them is held, not applied. */
static PushResult
apply_changeset (HcServer   *self,
                 JsonObject *changeset,
                 const char *key,
                 HcRole      role,
                 const char *user,
                 GHashTable *failed,
                 GString    *answer)
{
  JsonArray *entries = hc_json_get_array (changeset, "entry");
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) results = g_string_new (NULL);
  g_autoptr(GString) conflicts = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint n_conflicts = 0;
  PushResult result = PUSH_OK;
  guint n = entries ? json_array_get_length (entries) : 0;
  GHashTableIter iter;
  gpointer k;

  if (g_strcmp0 (hc_json_get_string (changeset, "type"), "transaction") != 0 || n == 0)
    {
      g_set_error_literal (&error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID,
                           "a changeset is a transaction Bundle with at least one entry");
      goto rejected;
    }

  /* what it touches and refers to */
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = hc_json_array_get_object (entries, i);
      JsonObject *request = hc_json_get_object (entry, "request");
      JsonObject *resource = hc_json_get_object (entry, "resource");
      const char *url = hc_json_get_string (request, "url");

      if (url != NULL)
        g_hash_table_add (touched, g_strdup (url));
      if (resource != NULL)
        {
          g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), resource);
          add_references (node, refs);
        }
    }
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    if (g_hash_table_contains (failed, k))
      goto held;
  g_hash_table_iter_init (&iter, refs);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    if (g_hash_table_contains (failed, k))
      goto held;

  if (!hc_server_db_begin (self->db, &error))
    goto rejected;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = hc_json_array_get_object (entries, i);
      JsonObject *request = hc_json_get_object (entry, "request");
      JsonObject *resource = hc_json_get_object (entry, "resource");
      const char *method = hc_json_get_string (request, "method");
      const char *url = hc_json_get_string (request, "url");
      gint64 if_match = hc_request_parse_etag (hc_json_get_string (request, "ifMatch"));
      gboolean if_none_match = g_strcmp0 (hc_json_get_string (request, "ifNoneMatch"), "*") == 0;
      g_auto(GStrv) parts = url ? g_strsplit (url, "/", -1) : NULL;
      g_autoptr(HcServerResource) r = NULL;

      if (parts == NULL || g_strv_length (parts) != 2 || !hc_fhir_is_known_type (parts[0]) ||
          !hc_fhir_is_valid_id (parts[1]) || if_match < 0 ||
          (g_strcmp0 (method, "PUT") != 0 && g_strcmp0 (method, "DELETE") != 0))
        {
          g_set_error (&error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID,
                       "entry[%u].request: expected PUT or DELETE of Type/id", i);
          break;
        }
      if (!hc_role_allows (role, parts[0], HC_ACCESS_WRITE))
        {
          g_set_error (&error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN,
                       "entry[%u]: your role may not write %s", i, parts[0]);
          break;
        }
      if (strcmp (method, "PUT") == 0)
        {
          if (resource == NULL || g_strcmp0 (hc_json_get_string (resource, "resourceType"), parts[0]) != 0 ||
              g_strcmp0 (hc_json_get_string (resource, "id"), parts[1]) != 0)
            {
              g_set_error (&error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID,
                           "entry[%u]: the resource does not match %s", i, url);
              break;
            }
          r = hc_server_db_write (self->db, resource, if_match, if_none_match, &error);
        }
      else
        r = hc_server_db_delete (self->db, parts[0], parts[1], if_match, &error);

      if (r == NULL)
        {
          if (g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_VERSION) ||
              g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_EXISTS) ||
              g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND))
            {
              /* keep going to collect every conflicting record, then roll back */
              result = PUSH_CONFLICT;
              g_clear_error (&error);
              g_string_append_printf (conflicts, "%s%s", conflicts->len ? "\n" : "", url);
              continue;
            }
          g_prefix_error (&error, "entry[%u]: ", i);
          break;
        }
      g_string_append_printf (results, "%s{\"response\":{\"status\":\"%s\",\"location\":"
                              "\"%s/%s/_history/%" G_GINT64_FORMAT "\",\"etag\":\"W/\\\"%"
                              G_GINT64_FORMAT "\\\"\",\"lastModified\":\"%s\"}}",
                              results->len ? "," : "", r->deleted ? "204" : r->version == 1 ? "201" : "200",
                              r->type, r->id, r->version, r->version, r->last_updated);
    }

  if (error != NULL || result == PUSH_CONFLICT)
    {
      hc_server_db_rollback (self->db);
      if (error != NULL)
        goto rejected;
      goto conflict;
    }
  {
    g_autofree char *text = g_strdup_printf ("{\"response\":{\"status\":\"200\"},\"resource\":"
                                             "{\"resourceType\":\"Bundle\",\"type\":"
                                             "\"transaction-response\",\"entry\":[%s]}}",
                                             results->str);
    /* the answer is kept in the same transaction as the changes */
    if (!hc_server_db_put_outcome (self->db, key, user, text, &error) ||
        !hc_server_db_commit (self->db, &error))
      {
        hc_server_db_rollback (self->db);
        goto rejected;
      }
    g_string_append (answer, text);
    g_hash_table_iter_init (&iter, touched);
    while (g_hash_table_iter_next (&iter, &k, NULL))
      audit (self, user, "U", "transaction", k, TRUE, FALSE);
    return PUSH_OK;
  }

conflict:
  {
    g_auto(GStrv) urls = g_strsplit (conflicts->str, "\n", -1);
    g_autoptr(GString) current = g_string_new (NULL);
    guint n_current = 0;

    for (guint i = 0; urls[i]; i++)
      {
        g_auto(GStrv) parts = g_strsplit (urls[i], "/", 2);
        add_current (self, current, &n_current, parts[0], parts[1]);
        n_conflicts++;
      }
    g_string_append_printf (answer, "{\"response\":{\"status\":\"412\",\"outcome\":"
                            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
                            "\"error\",\"code\":\"conflict\",\"diagnostics\":\"%u record(s) changed "
                            "on the server since this changeset's base; their current versions are "
                            "in resource\"}]}},\"resource\":{\"resourceType\":\"Bundle\",\"type\":"
                            "\"history\"%s%s%s}}", n_conflicts, n_current ? ",\"entry\":[" : "",
                            current->str, n_current ? "]" : "");
    g_hash_table_iter_init (&iter, touched);
    while (g_hash_table_iter_next (&iter, &k, NULL))
      g_hash_table_add (failed, g_strdup (k));
    return PUSH_CONFLICT;
  }

rejected:
  {
    g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
    g_autofree char *text = hc_json_object_to_string (outcome, FALSE);
    guint status = g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN) ? 403 :
                   g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED) ? 500 : 400;

    g_string_append_printf (answer, "{\"response\":{\"status\":\"%u\",\"outcome\":%s}}", status, text);
    g_hash_table_iter_init (&iter, touched);
    while (g_hash_table_iter_next (&iter, &k, NULL))
      g_hash_table_add (failed, g_strdup (k));
    return PUSH_REJECTED;
  }

held:
  g_string_append (answer, "{\"response\":{\"status\":\"424\",\"outcome\":{\"resourceType\":"
                           "\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":"
                           "\"processing\",\"diagnostics\":\"held: it depends on a record of an "
                           "earlier changeset that did not apply\"}]}}}");
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    g_hash_table_add (failed, g_strdup (k));
  return PUSH_HELD;
}

static void
sync_push (HcServer          *self,
           SoupServerMessage *msg,
           HcRole             role,
           const char        *user)
{
  g_autoptr(JsonObject) body = read_body (msg);
  g_autoptr(GHashTable) failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) out = NULL;
  JsonArray *changesets;
  gboolean applied = FALSE;
  guint n;

  if (body == NULL)
    return;
  changesets = hc_json_get_array (body, "entry");
  if (g_strcmp0 (hc_json_get_string (body, "resourceType"), "Bundle") != 0 ||
      g_strcmp0 (hc_json_get_string (body, "type"), "batch") != 0 || changesets == NULL)
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "structure",
                       "$sync-push takes a batch Bundle of transaction Bundles");
      return;
    }
  n = json_array_get_length (changesets);
  /* every key must be there before anything is applied */
  for (guint i = 0; i < n; i++)
    {
      JsonObject *changeset = hc_json_get_object (hc_json_array_get_object (changesets, i), "resource");
      const char *key = hc_json_get_string (hc_json_get_object (changeset, "identifier"), "value");

      if (changeset == NULL || key == NULL || *key == '\0' || strlen (key) > 128)
        {
          g_autofree char *message = g_strdup_printf ("entry[%u]: every changeset needs its "
                                                      "idempotency key in identifier.value", i);
          respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "required", message);
          return;
        }
    }

  out = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":[");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *changeset = hc_json_get_object (hc_json_array_get_object (changesets, i), "resource");
      const char *key = hc_json_get_string (hc_json_get_object (changeset, "identifier"), "value");
      g_autofree char *stored = hc_server_db_get_outcome (self->db, key, user);

      if (i > 0)
        g_string_append_c (out, ',');
      if (stored != NULL)
        {
          /* a replay: the answer it got the first time, nothing applied twice */
          g_string_append (out, stored);
          continue;
        }
      if (apply_changeset (self, changeset, key, role, user, failed, out) == PUSH_OK)
        applied = TRUE;
    }
  g_string_append (out, "]}");
  audit_flush (self);
  g_message ("$sync-push: %u changesets", n);
  respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, out->str);
  if (applied)
    wake_waiters (self);
}


/* ------------------------------------------------------------------------------------------ */
/* $audit-push: a client's local audit log, as AuditEvents with ids "<store id>.<entry number>"
 * (docs/protocol.md). A user sends only their own store's entries; an event carries codes,
 * the user, the store and record references, never text. */

static gboolean
only_members (JsonObject         *object,
              const char * const *allowed)
{
  g_autoptr(GList) names = object ? json_object_get_members (object) : NULL;

  if (object == NULL)
    return FALSE;
  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return FALSE;
  return TRUE;
}

/* The value of an Identifier-only Reference {"identifier": {"system": @system, "value": …}}. */
static const char *
identifier_value (JsonObject *reference,
                  const char *system)
{
  static const char * const ref_members[] = { "identifier", NULL };
  static const char * const id_members[] = { "system", "value", NULL };
  JsonObject *identifier = hc_json_get_object (reference, "identifier");

  if (!only_members (reference, ref_members) || !only_members (identifier, id_members) ||
      g_strcmp0 (hc_json_get_string (identifier, "system"), system) != 0)
    return NULL;
  return hc_json_get_string (identifier, "value");
}

static gboolean
is_code_only (JsonObject *coding)
{
  static const char * const members[] = { "system", "code", NULL };
  return only_members (coding, members);
}

/* Checks one event a client sent; @source (the store) is set from the first one and must be
 * the same in the others. */
static gboolean
check_client_audit (JsonObject  *event,
                    const char  *user,
                    char       **source,
                    GError     **error)
{
  static const char * const members[] = { "resourceType", "id", "type", "subtype", "action",
                                          "recorded", "outcome", "agent", "source", "entity", NULL };
  static const char * const agent_members[] = { "who", "requestor", NULL };
  static const char * const source_members[] = { "observer", NULL };
  static const char * const entity_members[] = { "what", NULL };
  static const char * const what_members[] = { "reference", NULL };
  JsonArray *subtypes = hc_json_get_array (event, "subtype");
  JsonArray *agents = hc_json_get_array (event, "agent");
  JsonArray *entities = hc_json_get_array (event, "entity");
  JsonObject *src = hc_json_get_object (event, "source");
  const char *id = hc_json_get_string (event, "id");
  const char *who, *store;
  g_autofree char *prefix = NULL;

  if (g_strcmp0 (hc_json_get_string (event, "resourceType"), "AuditEvent") != 0 ||
      !only_members (event, members))
    goto invalid;
  if (!hc_fhir_validate (event, error))
    return FALSE;
  if (!is_code_only (hc_json_get_object (event, "type")))
    goto invalid;
  for (guint i = 0; subtypes && i < json_array_get_length (subtypes); i++)
    if (!is_code_only (hc_json_array_get_object (subtypes, i)))
      goto invalid;
  for (guint i = 0; entities && i < json_array_get_length (entities); i++)
    {
      JsonObject *entity = hc_json_array_get_object (entities, i);
      JsonObject *what = hc_json_get_object (entity, "what");
      const char *reference = hc_json_get_string (what, "reference");
      const char *slash = reference ? strchr (reference, '/') : NULL;
      g_autofree char *type = slash ? g_strndup (reference, slash - reference) : NULL;

      if (!only_members (entity, entity_members) || !only_members (what, what_members) ||
          slash == NULL || !hc_fhir_is_known_type (type) || !hc_fhir_is_valid_id (slash + 1))
        goto invalid;
    }
  if (agents == NULL || json_array_get_length (agents) != 1 ||
      !only_members (hc_json_array_get_object (agents, 0), agent_members) ||
      (who = identifier_value (hc_json_get_object (hc_json_array_get_object (agents, 0), "who"),
                               "urn:housecall:user")) == NULL)
    goto invalid;
  if (!only_members (src, source_members) ||
      (store = identifier_value (hc_json_get_object (src, "observer"), "urn:housecall:store")) == NULL ||
      strlen (store) > 44 || strspn (store, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-") != strlen (store))
    goto invalid;
  prefix = g_strconcat (store, ".", NULL);
  if (id == NULL || !g_str_has_prefix (id, prefix) || id[strlen (prefix)] == '\0' ||
      strspn (id + strlen (prefix), "0123456789") != strlen (id + strlen (prefix)))
    goto invalid;
  if (strcmp (who, user) != 0)
    {
      g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN,
                           "an AuditEvent may only name the user who sends it");
      return FALSE;
    }
  if (*source == NULL)
    *source = g_strdup (store);
  else if (strcmp (*source, store) != 0)
    goto invalid;
  return TRUE;

invalid:
  g_set_error_literal (error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID,
                       "not an AuditEvent of a Housecall store's log: the id is STORE.N, the "
                       "agent the user, the source the store, the entities Type/id references, "
                       "and nothing else");
  return FALSE;
}

static void
audit_push (HcServer          *self,
            SoupServerMessage *msg,
            const char        *user)
{
  g_autoptr(JsonObject) body = read_body (msg);
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *answer = NULL;
  JsonArray *entries;
  guint n, added = 0;

  if (body == NULL)
    return;
  entries = hc_json_get_array (body, "entry");
  if (g_strcmp0 (hc_json_get_string (body, "resourceType"), "Bundle") != 0 ||
      g_strcmp0 (hc_json_get_string (body, "type"), "collection") != 0)
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "structure",
                       "$audit-push takes a collection Bundle of AuditEvents");
      return;
    }
  n = entries ? json_array_get_length (entries) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *event = hc_json_get_object (hc_json_array_get_object (entries, i), "resource");

      if (!check_client_audit (event, user, &source, &error))
        {
          g_autofree char *text = g_strdup_printf ("entry[%u]: %s", i, error->message);
          gboolean forbidden = g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN);

          respond_outcome (msg, forbidden ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_BAD_REQUEST,
                           forbidden ? "forbidden" : "invalid", text);
          return;
        }
    }

  if (n > 0)
    {
      if (!hc_server_db_begin (self->db, &error) ||
          (owner = hc_server_db_claim_audit_source (self->db, source, user, &error)) == NULL)
        goto failed;
      if (strcmp (owner, user) != 0)
        {
          hc_server_db_rollback (self->db);
          respond_outcome (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                           "this store's audit log belongs to another user");
          return;
        }
      for (guint i = 0; i < n; i++)
        {
          JsonObject *event = hc_json_get_object (hc_json_array_get_object (entries, i), "resource");
          g_autofree char *json = hc_json_object_to_string (event, FALSE);
          gboolean was_added = FALSE;

          if (!hc_server_db_add_audit_once (self->db, hc_json_get_string (event, "id"),
                                            hc_json_get_string (event, "recorded"), json,
                                            &was_added, &error))
            goto failed;
          added += was_added;
        }
      if (!hc_server_db_commit (self->db, &error))
        goto failed;
    }
  g_message ("$audit-push: %u events, %u new", n, added);
  answer = g_strdup_printf ("{\"resourceType\":\"Parameters\",\"parameter\":["
                            "{\"name\":\"stored\",\"valueInteger\":%u},"
                            "{\"name\":\"duplicates\",\"valueInteger\":%u}]}", added, n - added);
  respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, answer);
  return;

failed:
  hc_server_db_rollback (self->db);
  respond_error (msg, error);
}

/* ------------------------------------------------------------------------------------------ */
/* POST /fhir with a transaction Bundle: all of it or none of it, through the same reader as
 * imports (POST entries get new ids, urn:uuid references are resolved, deletes go first). */

typedef struct
{
  HcServer   *self;
  HcRole      role;
  const char *user;
  GPtrArray  *entities;    /* Type/id written, for the audit */
  GHashTable *written;     /* Type/id -> its newest HcServerResource, for the answers; or NULL */
} TxSink;

static gboolean
tx_write (gpointer     data,
          JsonObject  *resource,
          const char  *prepared,
          GError     **error)
{
  TxSink *tx = data;
  const char *type = hc_json_get_string (resource, "resourceType");
  g_autoptr(HcServerResource) r = NULL;

  if (!hc_role_allows (tx->role, type, HC_ACCESS_WRITE))
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN,
                   "your role may not write %s", type);
      return FALSE;
    }
  if (hc_json_get_string (resource, "id") == NULL)
    {
      g_autofree char *id = hc_fhir_new_id ();
      json_object_set_string_member (resource, "id", id);
    }
  r = hc_server_db_write (tx->self->db, resource, 0, FALSE, error);
  if (r == NULL)
    return FALSE;
  g_ptr_array_add (tx->entities, g_strconcat (r->type, "/", r->id, NULL));
  if (tx->written != NULL)
    {
      char *key = g_strconcat (r->type, "/", r->id, NULL);
      g_hash_table_replace (tx->written, key, g_steal_pointer (&r));
    }
  return TRUE;
}

static gboolean
tx_remove (gpointer     data,
           const char  *type,
           const char  *id,
           GError     **error)
{
  TxSink *tx = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(HcServerResource) r = NULL;

  if (!hc_role_allows (tx->role, type, HC_ACCESS_WRITE))
    {
      g_set_error (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN,
                   "your role may not delete %s", type);
      return FALSE;
    }
  r = hc_server_db_delete (tx->self->db, type, id, 0, &local_error);
  if (r == NULL && !g_error_matches (local_error, HC_SERVER_ERROR, HC_SERVER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (r != NULL)
    g_ptr_array_add (tx->entities, g_strconcat (type, "/", id, NULL));
  return TRUE;
}

static const HcImportSink tx_sink = { tx_write, tx_remove };

/* The answer entry for a stored entry: its current version, from @written (the versions the
 * transaction stored, or NULL) or else the database. */
static void
append_entry_response (HcServer   *self,
                       GString    *out,
                       JsonObject *entry,
                       GHashTable *written)
{
  JsonObject *request = hc_json_get_object (entry, "request");
  JsonObject *resource = hc_json_get_object (entry, "resource");
  g_autoptr(HcServerResource) read = NULL;
  const HcServerResource *r = NULL;

  if (g_strcmp0 (hc_json_get_string (request, "method"), "DELETE") == 0 || resource == NULL)
    {
      g_string_append (out, "{\"response\":{\"status\":\"204\"}}");
      return;
    }
  if (written != NULL)
    {
      g_autofree char *key = g_strconcat (hc_json_get_string (resource, "resourceType"), "/",
                                          hc_json_get_string (resource, "id"), NULL);
      r = g_hash_table_lookup (written, key);
    }
  if (r == NULL)
    r = read = hc_server_db_read (self->db, hc_json_get_string (resource, "resourceType"),
                                  hc_json_get_string (resource, "id"), 0, NULL);
  if (r == NULL)
    g_string_append (out, "{\"response\":{\"status\":\"200\"}}");
  else
    g_string_append_printf (out, "{\"response\":{\"status\":\"%s\",\"location\":\"%s/%s/_history/%"
                            G_GINT64_FORMAT "\",\"etag\":\"W/\\\"%" G_GINT64_FORMAT "\\\"\","
                            "\"lastModified\":\"%s\"}}", r->version == 1 ? "201" : "200",
                            r->type, r->id, r->version, r->version, r->last_updated);
}

/* Reads the current versions of what a transaction's PUT and DELETE entries name at once. */
static gboolean
lock_entry_versions (HcServer    *self,
                     JsonObject  *bundle,
                     GError     **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  JsonArray *entries = hc_json_get_array (bundle, "entry");

  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *request = hc_json_get_object (hc_json_array_get_object (entries, i), "request");
      const char *method = hc_json_get_string (request, "method");
      const char *url = hc_json_get_string (request, "url");

      if ((g_strcmp0 (method, "PUT") == 0 || g_strcmp0 (method, "DELETE") == 0) && url != NULL &&
          strchr (url, '?') == NULL)
        g_ptr_array_add (keys, (gpointer) url);
    }
  return keys->len == 0 || hc_server_db_lock_versions (self->db, keys, error);
}

/* A batch Bundle: every entry on its own, in its own database transaction; the answer says
 * for each whether it was stored. */
static void
batch (HcServer          *self,
       SoupServerMessage *msg,
       JsonObject        *bundle,
       HcRole             role,
       const char        *user)
{
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":[");
  JsonArray *entries = hc_json_get_array (bundle, "entry");
  TxSink tx = { self, role, user, entities, NULL };

  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = hc_json_array_get_object (entries, i);
      g_autoptr(JsonObject) one = json_object_new ();
      JsonArray *list = json_array_new ();
      g_autoptr(GError) error = NULL;

      if (i > 0)
        g_string_append_c (out, ',');
      /* the entry as a transaction of one, so it gets the same semantics */
      json_object_set_string_member (one, "resourceType", "Bundle");
      json_object_set_string_member (one, "type", "transaction");
      if (entry != NULL)
        json_array_add_object_element (list, json_object_ref (entry));
      json_object_set_array_member (one, "entry", list);

      if (entry != NULL && hc_server_db_begin (self->db, &error) &&
          hc_import_object ("batch", one, &tx_sink, &tx, NULL, &error) &&
          hc_server_db_commit (self->db, &error))
        {
          append_entry_response (self, out, entry, NULL);
          continue;
        }
      hc_server_db_rollback (self->db);
      {
        g_autoptr(JsonObject) outcome = NULL;
        g_autofree char *text = NULL;
        guint status = g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN) ? 403 : 400;

        if (error == NULL)
          g_set_error_literal (&error, HC_SERVER_ERROR, HC_SERVER_ERROR_INVALID, "not an entry");
        outcome = hc_operation_outcome_new (error);
        text = hc_json_object_to_string (outcome, FALSE);
        g_string_append_printf (out, "{\"response\":{\"status\":\"%u\",\"outcome\":%s}}", status, text);
      }
    }
  g_string_append (out, "]}");
  for (guint i = 0; i < entities->len; i++)
    audit (self, user, "U", "batch", entities->pdata[i], TRUE, FALSE);
  audit_flush (self);
  respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, out->str);
  if (entities->len > 0)
    wake_waiters (self);
}

static void
transaction (HcServer          *self,
             SoupServerMessage *msg,
             HcRole             role,
             const char        *user)
{
  g_autoptr(JsonObject) bundle = read_body (msg);
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) hc_server_resource_free);
  TxSink tx = { self, role, user, entities, written };
  JsonArray *entries;

  if (bundle == NULL)
    return;
  if (g_strcmp0 (hc_json_get_string (bundle, "resourceType"), "Bundle") == 0 &&
      g_strcmp0 (hc_json_get_string (bundle, "type"), "batch") == 0)
    {
      batch (self, msg, bundle, role, user);
      return;
    }
  if (g_strcmp0 (hc_json_get_string (bundle, "resourceType"), "Bundle") != 0 ||
      g_strcmp0 (hc_json_get_string (bundle, "type"), "transaction") != 0)
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "not-supported",
                       "POST /fhir takes a transaction or batch Bundle");
      return;
    }
  if (!hc_server_db_begin (self->db, &error) ||
      !lock_entry_versions (self, bundle, &error) ||
      !hc_import_object ("transaction", bundle, &tx_sink, &tx, NULL, &error) ||
      !hc_server_db_commit (self->db, &error))
    {
      hc_server_db_rollback (self->db);
      if (g_error_matches (error, HC_SERVER_ERROR, HC_SERVER_ERROR_FORBIDDEN))
        respond_outcome (msg, SOUP_STATUS_FORBIDDEN, "forbidden", error->message);
      else if (error->domain == HC_SERVER_ERROR && error->code == HC_SERVER_ERROR_FAILED)
        respond_error (msg, error);
      else
        {
          g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
          json_object_set_string_member (json_array_get_object_element (
                                           json_object_get_array_member (outcome, "issue"), 0),
                                         "code", "invalid");
          respond_object (msg, SOUP_STATUS_BAD_REQUEST, outcome);
        }
      audit (self, user, "E", "transaction", NULL, FALSE, TRUE);
      return;
    }

  /* one answer per entry, in the request's order */
  out = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":[");
  entries = hc_json_get_array (bundle, "entry");
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_entry_response (self, out, hc_json_array_get_object (entries, i), written);
    }
  g_string_append (out, "]}");
  /* one event for the whole transaction, naming every record it wrote */
  audit_entities (self, user, "U", "transaction", (const char * const *) entities->pdata,
                  entities->len, TRUE, TRUE);
  g_message ("transaction: %u records", entities->len);
  respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, out->str);
  wake_waiters (self);
}

/* ------------------------------------------------------------------------------------------ */
/* /fhir */

static void
metadata (HcServer          *self,
          SoupServerMessage *msg)
{
  g_autoptr(JsonObject) cs = json_object_new ();
  JsonArray *rest = json_array_new ();
  JsonObject *server = json_object_new ();
  JsonArray *resources = json_array_new ();
  JsonArray *formats = json_array_new ();
  JsonObject *software = json_object_new ();
  static const char * const interactions[] = { "read", "vread", "create", "update", "delete", NULL };
  static const char * const history_interactions[] = { "history-instance", "history-type", NULL };
  static const char * const system_interactions[] = { "transaction", "batch", "history-system", NULL };
  JsonArray *system = json_array_new ();

  json_object_set_string_member (cs, "resourceType", "CapabilityStatement");
  json_object_set_string_member (cs, "status", "active");
  json_object_set_string_member (cs, "date", "2026-11-27");
  json_object_set_string_member (cs, "kind", "instance");
  json_object_set_string_member (software, "name", "housecall-server");
  json_object_set_string_member (software, "version", PACKAGE_VERSION);
  json_object_set_object_member (cs, "software", software);
  json_object_set_string_member (cs, "fhirVersion", "4.0.1");
  json_array_add_string_element (formats, "json");
  json_object_set_array_member (cs, "format", formats);
  json_object_set_string_member (server, "mode", "server");
  for (const char * const *t = hc_fhir_resource_types (); *t; t++)
    {
      JsonObject *r = json_object_new ();
      JsonArray *ia = json_array_new ();
      const HcSearchType *param_types = NULL;
      const char * const *params = hc_search_params_for_type (*t, &param_types);

      json_object_set_string_member (r, "type", *t);
      for (guint i = 0; interactions[i]; i++)
        {
          JsonObject *interaction = json_object_new ();
          json_object_set_string_member (interaction, "code", interactions[i]);
          json_array_add_object_element (ia, interaction);
        }
      /* audit events live outside the versioned records: read by id only */
      for (guint i = 0; history_interactions[i] && strcmp (*t, "AuditEvent") != 0; i++)
        {
          JsonObject *interaction = json_object_new ();
          json_object_set_string_member (interaction, "code", history_interactions[i]);
          json_array_add_object_element (ia, interaction);
        }
      if (params != NULL)
        {
          JsonObject *interaction = json_object_new ();
          JsonArray *sp = json_array_new ();
          static const char * const type_names[] = { "string", "token", "date", "reference" };

          json_object_set_string_member (interaction, "code", "search-type");
          json_array_add_object_element (ia, interaction);
          for (guint i = 0; params[i]; i++)
            {
              JsonObject *p = json_object_new ();
              json_object_set_string_member (p, "name", params[i]);
              json_object_set_string_member (p, "type", type_names[param_types[i]]);
              json_array_add_object_element (sp, p);
            }
          json_object_set_array_member (r, "searchParam", sp);
        }
      if (strcmp (*t, "Patient") == 0)
        {
          JsonArray *ops = json_array_new ();
          JsonObject *op = json_object_new ();

          json_object_set_string_member (op, "name", "everything");
          json_object_set_string_member (op, "definition",
                                         "http://hl7.org/fhir/OperationDefinition/Patient-everything");
          json_array_add_object_element (ops, op);
          json_object_set_array_member (r, "operation", ops);
        }
      json_object_set_array_member (r, "interaction", ia);
      json_object_set_string_member (r, "versioning", "versioned-update");
      json_object_set_boolean_member (r, "readHistory", TRUE);
      json_object_set_boolean_member (r, "updateCreate", TRUE);
      json_array_add_object_element (resources, r);
    }
  json_object_set_array_member (server, "resource", resources);
  for (guint i = 0; system_interactions[i]; i++)
    {
      JsonObject *interaction = json_object_new ();
      json_object_set_string_member (interaction, "code", system_interactions[i]);
      json_array_add_object_element (system, interaction);
    }
  json_object_set_array_member (server, "interaction", system);
  json_array_add_object_element (rest, server);
  json_object_set_array_member (cs, "rest", rest);
  respond_object (msg, SOUP_STATUS_OK, cs);
}

static void
fhir_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  HcServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_auto(GStrv) parts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HcServerResource) result = NULL;
  g_autofree char *user = NULL;
  guint n;
  HcRole role;
  const char *type, *id;
  gboolean form_search, reading;

  parts = g_strsplit (path + strlen ("/fhir"), "/", -1);
  n = g_strv_length (parts);   /* parts[0] is "" */

  if (n == 2 && strcmp (parts[1], "metadata") == 0 && strcmp (method, "GET") == 0)
    {
      metadata (self, msg);
      return;
    }
  if (!authenticate (self, msg, &role, &user))
    return;

  if (n == 2 && strcmp (parts[1], "$sync-changes") == 0 && strcmp (method, "GET") == 0)
    {
      sync_changes (self, msg, role, query);
      audit (self, user, "R", "history-system", NULL, soup_server_message_get_status (msg) < 400,
             FALSE);
      return;
    }
  if ((n <= 1 || (n == 2 && parts[1][0] == '\0')) && strcmp (method, "POST") == 0)
    {
      transaction (self, msg, role, user);
      return;
    }
  if (n == 2 && strcmp (parts[1], "$sync-push") == 0 && strcmp (method, "POST") == 0)
    {
      sync_push (self, msg, role, user);
      return;
    }
  if (n == 2 && strcmp (parts[1], "$audit-push") == 0 && strcmp (method, "POST") == 0)
    {
      audit_push (self, msg, user);
      return;
    }

  if (n == 2 && strcmp (parts[1], "_history") == 0 && strcmp (method, "GET") == 0)
    {
      history (self, msg, role, NULL, NULL);
      audit (self, user, "R", "history-system", NULL, soup_server_message_get_status (msg) < 400,
             FALSE);
      return;
    }
  if (n < 2 || !hc_fhir_is_known_type (parts[1]))
    {
      respond_outcome (msg, SOUP_STATUS_NOT_FOUND, "not-supported",
                       n < 2 ? "no such endpoint" : "not a resource type this server stores");
      return;
    }
  type = parts[1];
  form_search = n == 3 && strcmp (parts[2], "_search") == 0 && strcmp (method, "POST") == 0;
  reading = strcmp (method, "GET") == 0 || form_search;
  id = n >= 3 && strcmp (parts[2], "_history") != 0 && !form_search ? parts[2] : NULL;
  if (id != NULL && !hc_fhir_is_valid_id (id))
    {
      respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value", "not a valid FHIR id");
      return;
    }
  if (!hc_role_allows (role, type, reading ? HC_ACCESS_READ : HC_ACCESS_WRITE))
    {
      g_message ("%s %s: forbidden for %s", method, type, hc_role_to_string (role));
      {
        g_autofree char *entity = id ? g_strconcat (type, "/", id, NULL) : g_strdup (type);
        audit (self, user, reading ? "R" : strcmp (method, "DELETE") == 0 ? "D" : "U",
               id == NULL && reading ? "search-type" : reading ? "read" : "update", entity, FALSE,
               TRUE);
      }
      respond_outcome (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                       "your role does not give access to this kind of record");
      return;
    }

  if (strcmp (method, "GET") == 0 && ((n == 3 && strcmp (parts[2], "_history") == 0) ||
                                     (n == 4 && strcmp (parts[3], "_history") == 0)))
    {
      const char *hid = n == 4 ? parts[2] : NULL;
      g_autofree char *entity = hid ? g_strconcat (type, "/", hid, NULL) : g_strdup (type);

      history (self, msg, role, type, hid);
      audit (self, user, "R", hid ? "history-instance" : "history-type", entity,
             soup_server_message_get_status (msg) < 400, FALSE);
      return;
    }
  if ((strcmp (method, "GET") == 0 && n == 2) || form_search)
    {
      search (self, msg, role, type, form_search);
      audit (self, user, "E", "search-type", type, soup_server_message_get_status (msg) < 400,
             FALSE);
      return;
    }
  if (strcmp (method, "GET") == 0 && n == 4 && strcmp (type, "Patient") == 0 &&
      strcmp (parts[3], "$everything") == 0)
    {
      g_autofree char *entity = g_strconcat (type, "/", id, NULL);

      everything (self, msg, role, id);
      audit (self, user, "E", "operation", entity, soup_server_message_get_status (msg) < 400,
             FALSE);
      return;
    }
  if (strcmp (method, "GET") == 0 && n == 3 && strcmp (type, "AuditEvent") == 0)
    {
      /* the audit trail lives beside the records, and only admins read it */
      g_autofree char *json = hc_server_db_read_audit (self->db, id, &error);
      if (json == NULL)
        respond_error (msg, error);
      else
        respond_json (msg, SOUP_STATUS_OK, FHIR_JSON, json);
      return;
    }
  else if (strcmp (method, "GET") == 0 && n == 3)
    {
      g_autofree char *entity = g_strconcat (type, "/", id, NULL);
      result = hc_server_db_read (self->db, type, id, 0, &error);
      audit (self, user, "R", "read", entity, result != NULL, FALSE);
    }
  else if (strcmp (method, "GET") == 0 && n == 5 && strcmp (parts[3], "_history") == 0)
    {
      gint64 version = g_ascii_strtoll (parts[4], NULL, 10);
      if (version <= 0)
        {
          respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value", "not a version number");
          return;
        }
      g_autofree char *entity = g_strconcat (type, "/", id, NULL);
      result = hc_server_db_read (self->db, type, id, version, &error);
      audit (self, user, "R", "vread", entity, result != NULL, FALSE);
    }
  else if ((strcmp (method, "PUT") == 0 && n == 3) || (strcmp (method, "POST") == 0 && n == 2))
    {
      g_autoptr(JsonObject) resource = read_body (msg);
      gint64 if_match = hc_request_parse_etag (soup_message_headers_get_one (headers, "If-Match"));
      gboolean if_none_match = g_strcmp0 (soup_message_headers_get_one (headers, "If-None-Match"),
                                          "*") == 0;
      const char *body_id;

      if (resource == NULL)
        return;
      if (if_match < 0)
        {
          respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "value", "If-Match must be W/\"<version>\"");
          return;
        }
      if (g_strcmp0 (hc_json_get_string (resource, "resourceType"), type) != 0)
        {
          respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "invalid",
                           "the resource's type does not match the URL");
          return;
        }
      body_id = hc_json_get_string (resource, "id");
      if (id != NULL)
        {
          if (body_id == NULL || strcmp (body_id, id) != 0)
            {
              respond_outcome (msg, SOUP_STATUS_BAD_REQUEST, "invalid",
                               "the resource's id does not match the URL");
              return;
            }
        }
      else
        {
          /* create: the server assigns the id */
          g_autofree char *new_id = hc_fhir_new_id ();
          json_object_set_string_member (resource, "id", new_id);
          if_none_match = TRUE;
        }
      result = hc_server_db_write (self->db, resource, if_match, if_none_match, &error);
      if (result != NULL)
        {
          g_autofree char *location = g_strdup_printf ("%s/%s/_history/%" G_GINT64_FORMAT,
                                                       result->type, result->id, result->version);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                        location);
          g_message ("%s %s/%s -> %" G_GINT64_FORMAT, method, type, result->id, result->version);
          respond_resource (msg, result->version == 1 ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, result);
          {
            g_autofree char *entity = g_strconcat (type, "/", result->id, NULL);
            audit (self, user, result->version == 1 ? "C" : "U",
                   result->version == 1 ? "create" : "update", entity, TRUE, TRUE);
          }
          wake_waiters (self);
          return;
        }
    }
  else if (strcmp (method, "DELETE") == 0 && n == 3)
    {
      gint64 if_match = hc_request_parse_etag (soup_message_headers_get_one (headers, "If-Match"));
      result = hc_server_db_delete (self->db, type, id, MAX (if_match, 0), &error);
      if (result != NULL)
        {
          set_version_headers (msg, result);
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
          {
            g_autofree char *entity = g_strconcat (type, "/", id, NULL);
            audit (self, user, "D", "delete", entity, TRUE, TRUE);
          }
          wake_waiters (self);
          return;
        }
    }
  else
    {
      respond_outcome (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "not-supported",
                       "this interaction is not supported here");
      return;
    }

  if (result == NULL)
    respond_error (msg, error);
  else
    respond_resource (msg, SOUP_STATUS_OK, result);
}

/* ------------------------------------------------------------------------------------------ */
/* Before a body is read: refuse what would be too large or is encoded in a way this server
 * does not decode, so a hostile client cannot make the server buffer it; gzip bodies are
 * decoded as they arrive. */

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > MAX_BODY_BYTES)
    drop_connection (msg);
}

/* Answers on the raw connection and closes it: libsoup would otherwise read the body first. */
static void
refuse_early (SoupServerMessage *msg,
              guint              status,
              const char        *reason,
              const char        *code,
              const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (HC_SERVER_ERROR, HC_SERVER_ERROR_FAILED, message);
  g_autoptr(JsonObject) outcome = hc_operation_outcome_new (error);
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;
  GIOStream *stream;

  json_object_set_string_member (json_array_get_object_element (json_object_get_array_member (outcome, "issue"), 0),
                                 "code", code);
  body = hc_json_object_to_string (outcome, FALSE);
  response = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: " FHIR_JSON "\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s",
                              status, reason, strlen (body), body);
  stream = soup_server_message_steal_connection (msg);
  g_message ("refused before the body: %u", status);
  if (stream == NULL)
    return;
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), response, strlen (response),
                             NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *encoding = soup_message_headers_get_one (headers, "Content-Encoding");
  goffset length = soup_message_headers_get_content_length (headers);

  if (length > MAX_BODY_BYTES)
    refuse_early (msg, 413, "Payload Too Large", "too-costly",
                  "the request body is larger than 16 MB");
  else if (encoding != NULL && !decode_request_body (msg, encoding))
    refuse_early (msg, 415, "Unsupported Media Type", "not-supported",
                  "request bodies may be gzip-compressed, and no other way");
  else if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED &&
           g_object_get_data (G_OBJECT (msg), "hc-body-decoder") == NULL)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
}

/* ------------------------------------------------------------------------------------------ */

static void
hc_server_finalize (GObject *object)
{
  HcServer *self = HC_SERVER (object);

  while (self->waiters != NULL)
    waiter_finish (self->waiters->data, NULL);
  g_clear_handle_id (&self->wake_id, g_source_remove);
  g_clear_pointer (&self->wake_pages, g_hash_table_unref);
  audit_flush (self);
  make_durable (self);
  g_clear_pointer (&self->audit_queue, g_ptr_array_unref);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->db, hc_server_db_free);
  g_clear_pointer (&self->login_limiter, hc_rate_limiter_free);

  G_OBJECT_CLASS (hc_server_parent_class)->finalize (object);
}

static void
hc_server_class_init (HcServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hc_server_finalize;
}

static void
hc_server_init (HcServer *self)
{
  self->access_seconds = 15 * 60;
  self->refresh_seconds = 30 * 24 * 3600;
  self->login_limiter = hc_rate_limiter_new (LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS);
  self->audit_queue = g_ptr_array_new_with_free_func (pending_audit_free);
}

HcServer *
hc_server_new (HcServerDb      *db,
               GTlsCertificate *certificate)
{
  HcServer *self = g_object_new (HC_TYPE_SERVER, NULL);

  self->db = db;
  self->certificate = g_object_ref (certificate);
  hc_server_db_watch (db, db_changed_cb, self);
  /* made once now, so the first login of an unknown user takes no longer than any other */
  (void) hc_auth_dummy_hash ();
  return self;
}

void
hc_server_set_token_lifetimes (HcServer *self,
                               guint     access_seconds,
                               guint     refresh_seconds)
{
  self->access_seconds = access_seconds;
  self->refresh_seconds = refresh_seconds;
}

gboolean
hc_server_listen (HcServer    *self,
                  const char  *host,
                  guint        port,
                  GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoslist(GUri) uris = NULL;

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address", host);
      return FALSE;
    }
  self->soup = g_object_new (SOUP_TYPE_SERVER, "tls-certificate", self->certificate,
                             "server-header", "housecall-server", NULL);
  /* answers go out once what they tell of is on disk */
  hc_server_db_set_deferred_sync (self->db, TRUE);
  add_handler (self, "/fhir", fhir_cb);
  add_handler (self, "/auth/token", token_cb);
  add_handler (self, "/auth/revoke", revoke_cb);
  /* early handlers run only where they share a path with a normal one */
  soup_server_add_early_handler (self->soup, "/fhir", early_cb, self, NULL);
  soup_server_add_early_handler (self->soup, "/auth/token", early_cb, self, NULL);
  soup_server_add_early_handler (self->soup, "/auth/revoke", early_cb, self, NULL);

  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (self->soup, socket_address, SOUP_SERVER_LISTEN_HTTPS, error))
    return FALSE;
  uris = soup_server_get_uris (self->soup);
  self->port = uris ? (guint) g_uri_get_port (uris->data) : port;
  return TRUE;
}

guint
hc_server_get_port (HcServer *self)
{
  return self->port;
}

void
hc_server_disconnect (HcServer *self)
{
  if (self->soup)
    soup_server_disconnect (self->soup);
  audit_flush (self);
  make_durable (self);
}
