/* hc-format.c: how patient facts read on screen
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-format"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-format.h"

static gboolean
parse_full_date (const char *text,
                 int        *year,
                 int        *month,
                 int        *day)
{
  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  *year = (int) g_ascii_strtoll (text, NULL, 10);
  *month = (int) g_ascii_strtoll (text + 5, NULL, 10);
  *day = (int) g_ascii_strtoll (text + 8, NULL, 10);
  return g_date_valid_dmy (*day, *month, *year);
}

/**
 * hc_format_age:
 * @birth_date: a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) or %NULL
 * @now: (nullable): the current local time, for tests
 *
 * The age the way a chart shows it: days for the first month, months until two years,
 * then years. Partial or future dates have no age.
 *
 * Returns: (transfer full) (nullable): the age, or %NULL
 */
char *
hc_format_age (const char *birth_date,
               GDateTime  *now)
{
  g_autoptr(GDateTime) local = NULL;
  int year, month, day, ny, nm, nd, months, years;

  if (!parse_full_date (birth_date, &year, &month, &day))
    return NULL;
  if (now == NULL)
    now = local = g_date_time_new_now_local ();
  g_date_time_get_ymd (now, &ny, &nm, &nd);

  months = (ny - year) * 12 + (nm - month) - (nd < day ? 1 : 0);
  if (months < 0)
    return NULL;
  if (months < 1)
    {
      GDate birth, today;
      int days;

      g_date_set_dmy (&birth, day, month, year);
      g_date_set_dmy (&today, nd, nm, ny);
      days = g_date_days_between (&birth, &today);
      /* Translators: an age; the chart shows days for newborns */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", days), days);
    }
  if (months < 24)
    /* Translators: an age; the chart shows months for infants */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d month", "%d months", months),
                            months);
  years = months / 12;
  /* Translators: an age */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d year", "%d years", years), years);
}

/**
 * hc_format_sex:
 * @gender: (nullable): a FHIR administrative gender code
 *
 * Returns: (nullable): the translated label, or %NULL when there is no value
 */
const char *
hc_format_sex (const char *gender)
{
  if (gender == NULL || *gender == '\0')
    return NULL;
  if (g_str_equal (gender, "female"))
    return C_("administrative gender", "Female");
  if (g_str_equal (gender, "male"))
    return C_("administrative gender", "Male");
  if (g_str_equal (gender, "other"))
    return C_("administrative gender", "Other");
  return C_("administrative gender", "Unknown");
}

/**
 * hc_format_birth_line:
 *
 * "1954-03-12 · 70 years · Female", leaving out what is unknown.
 *
 * Returns: (transfer full): the line, possibly empty
 */
char *
hc_format_birth_line (const char *birth_date,
                      const char *gender,
                      GDateTime  *now)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *sex = hc_format_sex (gender);
  char *age = hc_format_age (birth_date, now);

  if (birth_date != NULL && *birth_date != '\0')
    g_ptr_array_add (parts, g_strdup (birth_date));
  if (age != NULL)
    g_ptr_array_add (parts, age);
  if (sex != NULL)
    g_ptr_array_add (parts, g_strdup (sex));
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **) parts->pdata);
}
