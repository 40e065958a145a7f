/* hc-fhir.c: the FHIR R4 resource model
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-fhir"

#include "config.h"

#include <math.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "hc-fhir.h"
#include "hc-json.h"

G_DEFINE_QUARK (hc-fhir-error, hc_fhir_error)

static const char * const resource_types[] = {
  "AllergyIntolerance", "Appointment", "AuditEvent", "Communication", "Composition",
  "Condition", "Coverage", "DiagnosticReport", "Encounter", "MedicationRequest",
  "Observation", "Organization", "Patient", "Practitioner", "Provenance",
  "ServiceRequest", "Task", NULL
};

const char * const *
hc_fhir_resource_types (void)
{
  return resource_types;
}

gboolean
hc_fhir_is_known_type (const char *type)
{
  if (type == NULL)
    return FALSE;
  for (guint i = 0; resource_types[i]; i++)
    if (strcmp (resource_types[i], type) == 0)
      return TRUE;
  return FALSE;
}

gboolean
hc_fhir_is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '.')
      return FALSE;
  return TRUE;
}

/* The length of the id at @s ([A-Za-z0-9-.]{1,64}) up to @end, or 0 if it is not one. */
static gsize
id_span (const char *s,
         char        end)
{
  gsize n = 0;

  while (s[n] != '\0' && s[n] != end)
    {
      if (!g_ascii_isalnum (s[n]) && s[n] != '-' && s[n] != '.')
        return 0;
      n++;
    }
  return n <= 64 ? n : 0;
}

gboolean
hc_fhir_is_valid_reference (const char *reference)
{
  const char *p;
  gsize n;

  if (reference == NULL || *reference == '\0')
    return FALSE;
  if (reference[0] == '#')
    return TRUE;
  if (g_str_has_prefix (reference, "urn:uuid:") || g_str_has_prefix (reference, "urn:oid:") ||
      g_str_has_prefix (reference, "http://") || g_str_has_prefix (reference, "https://"))
    return strchr (reference, ' ') == NULL;
  /* Type/id or Type/id/_history/vid */
  for (p = reference; g_ascii_isalpha (*p); p++)
    ;
  if (p == reference || *p != '/')
    return FALSE;
  p++;
  n = id_span (p, '/');
  if (n == 0)
    return FALSE;
  p += n;
  if (*p == '\0')
    return TRUE;
  if (!g_str_has_prefix (p, "/_history/"))
    return FALSE;
  p += strlen ("/_history/");
  n = id_span (p, '\0');
  return n > 0 && p[n] == '\0';
}

/* Validation. The walk allocates nothing unless it fails: the FHIRPath of the current element
 * is a chain of stack frames, formatted only for the error message. */

#define MAX_DEPTH 48

typedef struct _Path Path;
struct _Path
{
  const Path *parent;
  const char *name;    /* NULL: an array index step */
  int         index;
};

typedef struct
{
  GError **error;
  int      depth;
} Ctx;

static const char * const kind_names[] = {
  [_HC_FHIR_BOOLEAN] = "boolean", [_HC_FHIR_INTEGER] = "integer",
  [_HC_FHIR_DECIMAL] = "decimal", [_HC_FHIR_STRING] = "string", [_HC_FHIR_CODE] = "code",
  [_HC_FHIR_ID] = "id", [_HC_FHIR_URI] = "uri", [_HC_FHIR_URL] = "url",
  [_HC_FHIR_CANONICAL] = "canonical", [_HC_FHIR_OID] = "oid", [_HC_FHIR_UUID] = "uuid",
  [_HC_FHIR_DATE] = "date", [_HC_FHIR_DATETIME] = "dateTime", [_HC_FHIR_INSTANT] = "instant",
  [_HC_FHIR_TIME] = "time", [_HC_FHIR_POSITIVE_INT] = "positiveInt",
  [_HC_FHIR_UNSIGNED_INT] = "unsignedInt", [_HC_FHIR_BASE64_BINARY] = "base64Binary",
  [_HC_FHIR_MARKDOWN] = "markdown", [_HC_FHIR_XHTML] = "xhtml",
};

static void
append_path (GString    *s,
             const Path *path)
{
  if (path == NULL)
    return;
  append_path (s, path->parent);
  if (path->name == NULL)
    g_string_append_printf (s, "[%d]", path->index);
  else
    {
      if (s->len > 0)
        g_string_append_c (s, '.');
      g_string_append (s, path->name);
    }
}

