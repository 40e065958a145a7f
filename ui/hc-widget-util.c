/* hc-widget-util.c: small pieces every view needs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hc-widget-util.h"

static void
toast_dismissed_cb (AdwToast        *toast,
                    AdwToastOverlay *overlay)
{
  if (g_object_get_data (G_OBJECT (overlay), "hc-toast") == toast)
    g_object_set_data (G_OBJECT (overlay), "hc-toast", NULL);
}

void
hc_toast_show (AdwToastOverlay *overlay,
               const char      *text,
               guint            timeout)
{
  AdwToast *toast;

  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));

  toast = g_object_get_data (G_OBJECT (overlay), "hc-toast");
  if (toast != NULL)
    {
      adw_toast_set_title (toast, text);
      return;
    }
  toast = adw_toast_new (text);
  if (timeout > 0)
    adw_toast_set_timeout (toast, timeout);
  g_object_set_data (G_OBJECT (overlay), "hc-toast", toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), overlay, 0);
  adw_toast_overlay_add_toast (overlay, toast);
}

void
hc_widget_remove_children (GtkWidget *parent)
{
  GtkWidget *child;

  g_return_if_fail (GTK_IS_WIDGET (parent));

  if (GTK_IS_LIST_BOX (parent))
    {
      GtkListBoxRow *row;

      /* rows only: the list's placeholder is a child too, and removing it unsets it for good */
      while ((row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (parent), 0)) != NULL)
        gtk_list_box_remove (GTK_LIST_BOX (parent), GTK_WIDGET (row));
      return;
    }
  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_BOX (parent))
        gtk_box_remove (GTK_BOX (parent), child);
      else if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
      else
        gtk_widget_unparent (child);
    }
}
