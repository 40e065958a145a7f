/* replay.c: runs a fuzz harness over corpus files, for the normal test run
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-replay-NAME PATH…, where each PATH is a corpus directory or a file, absolute or
 * relative to the current directory or to G_TEST_SRCDIR. Prints TAP, one "ok" per file; a
 * property violation aborts, so the test fails on the file named in the last "# " line.
 */

#define G_LOG_DOMAIN "fuzz-replay"

#include "config.h"

#include "hc-fuzz.h"

static char *
resolve (const char *path)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");

  if (g_path_is_absolute (path) || g_file_test (path, G_FILE_TEST_EXISTS) || srcdir == NULL)
    return g_strdup (path);
  return g_build_filename (srcdir, path, NULL);
}

static gboolean
collect (const char  *path,
         GPtrArray   *files,
         GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such corpus", path);
          return FALSE;
        }
      g_ptr_array_add (files, g_strdup (path));
      return TRUE;
    }
  if ((dir = g_dir_open (path, 0, error)) == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      if (name[0] != '.' && g_file_test (file, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&file));
    }
  return TRUE;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  LLVMFuzzerInitialize (&argc, &argv);

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS-DIR-OR-FILE…\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *path = resolve (argv[i]);

      if (!collect (path, files, &error))
        {
          printf ("Bail out! %s\n", error->message);
          return 1;
        }
    }
  if (files->len == 0)
    {
      printf ("Bail out! no corpus files in the given paths\n");
      return 1;
    }
  g_ptr_array_sort (files, compare_paths);

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);
      g_autofree char *basename = g_path_get_basename (file);
      g_autofree char *contents = NULL;
      uint8_t *copy;
      gsize length;

      if (!g_file_get_contents (file, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, file, error->message);
          g_clear_error (&error);
          continue;
        }
      /* named first: if the harness aborts, the log says on which input */
      printf ("# %s (%" G_GSIZE_FORMAT " bytes)\n", file, length);
      fflush (stdout);
      /* exactly @length bytes on the heap, as libFuzzer passes them, so that ASan sees a read
       * past the end (g_file_get_contents() adds a NUL) */
      copy = malloc (length);
      if (copy == NULL && length > 0)
        g_error ("out of memory");
      memcpy (copy, contents, length);
      LLVMFuzzerTestOneInput (copy, length);
      free (copy);
      printf ("ok %u - %s\n", i + 1, basename);
      fflush (stdout);
    }
  return 0;
}
