/* hc-json.c: a strict JSON (RFC 8259) parser that builds json-glib trees
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * json-glib's JsonParser runs on a general-purpose scanner and was a third of the cost of a
 * bulk import. This parser reads the text once, by hand, and builds the same JsonNode tree.
 */

#define G_LOG_DOMAIN "hc-json"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hc-json.h"

G_DEFINE_QUARK (hc-json-error, hc_json_error)

#define MAX_DEPTH 256

typedef struct
{
  const char         *start;
  const char         *p;
  const char         *end;
  int                 depth;
  GString            *buf;        /* scratch for strings with escapes */
  /* partial parses (hc_json_parse_members, hc_json_parse_keeping_text) */
  const char * const *keep;       /* top-level members to build; the others are skipped */
  const char         *outer;      /* the members @inner of the objects in the top-level */
  const char         *inner;      /* array member @outer stay JSON text */
  gboolean            in_outer;
  gboolean            spaced;     /* skip_space() skipped something */
} Parser;

static gboolean
fail (Parser      *ps,
      GError     **error,
      const char  *what)
{
  guint line = 1, column = 1;

  for (const char *q = ps->start; q < ps->p && q < ps->end; q++)
    {
      if (*q == '\n')
        line++, column = 1;
      else
        column++;
    }
  g_set_error (error, HC_JSON_ERROR, 0, "line %u, column %u: %s", line, column, what);
  return FALSE;
}

static inline void
skip_space (Parser *ps)
{
  const char *p = ps->p;

  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
  ps->spaced |= ps->p != p;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Parser   *ps,
           gunichar *out)
{
  gunichar v = 0;

  if (ps->end - ps->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (ps->p[i]);
      if (h < 0)
        return FALSE;
      v = (v << 4) | h;
    }
  ps->p += 4;
  *out = v;
  return TRUE;
}

/* Parses a string at ps->p (on the opening quote). Returns a pointer to the NUL-terminated
 * text, valid until the next call: either a copy in ps->buf or, when there are no escapes,
 * also a copy (json-glib needs NUL-terminated strings). */
static const char *
parse_string (Parser  *ps,
              gsize   *length,
              GError **error)
{
  const char *s;

  g_assert (*ps->p == '"');
  s = ++ps->p;
  /* the fast path: no escapes */
  while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (guchar) *ps->p >= 0x20)
    ps->p++;
  g_string_truncate (ps->buf, 0);
  g_string_append_len (ps->buf, s, ps->p - s);

  while (ps->p < ps->end && *ps->p != '"')
    {
      guchar c = (guchar) *ps->p;

      if (c < 0x20)
        return fail (ps, error, "control character in a string"), NULL;
      if (c != '\\')
        {
          const char *run = ps->p;
          while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (guchar) *ps->p >= 0x20)
            ps->p++;
          g_string_append_len (ps->buf, run, ps->p - run);
          continue;
        }
      if (++ps->p >= ps->end)
        break;
      switch (*ps->p++)
        {
        case '"': g_string_append_c (ps->buf, '"'); break;
        case '\\': g_string_append_c (ps->buf, '\\'); break;
        case '/': g_string_append_c (ps->buf, '/'); break;
        case 'b': g_string_append_c (ps->buf, '\b'); break;
        case 'f': g_string_append_c (ps->buf, '\f'); break;
        case 'n': g_string_append_c (ps->buf, '\n'); break;
        case 'r': g_string_append_c (ps->buf, '\r'); break;
        case 't': g_string_append_c (ps->buf, '\t'); break;
        case 'u':
          {
            gunichar u;

            if (!read_hex4 (ps, &u))
              return fail (ps, error, "bad \\u escape"), NULL;
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                gunichar lo;

                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
                  return fail (ps, error, "unpaired surrogate in \\u escape"), NULL;
                ps->p += 2;
                if (!read_hex4 (ps, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                  return fail (ps, error, "unpaired surrogate in \\u escape"), NULL;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
              }
            else if (u >= 0xDC00 && u <= 0xDFFF)
              return fail (ps, error, "unpaired surrogate in \\u escape"), NULL;
            if (u == 0)
              return fail (ps, error, "\\u0000 is not allowed in text"), NULL;
            g_string_append_unichar (ps->buf, u);
            break;
          }
        default:
          ps->p--;
          return fail (ps, error, "unknown escape in a string"), NULL;
        }
    }
  if (ps->p >= ps->end)
    return fail (ps, error, "unterminated string"), NULL;
  ps->p++;   /* closing quote */
  *length = ps->buf->len;
  return ps->buf->str;
}

