/* hc-preferences-window.c: auto-lock, style and the practice server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences live in GSettings (never patient data, addresses or tokens: the schema says
 * so); the server and user shown here come from the encrypted store.
 */

#define G_LOG_DOMAIN "hc-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-account.h"
#include "hc-preferences-window.h"

struct _HcPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  GtkSpinButton        *auto_lock_spin;
  AdwComboRow          *style_row;
  AdwActionRow         *server_row;
  AdwActionRow         *user_row;
  GtkSpinButton        *interval_spin;
  GtkWidget            *sign_out_button;

  /* owned */
  GSettings            *settings;
  HcStore              *store;
  GCancellable         *cancellable;
  guint                 serial;

  /* borrowed */
  GtkWidget            *confirmation;    /* weak */
};

G_DEFINE_FINAL_TYPE (HcPreferencesWindow, hc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  SIGN_OUT,
  CONNECT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* the style row's positions */
static const char * const schemes[] = { "default", "light", "dark" };

static void
apply_style_cb (GSettings  *settings,
                const char *key,
                gpointer    user_data)
{
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
  AdwColorScheme color = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (scheme, "light"))
    color = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (scheme, "dark"))
    color = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), color);
}

static void
style_selected_cb (HcPreferencesWindow *self,
                   GParamSpec          *pspec,
                   AdwComboRow         *row)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->settings != NULL && selected < G_N_ELEMENTS (schemes))
    g_settings_set_string (self->settings, "color-scheme", schemes[selected]);
}

static void
account_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HcPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HcAccount) a = hc_account_load_finish (HC_STORE (source), result, &error);

  if (a == NULL)
    return;
  self->serial++;
  adw_action_row_set_subtitle (self->server_row, a->url ? a->url : _("Not connected"));
  adw_action_row_set_subtitle (self->user_row, a->user ? a->user : "");
  gtk_widget_set_visible (GTK_WIDGET (self->user_row), a->user != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sign-out", a->signed_in);
  gtk_widget_set_visible (self->sign_out_button, a->signed_in);
}

static void
load_account (HcPreferencesWindow *self)
{
  if (self->store == NULL || hc_store_is_locked (self->store))
    {
      adw_action_row_set_subtitle (self->server_row, _("Not connected"));
      gtk_widget_set_visible (GTK_WIDGET (self->user_row), FALSE);
      return;
    }
  hc_account_load_async (self->store, self->cancellable, account_cb, g_object_ref (self));
}

static void
confirm_cb (AdwMessageDialog    *dialog,
            const char          *response,
            HcPreferencesWindow *self)
{
  if (!g_str_equal (response, "sign-out"))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sign-out", FALSE);
  g_signal_emit (self, signals[SIGN_OUT], 0);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HcPreferencesWindow *self = HC_PREFERENCES_WINDOW (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sign Out of the Practice Server?"),
                                   _("Syncing stops until you log in again. The charts stay on "
                                     "this computer, and changes not yet sent are sent after "
                                     "the next login."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_cb), self, 0);
  g_set_weak_pointer (&self->confirmation, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  g_signal_emit (widget, signals[CONNECT], 0);
}

/* AdwPreferencesWindow keeps its own search entry in the accessibility tree even with search
 * off, without a name: a screen reader would find an unnamed text field. */
static gboolean
name_search_entry (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Search preferences"), -1);
      return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (name_search_entry (child))
      return TRUE;
  return FALSE;
}

static void
hc_preferences_window_dispose (GObject *object)
{
  HcPreferencesWindow *self = HC_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->confirmation);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hc_preferences_window_parent_class)->dispose (object);
}

static void
hc_preferences_window_finalize (GObject *object)
{
  HcPreferencesWindow *self = HC_PREFERENCES_WINDOW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hc_preferences_window_parent_class)->finalize (object);
}

static void
hc_preferences_window_class_init (HcPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_preferences_window_dispose;
  object_class->finalize = hc_preferences_window_finalize;

  /**
   * HcPreferencesWindow::sign-out:
   *
   * The user confirmed signing out of the practice server.
   */
  signals[SIGN_OUT] = g_signal_new ("sign-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HcPreferencesWindow::connect:
   *
   * The user wants to log in (again, or to another server).
   */
  signals[CONNECT] = g_signal_new ("connect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, auto_lock_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, HcPreferencesWindow, sign_out_button);

  gtk_widget_class_install_action (widget_class, "preferences.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "preferences.connect", NULL, connect_action);
}

static void
hc_preferences_window_init (HcPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  name_search_entry (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sign-out", FALSE);
}

/**
 * hc_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @settings: (nullable): the app's settings; without them the settings rows are insensitive
 * @store: (nullable): the open store, for the server and user
 *
 * Returns: (transfer full): a new preferences window
 */
HcPreferencesWindow *
hc_preferences_window_new (GtkWindow *parent,
                           GSettings *settings,
                           HcStore   *store)
{
  HcPreferencesWindow *self;
  g_autofree char *scheme = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (store == NULL || HC_IS_STORE (store), NULL);

  self = g_object_new (HC_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  g_set_object (&self->store, store);
  if (g_set_object (&self->settings, settings))
    {
      g_settings_bind (settings, "auto-lock-minutes", self->auto_lock_spin, "value",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "sync-interval-minutes", self->interval_spin, "value",
                       G_SETTINGS_BIND_DEFAULT);
      scheme = g_settings_get_string (settings, "color-scheme");
      for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
        if (g_str_equal (scheme, schemes[i]))
          adw_combo_row_set_selected (self->style_row, i);
    }
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->auto_lock_spin), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->interval_spin), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->style_row), FALSE);
    }
  g_signal_connect_object (self->style_row, "notify::selected", G_CALLBACK (style_selected_cb),
                           self, G_CONNECT_SWAPPED);
  load_account (self);
  return self;
}

void
hc_style_follow_settings (GSettings *settings)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_signal_connect (settings, "changed::color-scheme", G_CALLBACK (apply_style_cb), NULL);
  apply_style_cb (settings, "color-scheme", NULL);
}

AdwComboRow *
_hc_preferences_window_get_style_row (HcPreferencesWindow *self)
{
  return self->style_row;
}

GtkSpinButton *
_hc_preferences_window_get_auto_lock (HcPreferencesWindow *self)
{
  return self->auto_lock_spin;
}

GtkSpinButton *
_hc_preferences_window_get_interval (HcPreferencesWindow *self)
{
  return self->interval_spin;
}

const char *
_hc_preferences_window_get_server (HcPreferencesWindow *self)
{
  return adw_action_row_get_subtitle (self->server_row);
}

guint
_hc_preferences_window_get_serial (HcPreferencesWindow *self)
{
  return self->serial;
}

GtkWidget *
_hc_preferences_window_get_confirmation (HcPreferencesWindow *self)
{
  return self->confirmation;
}
