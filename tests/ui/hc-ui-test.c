/* hc-ui-test.c: helpers for the GUI test programs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "hc-test-utils.h"
#include "hc-ui-test.h"

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
hc_ui_test_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
hc_ui_test_wait (HcUiTestDone  done,
                 gpointer      data,
                 const char   *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (HC_UI_TEST_TIMEOUT_SECONDS, flag_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not happen within %d s", what, HC_UI_TEST_TIMEOUT_SECONDS);
  g_source_remove (id);
}

void
hc_ui_test_wait_serial (HcUiTestSerial  get,
                        gpointer        object,
                        guint           serial,
                        const char     *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (HC_UI_TEST_TIMEOUT_SECONDS, flag_cb, &timed_out);

  while (get (object) <= serial && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not finish within %d s", what, HC_UI_TEST_TIMEOUT_SECONDS);
  g_source_remove (id);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
hc_ui_test_wait_finalized (gpointer object)
{
  g_object_add_weak_pointer (object, &object);
  g_object_unref (object);
  hc_ui_test_wait (is_null, &object, "finalizing an object (a leaked reference?)");
}

/* Compares pointers only: @data may be gone. */
static gboolean
is_not_toplevel (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if ((gpointer) window == data)
        return FALSE;
    }
  return TRUE;
}

void
hc_ui_test_wait_destroyed (GtkWindow *window)
{
  hc_ui_test_wait (is_not_toplevel, window, "closing a window");
}

GtkWindow *
hc_ui_test_find_window (GType type)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

static gboolean
is_drawn (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

void
hc_ui_test_screenshot (GtkWindow  *window,
                       const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  gboolean settled = FALSE;
  int width, height;

  hc_ui_test_wait (is_drawn, widget, "drawing the window");
  /* let transitions and the first frames finish */
  g_timeout_add (400, flag_cb, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                          "screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

JsonObject *
hc_ui_test_put (HcStore    *store,
                const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = hc_test_object (json);
  JsonObject *stored = hc_store_put_sync (store, object, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stored);
  return stored;
}

guint
hc_ui_test_outbox_length (HcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) outbox = hc_store_list_outbox_sync (store, NULL, &error);

  g_assert_no_error (error);
  return json_array_get_length (outbox);
}

void
hc_ui_test_remove_dir (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}
