/* hc-search-params.c: FHIR search parameters: parsing and index extraction
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-search-params"

#include "config.h"

#include <string.h>

#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-search-params.h"

G_DEFINE_QUARK (hc-search-error, hc_search_error)

#define MAX_CRITERIA 64
#define MAX_VALUES   100
#define MAX_QUERY    (64 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* What each type offers */

typedef struct
{
  const char         *type;
  const char * const  params[10];
  const HcSearchType  types[10];
} TypeParams;

#define S HC_SEARCH_STRING
#define T HC_SEARCH_TOKEN
#define D HC_SEARCH_DATE
#define R HC_SEARCH_REFERENCE

static const TypeParams type_params[] = {
  { "AllergyIntolerance", { "_id", "identifier", "patient", "date", "code" }, { T, T, R, D, T } },
  { "Appointment", { "_id", "identifier", "patient", "date", "status" }, { T, T, R, D, T } },
  { "Communication", { "_id", "identifier", "patient", "subject", "encounter", "status" },
    { T, T, R, R, R, T } },
  { "Composition", { "_id", "identifier", "patient", "subject", "encounter", "date", "status" },
    { T, T, R, R, R, D, T } },
  { "Condition", { "_id", "identifier", "patient", "subject", "encounter", "code" },
    { T, T, R, R, R, T } },
  { "Coverage", { "_id", "identifier", "patient", "status" }, { T, T, R, T } },
  { "DiagnosticReport", { "_id", "identifier", "patient", "subject", "encounter", "date", "status",
                          "code" }, { T, T, R, R, R, D, T, T } },
  { "Encounter", { "_id", "identifier", "patient", "subject", "date", "status" },
    { T, T, R, R, D, T } },
  { "MedicationRequest", { "_id", "identifier", "patient", "subject", "encounter", "status", "code" },
    { T, T, R, R, R, T, T } },
  { "Observation", { "_id", "identifier", "patient", "subject", "encounter", "date", "status",
                     "code" }, { T, T, R, R, R, D, T, T } },
  { "Organization", { "_id", "identifier", "name" }, { T, T, S } },
  { "Patient", { "_id", "identifier", "name", "family", "given", "birthdate" }, { T, T, S, S, S, D } },
  { "Practitioner", { "_id", "identifier", "name", "family", "given" }, { T, T, S, S, S } },
  { "Provenance", { "_id", "patient" }, { T, R } },
  { "ServiceRequest", { "_id", "identifier", "patient", "subject", "encounter", "status", "code" },
    { T, T, R, R, R, T, T } },
  { "Task", { "_id", "identifier", "patient", "subject", "encounter", "status", "code" },
    { T, T, R, R, R, T, T } },
};

#undef S
#undef T
#undef D
#undef R

static const TypeParams *
lookup_type (const char *type)
{
  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (type_params); i++)
    if (strcmp (type_params[i].type, type) == 0)
      return &type_params[i];
  return NULL;
}

const char * const *
hc_search_params_for_type (const char          *type,
                           const HcSearchType **types_out)
{
  const TypeParams *tp = lookup_type (type);

  if (types_out)
    *types_out = tp ? tp->types : NULL;
  return tp ? tp->params : NULL;
}

static int
param_index (const TypeParams *tp,
             const char       *name)
{
  for (int i = 0; tp->params[i]; i++)
    if (strcmp (tp->params[i], name) == 0)
      return i;
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Values */

char *
hc_search_fold (const char *text)
{
  return hc_fhir_fold (text);
}

/* Reads exactly @n digits. */
static gboolean
digits (const char **p,
        int          n,
        int         *out)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += n;
  *out = v;
  return TRUE;
}

static gint64
days_from_civil (int y,
                 int m,
                 int d)
{
  /* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date */
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int
days_in_month (int y,
               int m)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

  return m == 2 && leap ? 29 : days[m - 1];
}

