/* hc-setup-page.h: the first run: log this computer's store in to the practice server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_SETUP_PAGE (hc_setup_page_get_type ())

G_DECLARE_FINAL_TYPE (HcSetupPage, hc_setup_page, HC, SETUP_PAGE, AdwBin)

/* Signals: logged-in (after a successful login), skipped (Work Offline). */
void         hc_setup_page_set_store    (HcSetupPage *self,
                                         HcStore     *store);
/* Fills in the server and user the store had, for logging in again. */
void         hc_setup_page_prefill      (HcSetupPage *self,
                                         const char  *url,
                                         const char  *user);
/* Empties the password and the error (when the page is left or the store locks). */
void         hc_setup_page_clear        (HcSetupPage *self);

/* for tests */
GtkEditable *_hc_setup_page_get_url      (HcSetupPage *self);
GtkEditable *_hc_setup_page_get_user     (HcSetupPage *self);
GtkEditable *_hc_setup_page_get_password (HcSetupPage *self);
/* What the file chooser would set. */
void         _hc_setup_page_set_ca_file  (HcSetupPage *self,
                                          const char  *path);
/* The error shown, or NULL. */
const char  *_hc_setup_page_get_error    (HcSetupPage *self);
/* How many login attempts have finished. */
guint        _hc_setup_page_get_serial   (HcSetupPage *self);

G_END_DECLS
