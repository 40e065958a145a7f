/* hc-test-ui.h: what the GUI test programs share (waiting, windows, screenshots, a store, a
 * server)
 *
 * Every wait here fails the test after HC_TEST_UI_TIMEOUT_SECONDS times the factor in the
 * environment variable HC_TEST_TIMEOUT_SCALE (a decimal number, 1 when unset; read once), so
 * that the tests can run under valgrind or a slow sanitizer: HC_TEST_TIMEOUT_SCALE=20.
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-store.h"
#include "hc-test-utils.h"

G_BEGIN_DECLS

#define HC_TEST_UI_TIMEOUT_SECONDS 10
/* alice's password on the test server */
#define HC_TEST_UI_PASSWORD "correct horse battery staple"

typedef gboolean (*HcTestUiPredicate) (gpointer data);
typedef guint    (*HcTestUiSerial)    (gpointer object);

/* Iterates the main context until @done (@data) says so; fails the test after the timeout. */
void     hc_test_ui_wait_until        (gpointer           data,
                                       HcTestUiPredicate  done,
                                       const char        *what);
/* The same until @get (@object) is greater than @serial. */
void     hc_test_ui_wait_serial       (HcTestUiSerial     get,
                                       gpointer           object,
                                       guint              serial,
                                       const char        *what);
/* Runs what is ready in the main context. */
void     hc_test_ui_drain             (void);
/* Iterates the main context for @ms milliseconds (not scaled: a pause, not a wait). */
void     hc_test_ui_settle            (guint              ms);
/* Drops the caller's reference and waits until callbacks in flight let go of theirs. */
void     hc_test_ui_wait_finalized    (gpointer           object);
/* Waits until @window is closed (destroyed; a reference may keep the object). */
void     hc_test_ui_wait_destroyed    (GtkWindow         *window);
/* The open toplevel of @type, or NULL. */
GtkWindow *hc_test_ui_find_window     (GType              type);
/* Renders @widget's window as it looks now into $G_TEST_BUILDDIR/screenshots/@name.png; waits
 * until the window is drawn and has something to render. */
void     hc_test_ui_save_screenshot   (GtkWidget         *widget,
                                       const char        *name);
/* The same in the light and the dark style: @name-light.png and @name-dark.png. */
void     hc_test_ui_save_screenshots  (GtkWidget         *widget,
                                       const char        *name);
/* Puts a resource (JSON text the test knows is valid) into @store. */
void     hc_test_ui_put               (HcStore           *store,
                                       const char        *json);
/* How many changesets wait in @store's outbox. */
guint    hc_test_ui_outbox_length     (HcStore           *store);
/* With $HOUSECALL_SERVER: a dev-cert server with user alice (a physician), started; returns
 * FALSE (and leaves @server empty) without it. */
gboolean hc_test_ui_server_setup      (HcTestServer      *server,
                                       const char        *name);
/* Logs @store in to @server as alice. */
void     hc_test_ui_log_in            (HcStore           *store,
                                       HcTestServer      *server);
/* One blocking sync of @store, asserted to succeed. */
void     hc_test_ui_sync_once         (HcStore           *store);
/* Removes @dir and everything in it. */
void     hc_test_ui_remove_dir        (const char        *dir);

G_END_DECLS