gboolean
hc_search_parse_date (const char *text,
                      gint64     *lo,
                      gint64     *hi)
{
  const char *p = text;
  int y, mo = 1, d = 1, h = 0, mi = 0, s = 0;
  gint64 start, offset = 0;

  if (text == NULL || !digits (&p, 4, &y) || y < 1)
    return FALSE;
  if (*p == '\0')
    {
      *lo = days_from_civil (y, 1, 1) * 86400;
      *hi = days_from_civil (y + 1, 1, 1) * 86400;
      return TRUE;
    }
  if (*p++ != '-' || !digits (&p, 2, &mo) || mo < 1 || mo > 12)
    return FALSE;
  if (*p == '\0')
    {
      *lo = days_from_civil (y, mo, 1) * 86400;
      *hi = (mo == 12 ? days_from_civil (y + 1, 1, 1) : days_from_civil (y, mo + 1, 1)) * 86400;
      return TRUE;
    }
  if (*p++ != '-' || !digits (&p, 2, &d) || d < 1 || d > days_in_month (y, mo))
    return FALSE;
  start = days_from_civil (y, mo, d) * 86400;
  if (*p == '\0')
    {
      *lo = start;
      *hi = start + 86400;
      return TRUE;
    }
  /* a time: hh:mm or hh:mm:ss, optional fraction, optional zone (UTC when absent) */
  if (*p++ != 'T' || !digits (&p, 2, &h) || h > 23 || *p++ != ':' || !digits (&p, 2, &mi) ||
      mi > 59)
    return FALSE;
  if (*p == ':')
    {
      p++;
      if (!digits (&p, 2, &s) || s > 60)
        return FALSE;
      if (*p == '.')
        {
          p++;
          if (!g_ascii_isdigit (*p))
            return FALSE;
          while (g_ascii_isdigit (*p))
            p++;
        }
    }
  if (*p == 'Z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      int sign = *p++ == '-' ? -1 : 1, oh, om;

      if (!digits (&p, 2, &oh) || oh > 14 || *p++ != ':' || !digits (&p, 2, &om) || om > 59)
        return FALSE;
      offset = sign * (oh * 3600 + om * 60);
    }
  if (*p != '\0')
    return FALSE;
  *lo = start + h * 3600 + mi * 60 + MIN (s, 59) - offset;
  *hi = *lo + 1;
  return TRUE;
}

char *
hc_search_canonical_instant (const char *text)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) utc = NULL;
  gint64 lo, hi;

  /* a full dateTime with a zone: GDateTime reads the fraction too */
  if (text == NULL || !hc_search_parse_date (text, &lo, &hi) || strlen (text) < 20 ||
      (strchr (text + 10, 'Z') == NULL && strchr (text + 10, '+') == NULL &&
       strchr (text + 10, '-') == NULL) || strchr (text, ':') == strrchr (text, ':'))
    return NULL;
  when = g_date_time_new_from_iso8601 (text, NULL);
  if (when == NULL)
    return NULL;
  utc = g_date_time_to_utc (when);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* @value quoted for a one-line message: at most 40 characters, no control characters. */
static char *
quote (const char *value)
{
  GString *out = g_string_new ("'");
  guint n = 0;

  for (const char *p = value; *p && n < 40; n++)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_c (out, '?');
          p++;
          continue;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }
  if (strlen (value) > 0 && n == 40)
    g_string_append (out, "…");
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

static gboolean
invalid (GError    **error,
         const char *name,
         const char *value,
         const char *what)
{
  g_autofree char *q = quote (value);
  g_autofree char *n = quote (name);

  g_set_error (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID, "%.*s: %s %s",
               (int) strlen (n) - 2, n + 1, q, what);
  return FALSE;
}

/* Splits a parameter value at unescaped @sep, unescaping \, \| \$ \\ in the pieces when
 * @unescape. */
static GPtrArray *
split_escaped (const char *text,
               char        sep,
               gboolean    unescape)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (*p == '\\' && (p[1] == ',' || p[1] == '|' || p[1] == '$' || p[1] == '\\'))
        {
          if (!unescape)
            g_string_append_c (cur, *p);
          g_string_append_c (cur, *++p);
        }
      else if (*p == sep)
        {
          g_ptr_array_add (out, g_string_free (cur, FALSE));
          cur = g_string_new (NULL);
        }
      else
        g_string_append_c (cur, *p);
    }
  g_ptr_array_add (out, g_string_free (cur, FALSE));
  return out;
}

static void
value_free (gpointer data)
{
  HcSearchValue *v = data;

  g_free (v->value);
  g_free (v->system);
  g_free (v);
}

