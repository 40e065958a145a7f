/* hc-test-ui.c: what the GUI test programs share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-test-ui"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hc-sync-engine.h"
#include "hc-test-ui.h"

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* HC_TEST_UI_TIMEOUT_SECONDS times $HC_TEST_TIMEOUT_SCALE, read once. */
static double
timeout_seconds (void)
{
  static double seconds;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      const char *text = g_getenv ("HC_TEST_TIMEOUT_SCALE");
      double scale = 1;

      if (text != NULL && *text != '\0')
        {
          char *end = NULL;

          scale = g_ascii_strtod (text, &end);
          if (*end != '\0' || !(scale > 0 && scale < 1000))
            g_error ("HC_TEST_TIMEOUT_SCALE=%s is not a factor between 0 and 1000", text);
        }
      seconds = HC_TEST_UI_TIMEOUT_SECONDS * scale;
      g_once_init_leave (&once, 1);
    }
  return seconds;
}

/* A source that sets *@timed_out after the timeout. */
static guint
add_timeout (gboolean *timed_out)
{
  return g_timeout_add ((guint) (timeout_seconds () * 1000), timeout_cb, timed_out);
}

void
hc_test_ui_wait_until (gpointer           data,
                       HcTestUiPredicate  done,
                       const char        *what)
{
  gboolean timed_out = FALSE;
  guint id = add_timeout (&timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not happen within %g s", what, timeout_seconds ());
  g_source_remove (id);
}

void
hc_test_ui_wait_serial (HcTestUiSerial  get,
                        gpointer        object,
                        guint           serial,
                        const char     *what)
{
  gboolean timed_out = FALSE;
  guint id = add_timeout (&timed_out);

  while (get (object) <= serial && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not finish within %g s", what, timeout_seconds ());
  g_source_remove (id);
}

void
hc_test_ui_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
hc_test_ui_settle (guint ms)
{
  gboolean settled = FALSE;

  g_timeout_add (ms, timeout_cb, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
hc_test_ui_wait_finalized (gpointer object)
{
  g_object_add_weak_pointer (object, &object);
  g_object_unref (object);
  hc_test_ui_wait_until (&object, is_null, "finalizing an object (a leaked reference?)");
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
hc_test_ui_wait_destroyed (GtkWindow *window)
{
  hc_test_ui_wait_until (window, is_not_toplevel, "closing a window");
}

GtkWindow *
hc_test_ui_find_window (GType type)
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
hc_test_ui_save_screenshot (GtkWidget  *widget,
                            const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (widget));
  gint64 deadline;
  int width = 0, height = 0;

  hc_test_ui_wait_until (window, is_drawn, "drawing the window");
  paintable = gtk_widget_paintable_new (window);
  /* let transitions and the first frames finish; on a loaded machine or under sanitizers the
   * first frame of a new layout can take a while: try until there is something to render */
  hc_test_ui_settle (400);
  deadline = g_get_monotonic_time () + (gint64) (timeout_seconds () * G_USEC_PER_SEC);
  for (;;)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL || g_get_monotonic_time () > deadline)
        break;
      hc_test_ui_settle (100);
    }
  if (node == NULL)
    g_error ("the window %s had nothing to render within %g s", name, timeout_seconds ());
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                          "screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%dx%d)", path, width, height);
}

void
hc_test_ui_put (HcStore    *store,
                const char *json)
{
  g_autoptr(JsonObject) resource = hc_test_object (json);
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GError) error = NULL;

  stored = hc_store_put_sync (store, resource, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
}

guint
hc_test_ui_outbox_length (HcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) outbox = hc_store_list_outbox_sync (store, NULL, &error);

  g_assert_no_error (error);
  return json_array_get_length (outbox);
}

gboolean
hc_test_ui_server_setup (HcTestServer *server,
                         const char   *name)
{
  memset (server, 0, sizeof *server);
  if (g_getenv ("HOUSECALL_SERVER") == NULL)
    return FALSE;
  server->workdir = hc_test_tmpdir (name);
  hc_test_server_cli (server->workdir,
                      (const char * const []) { "dev-cert", "--out", "certs", NULL }, NULL);
  hc_test_server_cli (server->workdir,
                      (const char * const []) { "init-db", "--db", "server.db", NULL }, NULL);
  hc_test_server_cli (server->workdir,
                      (const char * const []) { "user", "add", "alice", "--role", "physician",
                                                "--db", "server.db", NULL },
                      HC_TEST_UI_PASSWORD);
  hc_test_server_start (server, 0);
  return TRUE;
}

void
hc_test_ui_log_in (HcStore      *store,
                   HcTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hc_sync_login_sync (store, server->url, "alice", HC_TEST_UI_PASSWORD,
                                     server->ca_file, NULL, &error));
  g_assert_no_error (error);
}

void
hc_test_ui_sync_once (HcStore *store)
{
  g_autoptr(HcSyncEngine) engine = hc_sync_engine_new (store);
  g_autoptr(GError) error = NULL;
  HcSyncStats stats;

  gboolean ok = hc_sync_engine_sync_sync (engine, &stats, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

void
hc_test_ui_remove_dir (const char *dir)
{
  const char *rm[] = { "rm", "-rf", dir, NULL };
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
}

void
hc_test_ui_save_screenshots (GtkWidget  *widget,
                             const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  AdwColorScheme scheme = adw_style_manager_get_color_scheme (style);
  g_autofree char *light = g_strconcat (name, "-light", NULL);
  g_autofree char *dark = g_strconcat (name, "-dark", NULL);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  hc_test_ui_save_screenshot (widget, light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  hc_test_ui_save_screenshot (widget, dark);
  adw_style_manager_set_color_scheme (style, scheme);
}
