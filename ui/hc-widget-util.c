/* hc-widget-util.c: small pieces every view needs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "hc-store.h"
#include "hc-widget-util.h"

/* A toast to show (text set) or the one on screen to dismiss (text NULL). */
typedef struct
{
  char     *text;
  guint     timeout;
  char     *button_label;
  char     *action_name;
} ToastSpec;

static void
toast_spec_set (ToastSpec  *spec,
                const char *text,
                guint       timeout,
                const char *button_label,
                const char *action_name)
{
  g_free (spec->text);
  g_free (spec->button_label);
  g_free (spec->action_name);
  spec->text = g_strdup (text);
  spec->timeout = timeout;
  spec->button_label = g_strdup (button_label);
  spec->action_name = g_strdup (action_name);
}

static void
toast_dismissed_cb (AdwToast        *toast,
                    AdwToastOverlay *overlay)
{
  if (g_object_get_data (G_OBJECT (overlay), "hc-toast") == toast)
    g_object_set_data (G_OBJECT (overlay), "hc-toast", NULL);
}

static void
add_toast (AdwToastOverlay *overlay,
           ToastSpec       *spec)
{
  AdwToast *toast = adw_toast_new (spec->text);

  if (spec->timeout > 0)
    adw_toast_set_timeout (toast, spec->timeout);
  if (spec->button_label != NULL)
    {
      adw_toast_set_button_label (toast, spec->button_label);
      adw_toast_set_action_name (toast, spec->action_name);
    }
  g_object_set_data (G_OBJECT (overlay), "hc-toast", toast);
  g_object_set_data_full (G_OBJECT (overlay), "hc-toast-shown-at",
                          g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)),
                          g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), overlay, 0);
  adw_toast_overlay_add_toast (overlay, toast);
}

/* libadwaita 1.2's toast show animation (300 ms), and a margin */
#define SHOWN_MS 400

typedef struct
{
  GWeakRef  overlay;
  ToastSpec spec;
} NextToast;

static void
next_toast_free (gpointer data)
{
  NextToast *next = data;

  g_weak_ref_clear (&next->overlay);
  toast_spec_set (&next->spec, NULL, 0, NULL, NULL);
  g_free (next);
}

static gboolean
show_next_cb (gpointer data)
{
  NextToast *next = data;
  g_autoptr(AdwToastOverlay) overlay = g_weak_ref_get (&next->overlay);

  if (overlay != NULL)
    {
      AdwToast *current = g_object_get_data (G_OBJECT (overlay), "hc-toast");

      g_object_set_data (G_OBJECT (overlay), "hc-toast-next", NULL);
      if (current != NULL)
        adw_toast_dismiss (current);
      if (next->spec.text != NULL)
        add_toast (overlay, &next->spec);
    }
  return G_SOURCE_REMOVE;
}

/* Shows @spec (or, with no text, dismisses the toast on screen): at once if nothing is on
 * screen, else once that has finished appearing; the latest request wins. */
static void
toast_request (AdwToastOverlay *overlay,
               ToastSpec       *spec)
{
  AdwToast *current = g_object_get_data (G_OBJECT (overlay), "hc-toast");
  NextToast *next = g_object_get_data (G_OBJECT (overlay), "hc-toast-next");

  if (current == NULL && next == NULL)
    {
      if (spec->text != NULL)
        add_toast (overlay, spec);
      return;
    }
  /* the one on screen is replaced once it has finished appearing: libadwaita 1.2 can crash
   * in the toast's animations when one is dismissed while it still slides in */
  if (next != NULL)
    {
      toast_spec_set (&next->spec, spec->text, spec->timeout, spec->button_label,
                      spec->action_name);
      return;
    }
  next = g_new0 (NextToast, 1);
  g_weak_ref_init (&next->overlay, overlay);
  toast_spec_set (&next->spec, spec->text, spec->timeout, spec->button_label, spec->action_name);
  g_object_set_data (G_OBJECT (overlay), "hc-toast-next", next);
  {
    gint64 *shown_at = g_object_get_data (G_OBJECT (overlay), "hc-toast-shown-at");
    gint64 age_ms = shown_at ? (g_get_monotonic_time () - *shown_at) / 1000 : G_MAXINT;

    g_timeout_add_full (G_PRIORITY_DEFAULT, age_ms >= SHOWN_MS ? 0 : (guint) (SHOWN_MS - age_ms),
                        show_next_cb, next, next_toast_free);
  }
}

void
hc_toast_show_action (AdwToastOverlay *overlay,
                      const char      *text,
                      guint            timeout,
                      const char      *button_label,
                      const char      *action_name)
{
  ToastSpec spec = { (char *) text, timeout, (char *) button_label, (char *) action_name };

  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));
  g_return_if_fail (text != NULL);
  g_return_if_fail ((button_label == NULL) == (action_name == NULL));

  toast_request (overlay, &spec);
}

void
hc_toast_show (AdwToastOverlay *overlay,
               const char      *text,
               guint            timeout)
{
  hc_toast_show_action (overlay, text, timeout, NULL, NULL);
}

void
hc_toast_dismiss (AdwToastOverlay *overlay)
{
  ToastSpec spec = { NULL, 0, NULL, NULL };

  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));

  toast_request (overlay, &spec);
}

const char *
hc_store_error_text (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_CONFLICT))
    return _("this record waits in the conflict inbox. Settle the conflict first "
             "(Shift+Ctrl+C), then make the change again.");
  if (g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED))
    return _("the chart store is locked. Unlock it and try again.");
  return error->message;
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