static void
criterion_free (gpointer data)
{
  HcSearchCriterion *c = data;

  g_free (c->name);
  g_ptr_array_unref (c->values);
  g_free (c);
}

void
hc_search_params_free (HcSearchParams *params)
{
  if (params == NULL)
    return;
  g_free (params->type);
  g_ptr_array_unref (params->criteria);
  g_strfreev (params->page_keys);
  g_free (params->since);
  g_ptr_array_unref (params->ignored);
  g_ptr_array_unref (params->used);
  g_free (params);
}

/* "Type/id", "id" or ".../Type/id" (an absolute URL, possibly with /_history/v): type and id. */
static gboolean
split_reference (const char  *text,
                 char       **type,
                 char       **id)
{
  g_auto(GStrv) parts = g_strsplit (text, "/", -1);
  guint n = g_strv_length (parts);

  *type = NULL;
  *id = NULL;
  if (n >= 4 && strcmp (parts[n - 2], "_history") == 0)
    n -= 2;
  if (n == 1 && hc_fhir_is_valid_id (parts[0]))
    {
      *id = g_strdup (parts[0]);
      return TRUE;
    }
  if (n >= 2 && hc_fhir_is_known_type (parts[n - 2]) && hc_fhir_is_valid_id (parts[n - 1]))
    {
      *type = g_strdup (parts[n - 2]);
      *id = g_strdup (parts[n - 1]);
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_value (const char         *name,
             HcSearchType        type,
             HcSearchMatch       match,
             const char         *ref_type,     /* a reference's required or modifier type */
             const char         *text,
             HcSearchValue      *v,
             GError            **error)
{
  switch (type)
    {
    case HC_SEARCH_STRING:
      {
        g_autoptr(GPtrArray) pieces = split_escaped (text, '\0', TRUE);
        v->value = match == HC_SEARCH_MATCH_EXACT ? g_strdup (pieces->pdata[0])
                                                  : hc_search_fold (pieces->pdata[0]);
        return TRUE;
      }
    case HC_SEARCH_TOKEN:
      {
        g_autoptr(GPtrArray) pieces = split_escaped (text, '|', TRUE);

        if (strcmp (name, "_id") == 0)
          {
            v->value = g_strdup (text);
            return TRUE;
          }
        if (pieces->len > 2)
          return invalid (error, name, text, "has more than one '|'");
        if (pieces->len == 1)
          v->value = g_strdup (pieces->pdata[0]);
        else
          {
            v->system = g_strdup (pieces->pdata[0]);
            v->value = *(char *) pieces->pdata[1] ? g_strdup (pieces->pdata[1]) : NULL;
            if (v->value == NULL && *v->system == '\0')
              return invalid (error, name, text, "names neither a system nor a code");
          }
        return TRUE;
      }
    case HC_SEARCH_REFERENCE:
      if (!split_reference (text, &v->system, &v->value))
        return invalid (error, name, text, "is not a reference (Type/id or id)");
      if (ref_type != NULL)
        {
          if (v->system != NULL && strcmp (v->system, ref_type) != 0)
            {
              g_autofree char *what = g_strdup_printf ("is not a reference to a %s", ref_type);
              return invalid (error, name, text, what);
            }
          g_free (v->system);
          v->system = g_strdup (ref_type);
        }
      return TRUE;
    case HC_SEARCH_DATE:
      {
        static const char * const prefixes[] = { "eq", "ne", "lt", "gt", "le", "ge" };
        const char *p = text;

        v->prefix = HC_SEARCH_EQ;
        if (g_ascii_isalpha (p[0]))
          {
            gboolean known = FALSE;

            for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
              if (strncmp (p, prefixes[i], 2) == 0)
                {
                  v->prefix = (HcSearchPrefix) i;
                  known = TRUE;
                }
            if (!known)
              return invalid (error, name, text, "has a prefix this server does not support "
                              "(eq, ne, lt, gt, le, ge)");
            p += 2;
          }
        if (!hc_search_parse_date (p, &v->lo, &v->hi))
          return invalid (error, name, text, "is not a date (YYYY, YYYY-MM, YYYY-MM-DD or a "
                          "dateTime)");
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

/* The type a reference parameter must point to. */
static const char *
reference_type (const char *name)
{
  if (strcmp (name, "patient") == 0)
    return "Patient";
  if (strcmp (name, "encounter") == 0)
    return "Encounter";
  return NULL;
}

static gboolean
add_sort (HcSearchParams  *params,
          const TypeParams *tp,
          const char      *text,
          GError         **error)
{
  g_auto(GStrv) keys = g_strsplit (text, ",", -1);

  params->n_sort = 0;
  for (guint i = 0; keys[i]; i++)
    {
      const char *k = keys[i];
      gboolean descending = k[0] == '-';
      HcSearchSortKey list[2];
      guint n = 1;

      if (descending)
        k++;
      if (strcmp (k, "_id") == 0)
        list[0] = HC_SEARCH_SORT_ID;
      else if (strcmp (k, "_lastUpdated") == 0)
        list[0] = HC_SEARCH_SORT_LAST_UPDATED;
      else if ((strcmp (k, "family") == 0 || strcmp (k, "given") == 0 || strcmp (k, "name") == 0) &&
               param_index (tp, k) >= 0)
        {
          list[0] = k[0] == 'g' ? HC_SEARCH_SORT_GIVEN : HC_SEARCH_SORT_FAMILY;
          if (k[0] == 'n' && param_index (tp, "family") >= 0)
            list[n++] = HC_SEARCH_SORT_GIVEN;
        }
      else if ((strcmp (k, "date") == 0 || strcmp (k, "birthdate") == 0) && param_index (tp, k) >= 0)
        list[0] = HC_SEARCH_SORT_DATE;
      else
        return invalid (error, "_sort", keys[i], "is not a sort order this server offers for "
                        "this type");
      for (guint j = 0; j < n; j++)
        {
          if (params->n_sort == HC_SEARCH_MAX_SORT)
            return invalid (error, "_sort", text, "has too many keys");
          params->sort[params->n_sort].key = list[j];
          params->sort[params->n_sort].descending = descending;
          params->n_sort++;
        }
    }
  return TRUE;
}

/* base64url without padding, both ways */
static char *
base64url_encode (const char *data,
                  gsize       len)
{
  char *text = g_base64_encode ((const guchar *) data, len);

  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  g_strdelimit (text, "=", '\0');
  return text;
}

static char *
base64url_decode (const char *text,
                  gsize      *len)
{
  gsize n = strlen (text);
  GString *b = g_string_sized_new (n + 4);

  for (gsize i = 0; i < n; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        {
          g_string_free (b, TRUE);
          return NULL;
        }
      g_string_append_c (b, c);
    }
  while (b->len % 4 != 0)
    g_string_append_c (b, '=');
  {
    guchar *out = g_base64_decode (b->str, len);
    g_string_free (b, TRUE);
    return (char *) out;
  }
}

char *
hc_search_page_token (const char * const *keys,
                      guint               n_keys,
                      gint64              row,
                      gboolean            before)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, before ? "p" : "n");
  json_builder_add_int_value (builder, row);
  for (guint i = 0; i < n_keys; i++)
    json_builder_add_string_value (builder, keys[i] ? keys[i] : "");
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  return base64url_encode (json, strlen (json));
}

static gboolean
read_page_token (HcSearchParams  *params,
                 const char      *token,
                 GError         **error)
{
  gsize len = 0;
  g_autofree char *json = base64url_decode (token, &len);
  g_autoptr(JsonNode) node = NULL;
  JsonArray *a;

  if (json == NULL || len == 0 || len > MAX_QUERY ||
      (node = hc_json_parse (json, len, NULL)) == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "_page", token, "is not a page of this search");
  a = json_node_get_array (node);
  if (json_array_get_length (a) != 2 + params->n_sort)
    return invalid (error, "_page", token, "is not a page of this search");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != (i == 1 ? G_TYPE_INT64 : G_TYPE_STRING))
        return invalid (error, "_page", token, "is not a page of this search");
    }
  if (g_strcmp0 (json_array_get_string_element (a, 0), "n") != 0 &&
      g_strcmp0 (json_array_get_string_element (a, 0), "p") != 0)
    return invalid (error, "_page", token, "is not a page of this search");
  params->has_page = TRUE;
  params->page_before = g_str_equal (json_array_get_string_element (a, 0), "p");
  params->page_row = json_array_get_int_element (a, 1);
  params->page_keys = g_new0 (char *, params->n_sort + 1);
  for (guint i = 0; i < params->n_sort; i++)
    {
      const char *k = json_array_get_string_element (a, 2 + i);

      /* the write order is a number; the others are text */
      if (params->sort[i].key == HC_SEARCH_SORT_LAST_UPDATED &&
          !g_ascii_string_to_signed (k, 10, 0, G_MAXINT64, NULL, NULL))
        return invalid (error, "_page", token, "is not a page of this search");
      params->page_keys[i] = g_strdup (k);
    }
  return TRUE;
}

/* Parameters FHIR defines for every search that this server accepts and ignores. */
static gboolean
is_harmless_result_param (const char *name)
{
  return strcmp (name, "_format") == 0 || strcmp (name, "_pretty") == 0;
}

static void
add_used (HcSearchParams *params,
          const char     *name,
          const char     *value)
{
  g_ptr_array_add (params->used, g_strdup (name));
  g_ptr_array_add (params->used, g_strdup (value));
}

HcSearchParams *
hc_search_params_parse (const char          *type,
                        const char          *query,
                        HcSearchParseFlags   flags,
                        GError             **error)
{
  gboolean strict = (flags & HC_SEARCH_PARSE_STRICT) != 0;
  gboolean allow_since = (flags & HC_SEARCH_PARSE_SINCE) != 0;
  gboolean criteria = (flags & HC_SEARCH_PARSE_NO_CRITERIA) == 0;
  g_autoptr(HcSearchParams) params = g_new0 (HcSearchParams, 1);
  const TypeParams *tp = lookup_type (type);
  g_autofree char *page = NULL;
  g_auto(GStrv) pieces = NULL;
  gboolean sorted = FALSE;

  params->type = g_strdup (type);
  params->criteria = g_ptr_array_new_with_free_func (criterion_free);
  params->ignored = g_ptr_array_new_with_free_func (g_free);
  params->used = g_ptr_array_new_with_free_func (g_free);
  params->count = HC_SEARCH_DEFAULT_COUNT;
  if (tp == NULL && criteria)
    {
      g_set_error (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID, "%s is not searchable",
                   type ? type : "(none)");
      return NULL;
    }
  if (query == NULL)
    query = "";
  if (strlen (query) > MAX_QUERY)
    {
      g_set_error_literal (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID,
                           "the query is longer than 64 KB");
      return NULL;
    }

  pieces = g_strsplit (query, "&", -1);
  for (guint piece = 0; pieces[piece] != NULL; piece++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *base = NULL;
      const char *modifier;
      int index;

      /* name=value, '+' a space, %-escapes; empty pieces ("a=1&&b=2") are nothing */
      if (*pieces[piece] == '\0')
        continue;
      g_strdelimit (pieces[piece], "+", ' ');
      {
        char *eq = strchr (pieces[piece], '=');
        if (eq != NULL)
          *eq = '\0';
        name = g_uri_unescape_string (pieces[piece], NULL);
        value = g_uri_unescape_string (eq ? eq + 1 : "", NULL);
      }
      if (name == NULL || value == NULL)
        {
          g_set_error_literal (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID,
                               "malformed query: a bad %-escape");
          return NULL;
        }
      if (!g_utf8_validate (name, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        {
          g_set_error_literal (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID,
                               "the query is not valid UTF-8");
          return NULL;
        }
      if (*name == '\0')
        continue;
      modifier = strchr (name, ':');
      base = modifier ? g_strndup (name, modifier - name) : g_strdup (name);
      if (modifier)
        modifier++;

      if (strcmp (name, "_count") == 0)
        {
          guint64 count;
          if (!g_ascii_string_to_unsigned (value, 10, 1, HC_SEARCH_MAX_COUNT, &count, NULL))
            {
              invalid (error, "_count", value, "is not a number from 1 to 1000");
              return NULL;
            }
          params->count = (guint) count;
          add_used (params, name, value);
          continue;
        }
      if (strcmp (name, "_sort") == 0 && criteria)
        {
          if (sorted || !add_sort (params, tp, value, error))
            {
              if (sorted)
                invalid (error, "_sort", value, "is given twice");
              return NULL;
            }
          sorted = TRUE;
          add_used (params, name, value);
          continue;
        }
      if (strcmp (name, "_page") == 0)
        {
          g_free (page);
          page = g_strdup (value);
          continue;
        }
      if (strcmp (name, "_since") == 0 && allow_since)
        {
          g_free (params->since);
          params->since = hc_search_canonical_instant (value);
          if (params->since == NULL)
            {
              invalid (error, "_since", value, "is not an instant (YYYY-MM-DDThh:mm:ssZ)");
              return NULL;
            }
          add_used (params, name, value);
          continue;
        }
      if (is_harmless_result_param (name))
        continue;

      index = criteria ? param_index (tp, base) : -1;
      if (index < 0)
        {
          if (strict)
            {
              g_autofree char *q = quote (name);
              g_set_error (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_UNKNOWN,
                           "%s is not a parameter this server takes here", q);
              return NULL;
            }
          g_ptr_array_add (params->ignored, g_strdup (name));
          continue;
        }

      {
        HcSearchType ptype = tp->types[index];
        HcSearchMatch match = HC_SEARCH_MATCH_DEFAULT;
        const char *ref_type = ptype == HC_SEARCH_REFERENCE ? reference_type (base) : NULL;
        g_autoptr(GPtrArray) texts = NULL;
        HcSearchCriterion *c;

        if (modifier != NULL)
          {
            if (ptype == HC_SEARCH_STRING && strcmp (modifier, "exact") == 0)
              match = HC_SEARCH_MATCH_EXACT;
            else if (ptype == HC_SEARCH_STRING && strcmp (modifier, "contains") == 0)
              match = HC_SEARCH_MATCH_CONTAINS;
            else if (ptype == HC_SEARCH_REFERENCE && hc_fhir_is_known_type (modifier) &&
                     (ref_type == NULL || strcmp (ref_type, modifier) == 0))
              ref_type = modifier;
            else
              {
                invalid (error, name, modifier, "is not a modifier this server supports here");
                return NULL;
              }
          }
        if (*value == '\0')
          continue;   /* FHIR: an empty value is no criterion */
        if (params->criteria->len >= MAX_CRITERIA)
          {
            g_set_error_literal (error, HC_SEARCH_ERROR, HC_SEARCH_ERROR_INVALID,
                                 "too many search parameters");
            return NULL;
          }

        texts = split_escaped (value, ',', FALSE);
        if (texts->len > MAX_VALUES)
          {
            invalid (error, name, value, "has too many values");
            return NULL;
          }
        c = g_new0 (HcSearchCriterion, 1);
        c->name = g_strdup (base);
        c->type = ptype;
        c->match = match;
        c->values = g_ptr_array_new_with_free_func (value_free);
        g_ptr_array_add (params->criteria, c);
        for (guint i = 0; i < texts->len; i++)
          {
            HcSearchValue *v = g_new0 (HcSearchValue, 1);

            g_ptr_array_add (c->values, v);
            if (!parse_value (base, ptype, match, ref_type, texts->pdata[i], v, error))
              return NULL;
          }
        add_used (params, name, value);
      }
    }
  if (page != NULL && !read_page_token (params, page, error))
    return NULL;
  return g_steal_pointer (&params);
}

char *
hc_search_params_to_query (const HcSearchParams *params)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i + 1 < params->used->len; i += 2)
    {
      g_autofree char *name = g_uri_escape_string (params->used->pdata[i], ":", FALSE);
      g_autofree char *value = g_uri_escape_string (params->used->pdata[i + 1], ",|:", FALSE);

      g_string_append_printf (out, "%s%s=%s", out->len ? "&" : "", name, value);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* The index of a resource */

static void
add_entry (HcSearchIndex *index,
           const char    *name,
           const char    *system,
           const char    *value,
           gint64         lo,
           gint64         hi)
{
  HcSearchEntry e = { name, g_strdup (system ? system : ""), g_strdup (value ? value : ""), lo, hi };

  g_array_append_val (index->entries, e);
}

static void
entry_clear (gpointer data)
{
  HcSearchEntry *e = data;

  g_free (e->system);
  g_free (e->value);
}

void
hc_search_index_free (HcSearchIndex *index)
{
  if (index == NULL)
    return;
  g_array_unref (index->entries);
  g_free (index->family);
  g_free (index->given);
  g_free (index->date);
  g_free (index->compartment);
  g_free (index);
}

/* The members of @object named @name: the elements of an array, or the one object. */
static GPtrArray *
objects_of (JsonObject *object,
            const char *name)
{
  GPtrArray *out = g_ptr_array_new ();
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL)
    return out;
  if (JSON_NODE_HOLDS_OBJECT (node))
    g_ptr_array_add (out, json_node_get_object (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (a, i)))
          g_ptr_array_add (out, json_array_get_object_element (a, i));
    }
  return out;
}

/* The strings of @object's member @name: one string, or each string of an array. */
static GPtrArray *
strings_of (JsonObject *object,
            const char *name)
{
  GPtrArray *out = g_ptr_array_new ();
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL)
    return out;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_ptr_array_add (out, (gpointer) json_node_get_string (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
            g_ptr_array_add (out, (gpointer) json_node_get_string (e));
        }
    }
  return out;
}

