/* hc-application.c: the Housecall GUI application
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-application"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-accessible.h"
#include "hc-application.h"
#include "hc-store.h"
#include "hc-window.h"

struct _HcApplication
{
  AdwApplication  parent_instance;

  /* owned */
  char           *store_dir;
  GCancellable   *cancellable;
  gboolean        opening;
};

G_DEFINE_FINAL_TYPE (HcApplication, hc_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "store", 's', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open the chart store in DIR (default: $HOUSECALL_STORE, else the user data folder)"),
    N_("DIR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

static void
show_open_error (HcApplication *self,
                 const GError  *error)
{
  HcWindow *window;

  /* a wrong passphrase in the environment: ask for the right one */
  if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_WRONG_PASSPHRASE))
    window = hc_window_new_locked (GTK_APPLICATION (self), self->store_dir);
  else
    {
      window = hc_window_new (GTK_APPLICATION (self), NULL);
      hc_window_show_open_error (window, self->store_dir, error);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
open_store_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HcApplication) self = user_data;
  g_autoptr(HcStore) store = NULL;
  g_autoptr(GError) error = NULL;

  self->opening = FALSE;
  g_application_release (G_APPLICATION (self));

  store = hc_store_open_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (store == NULL)
    {
      g_debug ("Opening the store failed: %s %d", g_quark_to_string (error->domain), error->code);
      show_open_error (self, error);
      return;
    }

  gtk_window_present (GTK_WINDOW (hc_window_new (GTK_APPLICATION (self), store)));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Housecall Authors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Housecall"),
                        "application-icon", APP_ID,
                        "developer-name", "The Housecall Authors",
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Patient charts for practices and home visits"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* close rather than quit, so each window saves its state and cancels its work */
  while (windows != NULL)
    {
      GList *next = windows->next;

      gtk_window_close (GTK_WINDOW (windows->data));
      windows = next;
    }
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_action },
  { .name = "quit", .activate = quit_action },
};

static int
hc_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  HcApplication *self = HC_APPLICATION (application);
  const char *dir = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("housecall %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "store", "^&ay", &dir) && dir != NULL && *dir != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (dir);

      g_free (self->store_dir);
      self->store_dir = g_file_get_path (file);
    }

  return -1;
}

static void
hc_application_startup (GApplication *application)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *close_accels[] = { "<Control>w", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (hc_application_parent_class)->startup (application);
  hc_accessible_init ();

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                    G_N_ELEMENTS (app_actions), application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "window.close",
                                         close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "win.preferences",
                                         preferences_accels);
}

static void
hc_application_activate (GApplication *application)
{
  HcApplication *self = HC_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *passphrase;

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }
  if (self->opening)
    return;

  if (self->store_dir == NULL)
    self->store_dir = hc_store_default_dir ();

  /* Without HOUSECALL_PASSPHRASE (scripts/demo.sh sets it) the window asks for the
   * passphrase and opens the store itself. */
  passphrase = g_getenv ("HOUSECALL_PASSPHRASE");
  if (passphrase == NULL || *passphrase == '\0')
    {
      gtk_window_present (GTK_WINDOW (hc_window_new_locked (GTK_APPLICATION (self),
                                                            self->store_dir)));
      return;
    }

  /* keep running while the store opens: there is no window yet */
  self->opening = TRUE;
  g_application_hold (application);
  hc_store_open_async (self->store_dir, HC_STORE_OPEN_NONE, passphrase,
                       self->cancellable, open_store_cb, g_object_ref (self));
}

static void
hc_application_shutdown (GApplication *application)
{
  HcApplication *self = HC_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);

  G_APPLICATION_CLASS (hc_application_parent_class)->shutdown (application);
}

static void
hc_application_finalize (GObject *object)
{
  HcApplication *self = HC_APPLICATION (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->store_dir, g_free);

  G_OBJECT_CLASS (hc_application_parent_class)->finalize (object);
}

static void
hc_application_class_init (HcApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = hc_application_finalize;

  app_class->handle_local_options = hc_application_handle_local_options;
  app_class->startup = hc_application_startup;
  app_class->activate = hc_application_activate;
  app_class->shutdown = hc_application_shutdown;
}

static void
hc_application_init (HcApplication *self)
{
  self->cancellable = g_cancellable_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Housecall, the practice and home-visit "
                                              "health record."));
}

HcApplication *
hc_application_new (void)
{
  return g_object_new (HC_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/housecall/Housecall",
                       NULL);
}