static gboolean fail (Ctx        *ctx,
                      const Path *path,
                      const char *format,
                      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Ctx        *ctx,
      const Path *path,
      const char *format,
      ...)
{
  g_autoptr(GString) s = g_string_new (NULL);
  va_list args;

  append_path (s, path);
  g_string_append (s, ": ");
  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);
  g_set_error_literal (ctx->error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID, s->str);
  return FALSE;
}

static const _HcFhirElement *
lookup_element (const _HcFhirType *type,
                const char        *name)
{
  guint lo = 0, hi = type->n_elements;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      int cmp = strcmp (name, type->elements[mid].name);

      if (cmp == 0)
        return &type->elements[mid];
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return NULL;
}

static int
lookup_resource_type (const char *name)
{
  guint lo = 0, hi = _hc_fhir_n_types;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      int cmp = strcmp (name, _hc_fhir_types[mid].name);

      if (cmp == 0)
        return (_hc_fhir_types[mid].flags & _HC_FHIR_TYPE_RESOURCE) ? (int) mid : -1;
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return -1;
}

/* Date and time syntax (FHIR R4 datatypes page), with a real calendar. */

static gboolean
digits (const char **p,
        int          n,
        int         *out)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      char c = (*p)[i];
      if (c < '0' || c > '9')
        return FALSE;
      v = v * 10 + (c - '0');
    }
  *p += n;
  *out = v;
  return TRUE;
}

static int
days_in_month (int year,
               int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    return 29;
  return days[month - 1];
}

/* YYYY, YYYY-MM or YYYY-MM-DD; *parts is how many of them. */
static const char *
parse_date (const char *p,
            int        *parts)
{
  int year, month, day;

  *parts = 0;
  if (!digits (&p, 4, &year) || year == 0)
    return NULL;
  *parts = 1;
  if (*p != '-')
    return p;
  p++;
  if (!digits (&p, 2, &month) || month < 1 || month > 12)
    return NULL;
  *parts = 2;
  if (*p != '-')
    return p;
  p++;
  if (!digits (&p, 2, &day) || day < 1 || day > days_in_month (year, month))
    return NULL;
  *parts = 3;
  return p;
}

/* hh:mm:ss(.s+)? */
static const char *
parse_time (const char *p)
{
  int h, m, sec;

  if (!digits (&p, 2, &h) || h > 23 || *p++ != ':' || !digits (&p, 2, &m) || m > 59 ||
      *p++ != ':' || !digits (&p, 2, &sec) || sec > 60)
    return NULL;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return NULL;
      while (g_ascii_isdigit (*p))
        p++;
    }
  return p;
}

/* Z or ±hh:mm, -14:00 … +14:00 */
static const char *
parse_zone (const char *p)
{
  int h, m;

  if (*p == 'Z')
    return p + 1;
  if (*p != '+' && *p != '-')
    return NULL;
  p++;
  if (!digits (&p, 2, &h) || *p++ != ':' || !digits (&p, 2, &m) || m > 59 || h > 14 ||
      (h == 14 && m != 0))
    return NULL;
  return p;
}

static gboolean
is_date_time (const char *s,
              gboolean    need_time)
{
  int parts;
  const char *p = parse_date (s, &parts);

  if (p == NULL)
    return FALSE;
  if (*p == '\0')
    return !need_time;
  if (parts != 3 || *p != 'T')
    return FALSE;
  p = parse_time (p + 1);
  if (p == NULL)
    return FALSE;
  p = parse_zone (p);
  return p != NULL && *p == '\0';
}

static gboolean
is_code (const char *s)
{
  if (g_ascii_isspace (*s))
    return FALSE;
  for (const char *p = s; *p; p++)
    if (g_ascii_isspace (*p) && (g_ascii_isspace (p[1]) || p[1] == '\0'))
      return FALSE;
  return TRUE;
}

static gboolean
has_space (const char *s)
{
  for (const char *p = s; *p; p++)
    if (g_ascii_isspace (*p))
      return TRUE;
  return FALSE;
}

static gboolean
is_oid (const char *s)
{
  if (!g_str_has_prefix (s, "urn:oid:"))
    return FALSE;
  s += 8;
  if (*s < '0' || *s > '2')
    return FALSE;
  s++;
  if (*s != '.')
    return FALSE;
  while (*s == '.')
    {
      s++;
      if (!g_ascii_isdigit (*s) || (*s == '0' && g_ascii_isdigit (s[1])))
        return FALSE;
      while (g_ascii_isdigit (*s))
        s++;
    }
  return *s == '\0';
}