static JsonNode *parse_value (Parser *ps, GError **error);

/* Reads a number at ps->p: an integer that fits in 64 bits (*is_float FALSE, *i) or a finite
 * double (*d). */
static gboolean
read_number (Parser    *ps,
             gboolean  *is_float,
             gint64    *i,
             double    *d,
             GError   **error)
{
  const char *s = ps->p;
  char tmp[64];
  gsize len;

  *is_float = FALSE;
  if (ps->p < ps->end && *ps->p == '-')
    ps->p++;
  if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
    return fail (ps, error, "malformed number");
  if (*ps->p == '0')
    {
      ps->p++;
      if (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        return fail (ps, error, "a number cannot start with 0");
    }
  else
    while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
      ps->p++;
  if (ps->p < ps->end && *ps->p == '.')
    {
      *is_float = TRUE;
      ps->p++;
      if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
        return fail (ps, error, "malformed number");
      while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        ps->p++;
    }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E'))
    {
      *is_float = TRUE;
      ps->p++;
      if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
        ps->p++;
      if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
        return fail (ps, error, "malformed number");
      while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
        ps->p++;
    }

  len = ps->p - s;
  if (len >= sizeof tmp)
    {
      if (!*is_float)
        return fail (ps, error, "integer out of range");
      len = sizeof tmp - 1;  /* an absurdly long decimal: precision beyond a double is lost */
    }
  memcpy (tmp, s, len);
  tmp[len] = '\0';

  if (!*is_float)
    {
      errno = 0;
      *i = g_ascii_strtoll (tmp, NULL, 10);
      if (errno == ERANGE)
        return fail (ps, error, "integer out of range");
      return TRUE;
    }
  *d = g_ascii_strtod (tmp, NULL);
  /* 1e400 is valid JSON text but no double: it could not be written back */
  if (isinf (*d) || isnan (*d))
    return fail (ps, error, "number out of range");
  return TRUE;
}

static JsonNode *
parse_number (Parser  *ps,
              GError **error)
{
  gboolean is_float;
  gint64 i = 0;
  double d = 0;

  if (!read_number (ps, &is_float, &i, &d, error))
    return NULL;
  if (!is_float)
    return json_node_init_int (json_node_alloc (), i);
  return json_node_init_double (json_node_alloc (), d);
}

static gboolean
match_word (Parser     *ps,
            const char *word,
            gsize       len)
{
  if ((gsize) (ps->end - ps->p) < len || memcmp (ps->p, word, len) != 0)
    return FALSE;
  ps->p += len;
  return TRUE;
}

/* Checks the string at ps->p (on the opening quote) and moves past it, building nothing
 * unless it has escapes. */
static gboolean
skip_string (Parser  *ps,
             GError **error)
{
  const char *q = ps->p + 1;
  gsize len;

  while (q < ps->end && *q != '"' && *q != '\\' && (guchar) *q >= 0x20)
    q++;
  if (q < ps->end && *q == '"')
    {
      ps->p = q + 1;
      return TRUE;
    }
  return parse_string (ps, &len, error) != NULL;   /* escapes, or an error to report */
}

/* Checks one value as parse_value() would, building nothing. */
static gboolean
skip_value (Parser  *ps,
            GError **error)
{
  gboolean ok = TRUE;

  skip_space (ps);
  if (ps->p >= ps->end)
    return fail (ps, error, "unexpected end of the text");
  if (++ps->depth > MAX_DEPTH)
    return fail (ps, error, "nested too deeply");

  switch (*ps->p)
    {
    case '{':
    case '[':
      {
        char close = *ps->p == '{' ? '}' : ']';

        ps->p++;
        skip_space (ps);
        if (ps->p < ps->end && *ps->p == close)
          {
            ps->p++;
            break;
          }
        for (;;)
          {
            if (close == '}')
              {
                skip_space (ps);
                if (ps->p >= ps->end || *ps->p != '"')
                  return fail (ps, error, "expected a member name in quotes");
                if (!skip_string (ps, error))
                  return FALSE;
                skip_space (ps);
                if (ps->p >= ps->end || *ps->p != ':')
                  return fail (ps, error, "expected ':' after a member name");
                ps->p++;
              }
            if (!skip_value (ps, error))
              return FALSE;
            skip_space (ps);
            if (ps->p < ps->end && *ps->p == ',')
              {
                ps->p++;
                continue;
              }
            if (ps->p < ps->end && *ps->p == close)
              {
                ps->p++;
                break;
              }
            return fail (ps, error, close == '}' ? "expected ',' or '}' in an object"
                                                 : "expected ',' or ']' in an array");
          }
        break;
      }
    case '"':
      ok = skip_string (ps, error);
      break;
    case 't':
      ok = match_word (ps, "true", 4) || fail (ps, error, "unexpected word");
      break;
    case 'f':
      ok = match_word (ps, "false", 5) || fail (ps, error, "unexpected word");
      break;
    case 'n':
      ok = match_word (ps, "null", 4) || fail (ps, error, "unexpected word");
      break;
    default:
      {
        gboolean is_float;
        gint64 i;
        double d;

        if (*ps->p == '-' || g_ascii_isdigit (*ps->p))
          ok = read_number (ps, &is_float, &i, &d, error);
        else
          ok = fail (ps, error, "unexpected character");
      }
      break;
    }
  ps->depth--;
  return ok;
}

/* An object value kept as its JSON text (a string node), when that text is compact: no
 * whitespace between tokens. Anything else is parsed as usual. */
static JsonNode *
text_value (Parser  *ps,
            GError **error)
{
  const char *start;

  skip_space (ps);
  start = ps->p;
  if (ps->p < ps->end && *ps->p == '{')
    {
      ps->spaced = FALSE;
      if (!skip_value (ps, error))
        return NULL;
      if (!ps->spaced)
        {
          g_autofree char *text = g_strndup (start, ps->p - start);
          return json_node_init_string (json_node_alloc (), text);
        }
      ps->p = start;
    }
  return parse_value (ps, error);
}

static gboolean
is_kept (const char * const *keep,
         const char         *name)
{
  for (; *keep != NULL; keep++)
    if ((*keep)[0] == name[0] && strcmp (*keep, name) == 0)
      return TRUE;
  return FALSE;
}

static JsonNode *
parse_object (Parser  *ps,
              GError **error)
{
  JsonObject *object = json_object_new ();
  JsonNode *node;

  ps->p++;   /* { */
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == '}')
    {
      ps->p++;
      goto done;
    }
  for (;;)
    {
      g_autofree char *long_name = NULL;
      char short_name[64];
      const char *name;
      const char *text;
      gsize len;
      JsonNode *value;

      skip_space (ps);
      if (ps->p >= ps->end || *ps->p != '"')
        {
          fail (ps, error, "expected a member name in quotes");
          goto fail;
        }
      if ((text = parse_string (ps, &len, error)) == NULL)
        goto fail;
      if (memchr (text, '\0', len) != NULL)
        {
          fail (ps, error, "NUL in a member name");
          goto fail;
        }
      /* the scratch buffer is reused by the value: keep the name */
      if (len < sizeof short_name)
        name = memcpy (short_name, text, len + 1);
      else
        name = long_name = g_strndup (text, len);
      skip_space (ps);
      if (ps->p >= ps->end || *ps->p != ':')
        {
          fail (ps, error, "expected ':' after a member name");
          goto fail;
        }
      ps->p++;
      if (ps->keep != NULL && ps->depth == 1 && !is_kept (ps->keep, name))
        {
          /* a partial parse: checked, not built */
          if (!skip_value (ps, error))
            goto fail;
        }
      else if (ps->in_outer && ps->depth == 3 && strcmp (name, ps->inner) == 0)
        {
          if ((value = text_value (ps, error)) == NULL)
            goto fail;
          json_object_set_member (object, name, value);
        }
      else
        {
          gboolean outer = ps->outer != NULL && ps->depth == 1 && strcmp (name, ps->outer) == 0;

          if (outer)
            ps->in_outer = TRUE;
          value = parse_value (ps, error);
          if (outer)
            ps->in_outer = FALSE;
          if (value == NULL)
            goto fail;
          json_object_set_member (object, name, value);
        }
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',')
        {
          ps->p++;
          continue;
        }
      if (ps->p < ps->end && *ps->p == '}')
        {
          ps->p++;
          break;
        }
      fail (ps, error, "expected ',' or '}' in an object");
      goto fail;
    }

