/* hc-widget-util.c: small pieces every view needs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hc-widget-util.h"

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