static void
add_string (HcSearchIndex *index,
            const char    *name,
            const char    *text)
{
  g_autofree char *folded = hc_search_fold (text);

  if (*folded != '\0')
    add_entry (index, name, text, folded, 0, 0);
}

static void
index_names (HcSearchIndex *index,
             JsonObject    *resource,
             gboolean       human)
{
  g_autoptr(GPtrArray) names = NULL;

  if (!human)
    {
      const char *name = hc_json_get_string (resource, "name");
      if (name)
        {
          add_string (index, "name", name);
          g_free (index->family);
          index->family = hc_search_fold (name);
        }
      return;
    }
  names = objects_of (resource, "name");
  for (guint i = 0; i < names->len; i++)
    {
      JsonObject *n = names->pdata[i];
      const char *family = hc_json_get_string (n, "family");
      g_autoptr(GPtrArray) given = strings_of (n, "given");
      g_autoptr(GPtrArray) prefix = strings_of (n, "prefix");
      g_autoptr(GPtrArray) suffix = strings_of (n, "suffix");
      const char *text = hc_json_get_string (n, "text");

      /* "name" searches find family and given entries too (see HcSearchCriterion): they
       * are not stored twice */
      if (family)
        add_string (index, "family", family);
      for (guint j = 0; j < given->len; j++)
        add_string (index, "given", given->pdata[j]);
      for (guint j = 0; j < prefix->len; j++)
        add_string (index, "name", prefix->pdata[j]);
      for (guint j = 0; j < suffix->len; j++)
        add_string (index, "name", suffix->pdata[j]);
      if (text)
        add_string (index, "name", text);
      if (i == 0)
        {
          g_autofree char *joined = NULL;

          g_free (index->family);
          index->family = hc_search_fold (family);
          g_ptr_array_add (given, NULL);
          joined = g_strjoinv (" ", (char **) given->pdata);
          g_free (index->given);
          index->given = hc_search_fold (joined);
        }
    }
}