done:
  node = json_node_alloc ();
  json_node_init_object (node, object);
  json_object_unref (object);
  return node;

fail:
  json_object_unref (object);
  return NULL;
}

static JsonNode *
parse_array (Parser  *ps,
             GError **error)
{
  JsonArray *array = json_array_new ();
  JsonNode *node;

  ps->p++;   /* [ */
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == ']')
    {
      ps->p++;
      goto done;
    }
  for (;;)
    {
      JsonNode *value = parse_value (ps, error);

      if (value == NULL)
        {
          json_array_unref (array);
          return NULL;
        }
      json_array_add_element (array, value);
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',')
        {
          ps->p++;
          continue;
        }
      if (ps->p < ps->end && *ps->p == ']')
        {
          ps->p++;
          break;
        }
      fail (ps, error, "expected ',' or ']' in an array");
      json_array_unref (array);
      return NULL;
    }

done:
  node = json_node_alloc ();
  json_node_init_array (node, array);
  json_array_unref (array);
  return node;
}

static JsonNode *
parse_value (Parser  *ps,
             GError **error)
{
  JsonNode *node = NULL;

  skip_space (ps);
  if (ps->p >= ps->end)
    return fail (ps, error, "unexpected end of the text"), NULL;
  if (++ps->depth > MAX_DEPTH)
    return fail (ps, error, "nested too deeply"), NULL;

  switch (*ps->p)
    {
    case '{':
      node = parse_object (ps, error);
      break;
    case '[':
      node = parse_array (ps, error);
      break;
    case '"':
      {
        gsize len;
        const char *text = parse_string (ps, &len, error);

        if (text == NULL)
          break;
        if (memchr (text, '\0', len) != NULL)
          {
            fail (ps, error, "NUL in a string");
            break;
          }
        node = json_node_init_string (json_node_alloc (), text);
        break;
      }
    case 't':
      if (match_word (ps, "true", 4))
        node = json_node_init_boolean (json_node_alloc (), TRUE);
      else
        fail (ps, error, "unexpected word");
      break;
    case 'f':
      if (match_word (ps, "false", 5))
        node = json_node_init_boolean (json_node_alloc (), FALSE);
      else
        fail (ps, error, "unexpected word");
      break;
    case 'n':
      if (match_word (ps, "null", 4))
        node = json_node_init_null (json_node_alloc ());
      else
        fail (ps, error, "unexpected word");
      break;
    default:
      if (*ps->p == '-' || g_ascii_isdigit (*ps->p))
        node = parse_number (ps, error);
      else
        fail (ps, error, "unexpected character");
      break;
    }
  ps->depth--;
  return node;
}