static gboolean
is_uuid (const char *s)
{
  if (!g_str_has_prefix (s, "urn:uuid:"))
    return FALSE;
  s += 9;
  for (int i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (s[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
        return FALSE;
    }
  return s[36] == '\0';
}

static gboolean
is_base64 (const char *s)
{
  gsize n = 0, pad = 0;

  for (const char *p = s; *p; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (*p == '=')
        pad++;
      else if (pad > 0 || !(g_ascii_isalnum (*p) || *p == '+' || *p == '/'))
        return FALSE;
      n++;
    }
  return n > 0 && n % 4 == 0 && pad <= 2;
}

static gboolean
is_primitive_string (guint       kind,
                     const char *s)
{
  switch (kind)
    {
    case _HC_FHIR_STRING:
    case _HC_FHIR_MARKDOWN:
      return TRUE;
    case _HC_FHIR_CODE:
      return is_code (s);
    case _HC_FHIR_ID:
      return hc_fhir_is_valid_id (s);
    case _HC_FHIR_URI:
    case _HC_FHIR_URL:
    case _HC_FHIR_CANONICAL:
      return !has_space (s);
    case _HC_FHIR_OID:
      return is_oid (s);
    case _HC_FHIR_UUID:
      return is_uuid (s);
    case _HC_FHIR_DATE:
      {
        int parts;
        const char *end = parse_date (s, &parts);
        return end != NULL && *end == '\0';
      }
    case _HC_FHIR_DATETIME:
      return is_date_time (s, FALSE);
    case _HC_FHIR_INSTANT:
      return is_date_time (s, TRUE);
    case _HC_FHIR_TIME:
      {
        const char *end = parse_time (s);
        return end != NULL && *end == '\0';
      }
    case _HC_FHIR_BASE64_BINARY:
      return is_base64 (s);
    case _HC_FHIR_XHTML:
      return g_str_has_prefix (s, "<div");
    default:
      g_assert_not_reached ();
    }
}

static gboolean
validate_primitive (Ctx                  *ctx,
                    const _HcFhirElement *element,
                    JsonNode             *node,
                    const Path           *path)
{
  guint kind = element->kind;
  GType vtype = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  const char *s;

  switch (kind)
    {
    case _HC_FHIR_BOOLEAN:
      if (vtype != G_TYPE_BOOLEAN)
        return fail (ctx, path, "expected a boolean");
      return TRUE;
    case _HC_FHIR_DECIMAL:
      if (vtype != G_TYPE_INT64 && vtype != G_TYPE_DOUBLE)
        return fail (ctx, path, "expected a number");
      return TRUE;
    case _HC_FHIR_INTEGER:
    case _HC_FHIR_POSITIVE_INT:
    case _HC_FHIR_UNSIGNED_INT:
      {
        gint64 v;

        if (vtype != G_TYPE_INT64)
          return fail (ctx, path, "expected an integer");
        v = json_node_get_int (node);
        if (v > G_MAXINT32 || v < G_MININT32 ||
            (kind == _HC_FHIR_POSITIVE_INT && v < 1) ||
            (kind == _HC_FHIR_UNSIGNED_INT && v < 0))
          return fail (ctx, path, "%" G_GINT64_FORMAT " is not a valid %s", v, kind_names[kind]);
        return TRUE;
      }
    default:
      break;
    }

  if (vtype != G_TYPE_STRING)
    return fail (ctx, path, "expected a string");
  s = json_node_get_string (node);
  if (*s == '\0')
    return fail (ctx, path, "an empty string is not a valid %s", kind_names[kind]);
  if (!is_primitive_string (kind, s))
    return fail (ctx, path, "'%.80s' is not a valid %s", s, kind_names[kind]);
  if (kind == _HC_FHIR_CODE && element->ref != 0)
    {
      const _HcFhirEnum *e = &_hc_fhir_enums[element->ref];

      for (guint i = 0; e->codes[i]; i++)
        if (strcmp (e->codes[i], s) == 0)
          return TRUE;
      return fail (ctx, path, "'%.80s' is not one of %s", s, e->joined);
    }
  return TRUE;
}

static gboolean validate_object (Ctx        *ctx,
                                 guint       type_index,
                                 JsonObject *object,
                                 const Path *path);

static gboolean
validate_resource_node (Ctx        *ctx,
                        JsonNode   *node,
                        const Path *path)
{
  JsonObject *object;
  JsonNode *rt;
  int type_index;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (ctx, path, "expected a resource object");
  object = json_node_get_object (node);
  rt = json_object_get_member (object, "resourceType");
  if (rt == NULL || !JSON_NODE_HOLDS_VALUE (rt) || json_node_get_value_type (rt) != G_TYPE_STRING)
    return fail (ctx, path, "a contained resource needs a resourceType");
  type_index = lookup_resource_type (json_node_get_string (rt));
  if (type_index < 0)
    return TRUE;  /* out of scope: kept as it is */
  return validate_object (ctx, type_index, object, path);
}

static gboolean
validate_single (Ctx                  *ctx,
                 const _HcFhirElement *element,
                 JsonNode             *node,
                 const Path           *path)
{
  switch (element->kind)
    {
    case _HC_FHIR_COMPLEX:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (ctx, path, "expected an object");
      return validate_object (ctx, element->ref, json_node_get_object (node), path);
    case _HC_FHIR_RESOURCE:
      return validate_resource_node (ctx, node, path);
    default:
      return validate_primitive (ctx, element, node, path);
    }
}

static gboolean
has_primitive_extension (JsonObject *object,
                         const char *name)
{
  char buf[128];

  if (g_snprintf (buf, sizeof buf, "_%s", name) >= (int) sizeof buf)
    return FALSE;
  return json_object_has_member (object, buf);
}

static gboolean
validate_element (Ctx                  *ctx,
                  const _HcFhirElement *element,
                  JsonObject           *parent,
                  JsonNode             *node,
                  const Path           *path)
{
  JsonArray *array;
  guint n;
  gboolean primitive = element->kind != _HC_FHIR_COMPLEX && element->kind != _HC_FHIR_RESOURCE;

  if (!(element->flags & _HC_FHIR_ELEMENT_ARRAY))
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        return fail (ctx, path, "expected a single value, not an array");
      if (JSON_NODE_HOLDS_NULL (node))
        return fail (ctx, path, "null is not a value");
      return validate_single (ctx, element, node, path);
    }

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (ctx, path, "expected an array");
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0)
    return fail (ctx, path, "an array must not be empty");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      Path step = { path, NULL, (int) i };

      if (JSON_NODE_HOLDS_NULL (item))
        {
          /* ["a", null] is allowed when "_name" carries the extension of item 1 */
          if (primitive && has_primitive_extension (parent, element->name))
            continue;
          return fail (ctx, &step, "null is not a value");
        }
      if (!validate_single (ctx, element, item, &step))
        return FALSE;
    }
  return TRUE;
}