static void
index_reference (HcSearchIndex *index,
                 const char    *name,
                 JsonObject    *reference)
{
  const char *text = hc_json_get_string (reference, "reference");
  g_autofree char *type = NULL;
  g_autofree char *id = NULL;

  if (text && split_reference (text, &type, &id) && type != NULL)
    add_entry (index, name, type, id, 0, 0);
}

static void
index_codings (HcSearchIndex *index,
               const char    *name,
               JsonObject    *concept)
{
  g_autoptr(GPtrArray) codings = objects_of (concept, "coding");

  for (guint i = 0; i < codings->len; i++)
    {
      const char *code = hc_json_get_string (codings->pdata[i], "code");
      if (code)
        add_entry (index, name, hc_json_get_string (codings->pdata[i], "system"), code, 0, 0);
    }
}

/* A "date" entry from @start to @end (either may be NULL: open); nothing when neither is a
 * date. */
static void
index_range (HcSearchIndex *index,
             const char    *start,
             const char    *end)
{
  gint64 lo = HC_SEARCH_DATE_MIN, hi = HC_SEARCH_DATE_MAX, unused;

  if ((start == NULL && end == NULL) ||
      (start != NULL && !hc_search_parse_date (start, &lo, &unused)) ||
      (end != NULL && !hc_search_parse_date (end, &unused, &hi)))
    return;
  add_entry (index, "date", NULL, NULL, lo, hi);
  if (*index->date == '\0')
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (lo);
      g_free (index->date);
      index->date = t ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
    }
}

