/* hc-request.c: reading request headers
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-request"

#include "config.h"

#include <string.h>

#include "hc-request.h"

gint64
hc_request_parse_etag (const char *value)
{
  const char *p = value;
  gboolean quoted;
  char *end = NULL;
  gint64 v;

  if (value == NULL)
    return 0;
  if (g_str_has_prefix (p, "W/"))
    p += 2;
  quoted = *p == '"';
  if (quoted)
    p++;
  if (!g_ascii_isdigit (*p))
    return -1;
  v = g_ascii_strtoll (p, &end, 10);
  if (v <= 0 || (quoted ? strcmp (end, "\"") != 0 : *end != '\0'))
    return -1;
  return v;
}

/* The non-empty elements of a comma-separated header, each stripped, with its parameters
 * after ';'. */
static char **
header_elements (const char *value)
{
  g_auto(GStrv) items = g_strsplit (value, ",", 64);
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();

  for (guint i = 0; items[i]; i++)
    if (*g_strstrip (items[i]) != '\0')
      g_strv_builder_add (out, items[i]);
  return g_strv_builder_end (out);
}

gboolean
hc_request_prefers_strict (const char *value)
{
  g_auto(GStrv) items = NULL;
  gboolean strict = FALSE;

  if (value == NULL)
    return FALSE;
  items = header_elements (value);
  for (guint i = 0; items[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ";", 2);
      g_strstrip (parts[0]);
      if (g_ascii_strcasecmp (parts[0], "handling=strict") == 0 ||
          g_ascii_strcasecmp (parts[0], "handling=\"strict\"") == 0)
        strict = TRUE;
      else if (g_ascii_strncasecmp (parts[0], "handling=", 9) == 0)
        strict = FALSE;
    }
  return strict;
}

gboolean
hc_request_accepts_gzip (const char *value)
{
  g_auto(GStrv) items = NULL;
  gboolean gzip = FALSE, star = FALSE, gzip_listed = FALSE;

  if (value == NULL)
    return FALSE;
  items = header_elements (value);
  for (guint i = 0; items[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ";", -1);
      gboolean zero = FALSE;

      g_strstrip (parts[0]);
      for (guint j = 1; parts[j]; j++)
        {
          char *p = g_strstrip (parts[j]);
          if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
            zero = g_ascii_strtod (p + 2, NULL) <= 0.0;
        }
      if (g_ascii_strcasecmp (parts[0], "gzip") == 0 || g_ascii_strcasecmp (parts[0], "x-gzip") == 0)
        {
          gzip_listed = TRUE;
          gzip = !zero;
        }
      else if (strcmp (parts[0], "*") == 0)
        star = !zero;
    }
  return gzip_listed ? gzip : star;
}

char *
hc_request_bearer_token (const char *value)
{
  const char *p;

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  p = value + 7;
  while (*p == ' ')
    p++;
  if (*p == '\0')
    return NULL;
  for (const char *q = p; *q; q++)
    if (*q <= ' ' || *q == 0x7f)
      return NULL;
  return g_strdup (p);
}