static JsonNode *
run_parser (Parser  *ps,
            GError **error)
{
  JsonNode *root;

  if (!g_utf8_validate (ps->start, ps->end - ps->start, NULL))
    {
      g_set_error_literal (error, HC_JSON_ERROR, 0, "not valid UTF-8 text");
      return NULL;
    }
  root = parse_value (ps, error);
  if (root == NULL)
    return NULL;
  skip_space (ps);
  if (ps->p != ps->end)
    {
      fail (ps, error, "unexpected text after the JSON value");
      json_node_unref (root);
      return NULL;
    }
  return root;
}

JsonNode *
hc_json_parse (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(GString) buf = g_string_sized_new (256);
  Parser ps = { data, data, data + length, 0, buf, NULL, NULL, NULL, FALSE, FALSE };

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  return run_parser (&ps, error);
}

JsonObject *
hc_json_parse_members (const char          *data,
                       gsize                length,
                       const char * const  *members,
                       GError             **error)
{
  g_autoptr(GString) buf = g_string_sized_new (256);
  Parser ps = { data, data, data + length, 0, buf, members, NULL, NULL, FALSE, FALSE };
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (members != NULL, NULL);

  root = run_parser (&ps, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, HC_JSON_ERROR, 0, "not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

JsonNode *
hc_json_parse_keeping_text (const char  *data,
                            gsize        length,
                            const char  *outer,
                            const char  *inner,
                            GError     **error)
{
  g_autoptr(GString) buf = g_string_sized_new (256);
  Parser ps = { data, data, data + length, 0, buf, NULL, outer, inner, FALSE, FALSE };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (outer != NULL && inner != NULL, NULL);

  return run_parser (&ps, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Writing */

static void
write_string (GString    *out,
              const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = s;

  g_string_append_c (out, '"');
  for (const char *p = s;; p++)
    {
      guchar c = (guchar) *p;
      char esc[7];

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      if (c == '\0')
        break;
      run = p + 1;
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          memcpy (esc, "\\u00", 4);
          esc[4] = hex[c >> 4];
          esc[5] = hex[c & 0xf];
          esc[6] = '\0';
          g_string_append (out, esc);
          break;
        }
    }
  g_string_append_c (out, '"');
}

static void
write_double (GString *out,
              double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* the shortest of %.15g, %.16g, %.17g that reads back as the same double */
  for (int precision = 15; precision <= 17; precision++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (out, buf);
  /* keep it a decimal: 5.0 stays a double when read back */
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
newline (GString  *out,
         gboolean  pretty,
         int       level)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < level; i++)
    g_string_append (out, "  ");
}

static void
write_node (GString  *out,
            JsonNode *node,
            gboolean  pretty,
            int       level)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            newline (out, pretty, level + 1);
            write_string (out, name);
            g_string_append (out, pretty ? ": " : ":");
            write_node (out, member, pretty, level + 1);
          }
        if (!first)
          newline (out, pretty, level);
        g_string_append_c (out, '}');
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            newline (out, pretty, level + 1);
            write_node (out, json_array_get_element (array, i), pretty, level + 1);
          }
        if (n > 0)
          newline (out, pretty, level);
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          write_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;
    }
}

char *
hc_json_to_string (JsonNode *node,
                   gboolean  pretty)
{
  GString *out = g_string_sized_new (1024);

  g_return_val_if_fail (node != NULL, NULL);

  write_node (out, node, pretty, 0);
  return g_string_free (out, FALSE);
}

char *
hc_json_object_to_string (JsonObject *object,
                          gboolean    pretty)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return hc_json_to_string (node, pretty);
}

/* ------------------------------------------------------------------------------------------ */
/* Typed access */

const char *
hc_json_get_string (JsonObject *object,
                    const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

JsonObject *
hc_json_get_object (JsonObject *object,
                    const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
hc_json_get_array (JsonObject *object,
                   const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
hc_json_array_get_object (JsonArray *array,
                          guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonObject *
hc_json_object_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  g_return_val_if_fail (object != NULL, NULL);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    json_object_set_member (copy, name, hc_json_copy (member));
  return copy;
}

JsonNode *
hc_json_copy (JsonNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (copy, hc_json_object_copy (json_node_get_object (node)));
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *copy_array = json_array_sized_new (json_array_get_length (array));
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy_array, hc_json_copy (json_array_get_element (array, i)));
      json_node_take_array (copy, copy_array);
      return copy;
    }
  return json_node_copy (node);
}