/* "_birthDate": {"extension": […]} or "_given": [null, {…}] */
static gboolean
validate_primitive_extension (Ctx                  *ctx,
                              const _HcFhirElement *element,
                              JsonNode             *node,
                              const Path           *path)
{
  if (element->flags & _HC_FHIR_ELEMENT_ARRAY)
    {
      JsonArray *array;
      guint n;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail (ctx, path, "expected an array");
      array = json_node_get_array (node);
      n = json_array_get_length (array);
      if (n == 0)
        return fail (ctx, path, "an array must not be empty");
      for (guint i = 0; i < n; i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          Path step = { path, NULL, (int) i };

          if (JSON_NODE_HOLDS_NULL (item))
            continue;
          if (!JSON_NODE_HOLDS_OBJECT (item))
            return fail (ctx, &step, "expected an object or null");
          if (!validate_object (ctx, _hc_fhir_element_type, json_node_get_object (item), &step))
            return FALSE;
        }
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (ctx, path, "expected an object");
  return validate_object (ctx, _hc_fhir_element_type, json_node_get_object (node), path);
}

static gboolean
validate_object (Ctx        *ctx,
                 guint       type_index,
                 JsonObject *object,
                 const Path *path)
{
  const _HcFhirType *type = &_hc_fhir_types[type_index];
  gboolean is_resource = (type->flags & _HC_FHIR_TYPE_RESOURCE) != 0;
  const char *choice_seen[32];
  guint32 seen = 0;
  guint n_members = 0;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (ctx->depth >= MAX_DEPTH)
    return fail (ctx, path, "nested too deeply");
  ctx->depth++;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      const _HcFhirElement *element;
      Path step = { path, name, 0 };

      n_members++;
      if (name[0] == '_')
        {
          element = lookup_element (type, name + 1);
          if (element == NULL || element->kind == _HC_FHIR_COMPLEX ||
              element->kind == _HC_FHIR_RESOURCE)
            return fail (ctx, &step, "unknown element");
          if (!validate_primitive_extension (ctx, element, node, &step))
            return FALSE;
          if (element->choice != 0)
            {
              guint32 bit = 1u << (element->choice - 1);
              if ((seen & bit) && strcmp (choice_seen[element->choice - 1], name + 1) != 0)
                return fail (ctx, &step, "%s is already given as %s",
                             type->choice_names[element->choice - 1],
                             choice_seen[element->choice - 1]);
              seen |= bit;
              choice_seen[element->choice - 1] = name + 1;
            }
          continue;
        }
      if (is_resource && strcmp (name, "resourceType") == 0)
        continue;
      element = lookup_element (type, name);
      if (element == NULL)
        return fail (ctx, &step, "unknown element");
      if (element->choice != 0)
        {
          guint32 bit = 1u << (element->choice - 1);
          if ((seen & bit) && strcmp (choice_seen[element->choice - 1], name) != 0)
            return fail (ctx, &step, "%s is already given as %s",
                         type->choice_names[element->choice - 1],
                         choice_seen[element->choice - 1]);
          seen |= bit;
          choice_seen[element->choice - 1] = name;
        }
      if (!validate_element (ctx, element, object, node, &step))
        return FALSE;
    }

  if (n_members == 0)
    return fail (ctx, path, "an object must not be empty");

  for (guint i = 0; i < type->n_required; i++)
    {
      const _HcFhirElement *element = &type->elements[type->required[i]];

      if (!json_object_has_member (object, element->name))
        {
          Path step = { path, element->name, 0 };
          return fail (ctx, &step, "required element missing");
        }
    }
  if ((type->required_choices & ~seen) != 0)
    {
      for (guint g = 0; g < 32; g++)
        if ((type->required_choices & ~seen) & (1u << g))
          {
            Path step = { path, type->choice_names[g], 0 };
            return fail (ctx, &step, "required element missing");
          }
    }

  if (type->flags & _HC_FHIR_TYPE_REFERENCE)
    {
      node = json_object_get_member (object, "reference");
      if (node != NULL && !hc_fhir_is_valid_reference (json_node_get_string (node)))
        {
          Path step = { path, "reference", 0 };
          return fail (ctx, &step, "'%.80s' is not a valid reference",
                       json_node_get_string (node));
        }
    }
  else if (type->flags & _HC_FHIR_TYPE_EXTENSION)
    {
      /* ext-1: either nested extensions or a value[x], not both */
      gboolean has_value = (seen & 1u) != 0;
      gboolean has_nested = json_object_has_member (object, "extension");

      if (has_value && has_nested)
        return fail (ctx, path, "an extension has either a value[x] or nested extensions, not both");
      if (!has_value && !has_nested)
        return fail (ctx, path, "an extension needs a value[x] or nested extensions");
    }

  ctx->depth--;
  return TRUE;
}

