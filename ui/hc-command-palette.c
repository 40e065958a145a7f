/* hc-command-palette.c: find a patient or run an action by typing (Ctrl+K)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-palette"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-command-palette.h"
#include "hc-format.h"

struct _HcCommandPalette
{
  AdwWindow       parent_instance;

  /* template widgets */
  GtkSearchEntry *entry;
  GtkListBox     *list;

  /* owned */
  HcWindow       *window;
  GCancellable   *cancellable;
  guint           serial;
};

G_DEFINE_FINAL_TYPE (HcCommandPalette, hc_command_palette, ADW_TYPE_WINDOW)

typedef struct
{
  const char *label;
  const char *keywords;     /* more words it is found by, untranslated and translated */
  const char *action;
  const char *accel;        /* how the shortcuts window writes it, or NULL */
  const char *icon;
} PaletteAction;

static const PaletteAction actions[] = {
  { N_("New Patient"), N_("register add create"), "win.new-patient", "<Control>n", "list-add-symbolic" },
  { N_("Edit Patient"), N_("registration insurance demographics change"), "win.edit-patient", "<Control>e", "document-edit-symbolic" },
  { N_("Today’s Schedule"), N_("appointments calendar day week month"), "win.show-schedule", "<Control>t", "x-office-calendar-symbolic" },
  { N_("Book Appointment"), N_("schedule appointment visit"), "win.book-appointment", NULL, "appointment-new-symbolic" },
  { N_("Search Patients"), N_("find list"), "patients.search", "<Control>f", "system-search-symbolic" },
  { N_("Sync Now"), N_("synchronize server send fetch"), "sync.now", "<Control>r", "emblem-synchronizing-symbolic" },
  { N_("Conflicts"), N_("sync inbox review"), "conflicts.show", "<Shift><Control>c", "dialog-warning-symbolic" },
  { N_("Lock"), N_("screen away passphrase"), "store.lock", "<Control>l", "system-lock-screen-symbolic" },
  { N_("Preferences"), N_("settings options"), "win.preferences", "<Control>comma", "preferences-system-symbolic" },
  { N_("Preferences"), N_("settings options"), "app.preferences", "<Control>comma", "preferences-system-symbolic" },
  { N_("Keyboard Shortcuts"), N_("keys help"), "win.show-help-overlay", "<Control>question", "input-keyboard-symbolic" },
  { N_("About Housecall"), N_("version"), "app.about", NULL, "help-about-symbolic" },
  { N_("Quit"), N_("exit close"), "app.quit", "<Control>q", "application-exit-symbolic" },
};

/* Whether @self->window offers @detailed now. */
static gboolean
action_available (HcCommandPalette *self,
                  const char       *detailed)
{
  GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS (self->window);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self->window));
  GType owner;
  const char *action_name;
  const GVariantType *parameter_type;
  const char *property;

  if (g_str_has_prefix (detailed, "win."))
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->window), detailed + 4);
      return action != NULL && g_action_get_enabled (action);
    }
  if (g_str_has_prefix (detailed, "app."))
    {
      GAction *action = app ? g_action_map_lookup_action (G_ACTION_MAP (app), detailed + 4) : NULL;
      return action != NULL && g_action_get_enabled (action);
    }
  /* GTK 4.8 writes every out argument: none may be NULL */
  for (guint i = 0;
       gtk_widget_class_query_action (klass, i, &owner, &action_name, &parameter_type, &property);
       i++)
    if (g_str_equal (action_name, detailed))
      return TRUE;
  return FALSE;
}

static char *
fold (const char *text)
{
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);

  return g_utf8_casefold (normalized, -1);
}

/* Every word of @query is part of the action's words. */
static gboolean
action_matches (const PaletteAction *action,
                const char          *query)
{
  g_autofree char *words = g_strdup_printf ("%s %s %s %s", _(action->label), action->label,
                                            _(action->keywords), action->keywords);
  g_autofree char *haystack = fold (words);
  g_autofree char *needle = fold (query);
  g_auto(GStrv) parts = g_strsplit_set (needle, " \t", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0' && strstr (haystack, parts[i]) == NULL)
      return FALSE;
  return TRUE;
}

static GtkWidget *
new_row (const char *icon,
         const char *title,
         const char *subtitle,
         const char *accel)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title_label = gtk_label_new (title);
  g_autofree char *a11y = subtitle ? g_strdup_printf ("%s, %s", title, subtitle) : g_strdup (title);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon));
  gtk_label_set_xalign (GTK_LABEL (title_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title_label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (texts), title_label);
  if (subtitle != NULL)
    {
      GtkWidget *sub = gtk_label_new (subtitle);

      gtk_label_set_xalign (GTK_LABEL (sub), 0);
      gtk_label_set_ellipsize (GTK_LABEL (sub), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (sub, "dim-label");
      gtk_widget_add_css_class (sub, "caption");
      gtk_box_append (GTK_BOX (texts), sub);
    }
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (box), texts);
  if (accel != NULL)
    {
      GtkWidget *shortcut = gtk_shortcut_label_new (accel);

      gtk_widget_set_valign (shortcut, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (shortcut, "dim-label");
      gtk_box_append (GTK_BOX (box), shortcut);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "hc-title", g_strdup (title), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return row;
}

static void
fill (HcCommandPalette *self,
      GListModel       *patients)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  GHashTable *shown = g_hash_table_new (g_str_hash, g_str_equal);
  GtkListBoxRow *first;

  hc_widget_remove_children (GTK_WIDGET (self->list));

  for (guint i = 0; patients != NULL && i < g_list_model_get_n_items (patients); i++)
    {
      g_autoptr(HcPatient) patient = g_list_model_get_item (patients, i);
      g_autofree char *birth = hc_format_birth_line (hc_patient_get_birth_date (patient),
                                                     hc_patient_get_gender (patient), NULL);
      const char *mrn = hc_patient_get_mrn (patient);
      g_autofree char *subtitle = mrn ? g_strdup_printf ("%s · %s", birth ? birth : "", mrn)
                                      : g_strdup (birth);
      GtkWidget *row = new_row ("avatar-default-symbolic", hc_patient_get_display_name (patient),
                                subtitle, NULL);

      g_object_set_data_full (G_OBJECT (row), "hc-patient", g_object_ref (patient), g_object_unref);
      gtk_list_box_append (self->list, row);
    }

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GtkWidget *row;

      /* one Preferences, whichever of the two actions exists */
      if (g_hash_table_contains (shown, actions[i].label) ||
          !action_matches (&actions[i], query) || !action_available (self, actions[i].action))
        continue;
      g_hash_table_add (shown, (gpointer) actions[i].label);
      row = new_row (actions[i].icon, _(actions[i].label), NULL, actions[i].accel);
      g_object_set_data (G_OBJECT (row), "hc-action", (gpointer) actions[i].action);
      gtk_list_box_append (self->list, row);
    }
  g_hash_table_unref (shown);

  first = gtk_list_box_get_row_at_index (self->list, 0);
  if (first != NULL)
    gtk_list_box_select_row (self->list, first);
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcCommandPalette) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) model = hc_store_search_patients_finish (HC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  fill (self, model);
}

