/* hc-accessible.c: accessible names that GTK 4.8 gets wrong, put right in one place
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 names a button with a text label twice over: gtk_button_set_label() sets the
 * button's accessible label property to the label as written, mnemonic underscore and all,
 * and also labels the button by its GtkLabel child, and the AT-SPI name joins both. A screen
 * reader hears "_Sign Sign". The child label alone is the right name (what the button shows,
 * without the underscore), so the label property is dropped from every such button: when its
 * window is realized, when a button added later is realized (which covers buttons from
 * templates, code and libadwaita's own dialogs alike), and again whenever its label changes.
 */

#define G_LOG_DOMAIN "hc-accessible"

#include "config.h"

#include "hc-accessible.h"

static GQuark fixed_quark;

static void
button_label_cb (GtkButton *button)
{
  if (gtk_button_get_label (button) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
fix_button (GtkButton *button)
{
  if (g_object_get_qdata (G_OBJECT (button), fixed_quark) != NULL)
    return;
  g_object_set_qdata (G_OBJECT (button), fixed_quark, GINT_TO_POINTER (TRUE));
  /* gtk_button_set_label() sets the property before it notifies */
  g_signal_connect (button, "notify::label", G_CALLBACK (button_label_cb), NULL);
  button_label_cb (button);
}

static void
fix_tree (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    fix_button (GTK_BUTTON (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    fix_tree (child);
}

static gboolean
realize_hook (GSignalInvocationHint *hint,
              guint                  n_params,
              const GValue          *params,
              gpointer               user_data)
{
  GObject *object = g_value_get_object (&params[0]);

  /* A window fixes all its buttons at once, those on pages not shown yet too (GTK 4.8 keeps
   * them in the accessibility tree, unrealized); a button added later is fixed when it is
   * realized. */
  if (GTK_IS_ROOT (object))
    fix_tree (GTK_WIDGET (object));
  else if (GTK_IS_BUTTON (object))
    fix_button (GTK_BUTTON (object));
  return G_SOURCE_CONTINUE;
}

/**
 * hc_accessible_init:
 *
 * Puts the accessible names right for every widget created from now on. Call once, before
 * the first window; calling again does nothing.
 */
void
hc_accessible_init (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      /* the class creates its signals */
      GTypeClass *widget_class = g_type_class_ref (GTK_TYPE_WIDGET);

      fixed_quark = g_quark_from_static_string ("hc-accessible-fixed");
      g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0,
                                  realize_hook, NULL, NULL);
      g_type_class_unref (widget_class);
      g_once_init_leave (&once, 1);
    }
}
