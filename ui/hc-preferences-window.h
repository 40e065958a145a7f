/* hc-preferences-window.h: auto-lock, style and the practice server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_PREFERENCES_WINDOW (hc_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (HcPreferencesWindow, hc_preferences_window, HC, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* Signals: sign-out (confirmed), connect (Connect to Server). @settings and @store may be
 * NULL (no schema installed; no store open). */
HcPreferencesWindow *hc_preferences_window_new (GtkWindow *parent,
                                                GSettings *settings,
                                                HcStore   *store);
/* Applies the color-scheme setting to the application's style now and whenever it changes. */
void                 hc_style_follow_settings  (GSettings *settings);

/* for tests */
AdwComboRow         *_hc_preferences_window_get_style_row     (HcPreferencesWindow *self);
GtkSpinButton       *_hc_preferences_window_get_auto_lock     (HcPreferencesWindow *self);
GtkSpinButton       *_hc_preferences_window_get_interval      (HcPreferencesWindow *self);
/* The server row's subtitle, once loaded. */
const char          *_hc_preferences_window_get_server        (HcPreferencesWindow *self);
/* How many loads of the server and user have finished. */
guint                _hc_preferences_window_get_serial        (HcPreferencesWindow *self);
/* The sign-out confirmation, while open. */
GtkWidget           *_hc_preferences_window_get_confirmation  (HcPreferencesWindow *self);

G_END_DECLS