static void
search_changed_cb (HcCommandPalette *self,
                   GtkSearchEntry   *entry)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (entry));
  HcStore *store = hc_window_get_store (self->window);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (*query == '\0' || store == NULL || hc_store_is_locked (store))
    {
      self->serial++;
      fill (self, NULL);
      return;
    }
  self->cancellable = g_cancellable_new ();
  hc_store_search_patients_async (store, query, 8, self->cancellable, search_cb,
                                  g_object_ref (self));
}

static void
run_row (HcCommandPalette *self,
         GtkListBoxRow    *row)
{
  g_autoptr(HcWindow) window = g_object_ref (self->window);
  HcPatient *patient = g_object_get_data (G_OBJECT (row), "hc-patient");
  const char *action = g_object_get_data (G_OBJECT (row), "hc-action");
  g_autoptr(HcPatient) keep = patient ? g_object_ref (patient) : NULL;

  /* close first: the action may open a dialog of its own */
  gtk_window_destroy (GTK_WINDOW (self));
  if (keep != NULL)
    hc_window_open_patient (window, keep);
  else if (action != NULL)
    gtk_widget_activate_action_variant (GTK_WIDGET (window), action, NULL);
}

static void
row_activated_cb (HcCommandPalette *self,
                  GtkListBoxRow    *row,
                  GtkListBox       *list)
{
  run_row (self, row);
}

static void
entry_activate_cb (HcCommandPalette *self,
                   GtkSearchEntry   *entry)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  if (row != NULL)
    run_row (self, row);
}

static void
stop_search_cb (HcCommandPalette *self,
                GtkSearchEntry   *entry)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Up and Down move the selection while the focus stays in the entry. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                HcCommandPalette      *self)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->list);
  int index = selected ? gtk_list_box_row_get_index (selected) : -1;
  GtkListBoxRow *next;

  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    index++;
  else if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    index = MAX (index - 1, 0);
  else
    return GDK_EVENT_PROPAGATE;
  next = gtk_list_box_get_row_at_index (self->list, index);
  if (next != NULL)
    {
      gtk_list_box_select_row (self->list, next);
      gtk_widget_grab_focus (GTK_WIDGET (self->entry));
    }
  return GDK_EVENT_STOP;
}

static void
hc_command_palette_dispose (GObject *object)
{
  HcCommandPalette *self = HC_COMMAND_PALETTE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_COMMAND_PALETTE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->window);

  G_OBJECT_CLASS (hc_command_palette_parent_class)->dispose (object);
}

static void
hc_command_palette_class_init (HcCommandPaletteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_command_palette_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-command-palette.ui");
  gtk_widget_class_bind_template_child (widget_class, HcCommandPalette, entry);
  gtk_widget_class_bind_template_child (widget_class, HcCommandPalette, list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hc_command_palette_init (HcCommandPalette *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);
}

HcCommandPalette *
hc_command_palette_new (HcWindow *window)
{
  HcCommandPalette *self;

  g_return_val_if_fail (HC_IS_WINDOW (window), NULL);

  self = g_object_new (HC_TYPE_COMMAND_PALETTE,
                       "transient-for", window,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->window = g_object_ref (window);
  fill (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  return self;
}

GtkEditable *
_hc_command_palette_get_entry (HcCommandPalette *self)
{
  return GTK_EDITABLE (self->entry);
}

guint
_hc_command_palette_get_serial (HcCommandPalette *self)
{
  return self->serial;
}

char *
_hc_command_palette_describe (HcCommandPalette *self)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->list);
  GString *s = g_string_new (NULL);

  for (int i = 0; ; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, i);

      if (row == NULL)
        break;
      g_string_append_printf (s, "%s%s\n", row == selected ? "> " : "",
                              (const char *) g_object_get_data (G_OBJECT (row), "hc-title"));
    }
  return g_string_free (s, FALSE);
}