static gboolean validate_resource (JsonObject *resource, GError **error);

/* Messages quote element names and values from the input: keep them one line of valid UTF-8
 * (a cut at 80 bytes can split a character; a name can hold a newline). */
static void
sanitize_message (GError *error)
{
  g_autofree char *valid = g_utf8_make_valid (error->message, -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, *p);
    }
  g_free (error->message);
  error->message = g_string_free (out, FALSE);
}

gboolean
hc_fhir_validate (JsonObject  *resource,
                  GError     **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (resource != NULL, FALSE);

  if (validate_resource (resource, &local_error))
    return TRUE;
  sanitize_message (local_error);
  g_propagate_error (error, local_error);
  return FALSE;
}

static gboolean
validate_resource (JsonObject  *resource,
                   GError     **error)
{
  const char *type;
  JsonNode *node;
  Ctx ctx = { error, 0 };
  Path root = { NULL, NULL, 0 };
  int type_index;

  node = json_object_get_member (resource, "resourceType");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error_literal (error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID,
                           "resourceType: missing or not a string");
      return FALSE;
    }
  type = json_node_get_string (node);
  type_index = lookup_resource_type (type);
  if (type_index < 0)
    {
      g_set_error (error, HC_FHIR_ERROR, HC_FHIR_ERROR_UNKNOWN_TYPE,
                   "resourceType: '%s' is not a resource type Housecall stores", type);
      return FALSE;
    }
  node = json_object_get_member (resource, "id");
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                       json_node_get_value_type (node) != G_TYPE_STRING ||
                       !hc_fhir_is_valid_id (json_node_get_string (node))))
    {
      g_set_error (error, HC_FHIR_ERROR, HC_FHIR_ERROR_INVALID_ID,
                   "%s.id: not a valid FHIR id ([A-Za-z0-9-.]{1,64})", type);
      return FALSE;
    }
  root.name = _hc_fhir_types[type_index].name;
  return validate_object (&ctx, type_index, resource, &root);
}

