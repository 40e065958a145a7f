/* hc-ui-test.h: helpers for the GUI test programs
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-store.h"

G_BEGIN_DECLS

#define HC_UI_TEST_TIMEOUT_SECONDS 10

typedef gboolean (*HcUiTestDone) (gpointer data);
typedef guint    (*HcUiTestSerial) (gpointer object);

/* Runs what is pending in the main context. */
void        hc_ui_test_drain          (void);
/* Iterates the main context until @done (@data) says so; fails the test after the timeout. */
void        hc_ui_test_wait           (HcUiTestDone    done,
                                       gpointer        data,
                                       const char     *what);
/* The same until @get (@object) is greater than @serial. */
void        hc_ui_test_wait_serial    (HcUiTestSerial  get,
                                       gpointer        object,
                                       guint           serial,
                                       const char     *what);
/* Drops the test's reference and waits until callbacks in flight let go of theirs too. */
void        hc_ui_test_wait_finalized (gpointer        object);
/* Waits until @window is closed (destroyed; a reference may keep the object). */
void        hc_ui_test_wait_destroyed (GtkWindow      *window);
/* The open toplevel of @type, or NULL. */
GtkWindow  *hc_ui_test_find_window    (GType           type);
/* Renders @window into $G_TEST_BUILDDIR/screenshots/@name.png, to look at. */
void        hc_ui_test_screenshot     (GtkWindow      *window,
                                       const char     *name);
/* Stores a resource the test knows is valid; returns the stored copy. */
JsonObject *hc_ui_test_put            (HcStore        *store,
                                       const char     *json);
/* How many changesets wait in @store's outbox. */
guint       hc_ui_test_outbox_length  (HcStore        *store);
/* Removes a directory the test made, with the files in it. */
void        hc_ui_test_remove_dir     (const char     *dir);

G_END_DECLS
