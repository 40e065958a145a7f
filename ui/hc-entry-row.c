/* hc-entry-row.c: a titled text field in a boxed list that screen readers can follow
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stands in for AdwEntryRow and AdwPasswordEntryRow. With GTK 4.8 and libadwaita 1.2 their
 * text widget (a GtkText, which has no accessible role of its own) takes the keyboard focus,
 * and nothing passes that focus on to the row: over AT-SPI the field never reports FOCUSED
 * and a screen reader does not follow the typing into it. GtkEntry and GtkPasswordEntry do
 * pass it on, so this row is an AdwActionRow whose suffix is one of them. The row's title
 * names the entry (AdwActionRow labels its activatable widget with the title, and describes
 * it with the subtitle); the row itself takes no focus, so Tab goes straight to the entry.
 * The row is a GtkEditable that delegates to the entry: gtk_editable_get_text(),
 * gtk_editable_set_text() and ::changed work on the row as they did on AdwEntryRow.
 */

#define G_LOG_DOMAIN "hc-entry-row"

#include "config.h"

#include "hc-entry-row.h"

struct _HcEntryRow
{
  AdwActionRow parent_instance;

  /* owned by the row's widget tree */
  GtkWidget   *entry;

  gboolean     password;
  GtkInputPurpose input_purpose;
};

static void hc_entry_row_editable_init (GtkEditableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HcEntryRow, hc_entry_row, ADW_TYPE_ACTION_ROW,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_EDITABLE,
                                                      hc_entry_row_editable_init))

enum {
  PROP_0,
  PROP_PASSWORD,
  PROP_INPUT_PURPOSE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ENTRY_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
entry_activate_cb (HcEntryRow *self)
{
  g_signal_emit (self, signals[ENTRY_ACTIVATED], 0);
}

static GtkEditable *
hc_entry_row_get_delegate (GtkEditable *editable)
{
  return GTK_EDITABLE (HC_ENTRY_ROW (editable)->entry);
}

static void
hc_entry_row_editable_init (GtkEditableInterface *iface)
{
  iface->get_delegate = hc_entry_row_get_delegate;
}

static gboolean
hc_entry_row_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (HC_ENTRY_ROW (widget)->entry);
}

static gboolean
hc_entry_row_focus (GtkWidget        *widget,
                    GtkDirectionType  direction)
{
  /* the children (the entry, then any other suffix), never the row itself */
  GtkWidget *focus_child = gtk_widget_get_focus_child (widget);

  if (focus_child != NULL && gtk_widget_child_focus (focus_child, direction))
    return TRUE;
  if (focus_child != NULL)
    return FALSE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_child_focus (child, direction))
      return TRUE;
  return FALSE;
}

/* The row's title and subtitle take the same width in every entry row, so that the entries of
 * a form start in one column rather than wherever each title happens to end; a longer title
 * wraps. AdwActionRow 1.2 does not expose its labels: they are found by their style class. */
#define TITLE_CHARS 22

static void
set_title_width (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && (gtk_widget_has_css_class (child, "title") ||
                                   gtk_widget_has_css_class (child, "subtitle")))
        {
          gtk_label_set_width_chars (GTK_LABEL (child), TITLE_CHARS);
          gtk_label_set_max_width_chars (GTK_LABEL (child), TITLE_CHARS);
          gtk_widget_set_hexpand (child, FALSE);
          /* the titles' box keeps that width: the entry takes the rest */
          gtk_widget_set_hexpand (widget, FALSE);
        }
      else if (!GTK_IS_EDITABLE (child))
        set_title_width (child);
    }
}

static void
hc_entry_row_constructed (GObject *object)
{
  HcEntryRow  *self = HC_ENTRY_ROW (object);

  G_OBJECT_CLASS (hc_entry_row_parent_class)->constructed (object);

  if (self->password)
    {
      self->entry = gtk_password_entry_new ();
      gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (self->entry), TRUE);
    }
  else
    {
      self->entry = gtk_entry_new ();
      gtk_entry_set_input_purpose (GTK_ENTRY (self->entry), self->input_purpose);
    }
  gtk_widget_set_hexpand (self->entry, TRUE);
  gtk_widget_set_valign (self->entry, GTK_ALIGN_CENTER);
  g_signal_connect_object (self->entry, "activate", G_CALLBACK (entry_activate_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->entry);
  /* labels the entry with the row's title (and describes it with the subtitle), and a
   * click anywhere on the row puts the cursor in it */
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), self->entry);
  gtk_editable_init_delegate (GTK_EDITABLE (self));
  set_title_width (GTK_WIDGET (self));
}