static const char *
reference_of (JsonObject *object,
              const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  JsonObject *ref;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  ref = json_node_get_object (node);
  node = json_object_get_member (ref, "reference");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

char *
hc_fhir_patient_reference (JsonObject *resource)
{
  static const char * const members[] = { "subject", "patient", "beneficiary", "for", NULL };
  const char *type = hc_json_get_string (resource, "resourceType");
  JsonNode *node;

  if (g_strcmp0 (type, "Patient") == 0)
    {
      const char *id = hc_json_get_string (resource, "id");
      return id ? g_strconcat ("Patient/", id, NULL) : NULL;
    }
  for (guint i = 0; members[i]; i++)
    {
      const char *ref = reference_of (resource, members[i]);
      if (ref && g_str_has_prefix (ref, "Patient/"))
        return g_strdup (ref);
    }
  /* Appointment: the patient is one of the participants' actors */
  node = json_object_get_member (resource, "participant");
  if (g_strcmp0 (type, "Appointment") == 0 && node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *participants = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (participants); i++)
        {
          JsonNode *p = json_array_get_element (participants, i);
          const char *ref;

          if (!JSON_NODE_HOLDS_OBJECT (p))
            continue;
          ref = reference_of (json_node_get_object (p), "actor");
          if (ref && g_str_has_prefix (ref, "Patient/"))
            return g_strdup (ref);
        }
    }
  return NULL;
}

char *
hc_fhir_new_id (void)
{
  guint8 b[16];
  gint64 ms = g_get_real_time () / 1000;

  gnutls_rnd (GNUTLS_RND_NONCE, b, sizeof b);
  for (int i = 0; i < 6; i++)
    b[i] = (guint8) (ms >> (8 * (5 - i)));
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

char *
hc_fhir_fold (const char *text)
{
  g_autofree char *decomposed = NULL;
  g_autofree char *folded = NULL;
  GString *out;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");
  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  if (decomposed == NULL)
    return g_strdup ("");
  folded = g_utf8_casefold (decomposed, -1);
  out = g_string_sized_new (strlen (folded));
  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType t = g_unichar_type (c);

      if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK ||
          t == G_UNICODE_ENCLOSING_MARK)
        continue;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

JsonObject *
hc_fhir_coding_new (const char *system,
                    const char *code,
                    const char *display)
{
  JsonObject *coding = json_object_new ();

  if (system != NULL)
    json_object_set_string_member (coding, "system", system);
  if (code != NULL)
    json_object_set_string_member (coding, "code", code);
  if (display != NULL)
    json_object_set_string_member (coding, "display", display);
  return coding;
}

JsonObject *
hc_fhir_concept_new (const char *system,
                     const char *code,
                     const char *display,
                     const char *text)
{
  JsonObject *concept = json_object_new ();

  if (code != NULL)
    {
      JsonArray *codings = json_array_new ();

      json_array_add_object_element (codings, hc_fhir_coding_new (system, code, display));
      json_object_set_array_member (concept, "coding", codings);
    }
  if (text != NULL)
    json_object_set_string_member (concept, "text", text);
  return concept;
}

JsonObject *
hc_fhir_reference_new (const char *type,
                       const char *id,
                       const char *display)
{
  JsonObject *ref = json_object_new ();
  g_autofree char *text = g_strconcat (type, "/", id, NULL);

  json_object_set_string_member (ref, "reference", text);
  if (display != NULL)
    json_object_set_string_member (ref, "display", display);
  return ref;
}

JsonObject *
hc_fhir_quantity_new (double      value,
                      const char *unit,
                      const char *ucum)
{
  JsonObject *quantity = json_object_new ();

  if (value == floor (value) && fabs (value) < 1e15)
    json_object_set_int_member (quantity, "value", (gint64) value);
  else
    json_object_set_double_member (quantity, "value", value);
  if (unit != NULL)
    json_object_set_string_member (quantity, "unit", unit);
  if (ucum != NULL)
    {
      json_object_set_string_member (quantity, "system", "http://unitsofmeasure.org");
      json_object_set_string_member (quantity, "code", ucum);
    }
  return quantity;
}