/* A date element: a date/dateTime string or a Period. */
static void
index_date (HcSearchIndex *index,
            JsonObject    *resource,
            const char    *member)
{
  JsonNode *node = json_object_get_member (resource, member);

  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    index_range (index, json_node_get_string (node), json_node_get_string (node));
  else if (JSON_NODE_HOLDS_OBJECT (node))
    index_range (index, hc_json_get_string (json_node_get_object (node), "start"),
                 hc_json_get_string (json_node_get_object (node), "end"));
}

HcSearchIndex *
hc_search_index_resource (JsonObject *resource)
{
  HcSearchIndex *index = g_new0 (HcSearchIndex, 1);
  const char *type = hc_json_get_string (resource, "resourceType");
  const TypeParams *tp = lookup_type (type);
  g_autoptr(GPtrArray) identifiers = NULL;
  char *patient;

  index->entries = g_array_new (FALSE, FALSE, sizeof (HcSearchEntry));
  g_array_set_clear_func (index->entries, entry_clear);
  index->family = g_strdup ("");
  index->given = g_strdup ("");
  index->date = g_strdup ("");
  patient = hc_fhir_patient_reference (resource);
  if (patient != NULL && hc_fhir_is_valid_id (patient + strlen ("Patient/")))
    index->compartment = patient;
  else
    g_free (patient);
  if (tp == NULL)
    return index;

  if (param_index (tp, "identifier") >= 0)
    {
      identifiers = objects_of (resource, "identifier");
      for (guint i = 0; i < identifiers->len; i++)
        {
          const char *value = hc_json_get_string (identifiers->pdata[i], "value");
          if (value)
            add_entry (index, "identifier", hc_json_get_string (identifiers->pdata[i], "system"),
                       value, 0, 0);
        }
    }
  if (param_index (tp, "name") >= 0)
    index_names (index, resource, param_index (tp, "family") >= 0);
  /* patient: searched on the row's compartment column, no entry here */
  if (param_index (tp, "subject") >= 0)
    index_reference (index, "subject",
                     hc_json_get_object (resource, strcmp (type, "Task") == 0 ? "for" : "subject"));
  if (param_index (tp, "encounter") >= 0)
    index_reference (index, "encounter", hc_json_get_object (resource, "encounter"));
  if (param_index (tp, "status") >= 0 && hc_json_get_string (resource, "status") != NULL)
    add_entry (index, "status", NULL, hc_json_get_string (resource, "status"), 0, 0);
  if (param_index (tp, "code") >= 0)
    index_codings (index, "code",
                   hc_json_get_object (resource, strcmp (type, "MedicationRequest") == 0
                                                   ? "medicationCodeableConcept" : "code"));
  if (param_index (tp, "birthdate") >= 0)
    {
      index_date (index, resource, "birthDate");
      /* the entries are named after the parameter */
      for (guint i = 0; i < index->entries->len; i++)
        if (strcmp (g_array_index (index->entries, HcSearchEntry, i).name, "date") == 0)
          g_array_index (index->entries, HcSearchEntry, i).name = "birthdate";
    }
  if (param_index (tp, "date") >= 0)
    {
      if (strcmp (type, "Appointment") == 0)
        {
          /* start to end; an appointment without an end is just its start */
          const char *start = hc_json_get_string (resource, "start");
          const char *end = hc_json_get_string (resource, "end");
          if (start != NULL)
            index_range (index, start, end ? end : start);
        }
      else
        {
          static const char * const members[] = {
            "effectiveDateTime", "effectivePeriod", "effectiveInstant", "period", "date",
            "recordedDate", NULL
          };
          for (guint i = 0; members[i]; i++)
            index_date (index, resource, members[i]);
        }
    }
  return index;
}