static void
hc_entry_row_dispose (GObject *object)
{
  HcEntryRow  *self = HC_ENTRY_ROW (object);

  if (self->entry != NULL)
    gtk_editable_finish_delegate (GTK_EDITABLE (self));
  self->entry = NULL;

  G_OBJECT_CLASS (hc_entry_row_parent_class)->dispose (object);
}

static void
hc_entry_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HcEntryRow  *self = HC_ENTRY_ROW (object);

  if (gtk_editable_delegate_get_property (object, prop_id, value, pspec))
    return;

  switch (prop_id)
    {
    case PROP_PASSWORD:
      g_value_set_boolean (value, self->password);
      break;
    case PROP_INPUT_PURPOSE:
      g_value_set_enum (value, self->input_purpose);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_entry_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  HcEntryRow  *self = HC_ENTRY_ROW (object);

  if (gtk_editable_delegate_set_property (object, prop_id, value, pspec))
    return;

  switch (prop_id)
    {
    case PROP_PASSWORD:
      self->password = g_value_get_boolean (value);
      break;
    case PROP_INPUT_PURPOSE:
      if (self->input_purpose != (GtkInputPurpose) g_value_get_enum (value))
        {
          self->input_purpose = g_value_get_enum (value);
          if (self->entry != NULL && GTK_IS_ENTRY (self->entry))
            gtk_entry_set_input_purpose (GTK_ENTRY (self->entry), self->input_purpose);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_entry_row_class_init (HcEntryRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hc_entry_row_constructed;
  object_class->dispose = hc_entry_row_dispose;
  object_class->get_property = hc_entry_row_get_property;
  object_class->set_property = hc_entry_row_set_property;
  widget_class->grab_focus = hc_entry_row_grab_focus;
  widget_class->focus = hc_entry_row_focus;

  /**
   * HcEntryRow:password:
   *
   * Whether the entry hides what is typed (a GtkPasswordEntry with a peek icon).
   */
  properties[PROP_PASSWORD] =
    g_param_spec_boolean ("password", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * HcEntryRow:input-purpose:
   *
   * The entry's input purpose, for on-screen keyboards (ignored for a password).
   */
  properties[PROP_INPUT_PURPOSE] =
    g_param_spec_enum ("input-purpose", NULL, NULL, GTK_TYPE_INPUT_PURPOSE,
                       GTK_INPUT_PURPOSE_FREE_FORM,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_editable_install_properties (object_class, N_PROPS);

  /**
   * HcEntryRow::entry-activated:
   *
   * Enter was pressed in the entry.
   */
  signals[ENTRY_ACTIVATED] =
    g_signal_new ("entry-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hc_entry_row_init (HcEntryRow *self)
{
  self->input_purpose = GTK_INPUT_PURPOSE_FREE_FORM;
  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);
}

/**
 * hc_entry_row_new:
 *
 * Returns: (transfer floating): a row with a title and a text entry
 */
GtkWidget *
hc_entry_row_new (void)
{
  return g_object_new (HC_TYPE_ENTRY_ROW, NULL);
}

/**
 * hc_entry_row_new_password:
 *
 * Returns: (transfer floating): a row with a title and a password entry
 */
GtkWidget *
hc_entry_row_new_password (void)
{
  return g_object_new (HC_TYPE_ENTRY_ROW, "password", TRUE, NULL);
}

/**
 * hc_entry_row_get_editable:
 * @self: a #HcEntryRow
 *
 * Returns: (transfer none): the entry itself (a GtkEntry or GtkPasswordEntry), for
 *   accessible relations that belong on the focused widget
 */
GtkEditable *
hc_entry_row_get_editable (HcEntryRow *self)
{
  g_return_val_if_fail (HC_IS_ENTRY_ROW (self), NULL);

  return GTK_EDITABLE (self->entry);
}
