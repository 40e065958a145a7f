/* hc-clinical-data.c: where the replaceable clinical data files are found
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hc-clinical-data.h"

#include <gio/gio.h>

char *
hc_clinical_data_find (const char *file_name)
{
  const char *dirs[4] = { NULL };
  guint n = 0;

  g_return_val_if_fail (file_name != NULL, NULL);

  dirs[n++] = g_getenv ("HOUSECALL_CLINICAL_DIR");
  dirs[n++] = "/etc/housecall/clinical";
  dirs[n++] = PKGDATADIR "/clinical";
  dirs[n++] = SOURCE_CLINICAL_DIR;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL || dirs[i][0] == '\0')
        continue;
      path = g_build_filename (dirs[i], file_name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

JsonNode *
hc_clinical_data_load (const char  *file_name,
                       GError     **error)
{
  g_autofree char *path = hc_clinical_data_find (file_name);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "clinical data file %s is missing (looked in $HOUSECALL_CLINICAL_DIR, "
                   "/etc/housecall/clinical and %s/clinical)", file_name, PKGDATADIR);
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_mapped_file (parser, path, &parse_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "clinical data file %s is not valid JSON: %s", path, parse_error->message);
      return NULL;
    }
  return json_parser_steal_root (parser);
}
