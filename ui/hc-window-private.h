/* hc-window-private.h: what tests may look at inside HcWindow
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-chart-view.h"
#include "hc-conflict-view.h"
#include "hc-setup-page.h"
#include "hc-schedule-view.h"
#include "hc-sync-engine.h"
#include "hc-window.h"

G_BEGIN_DECLS

GtkEditable   *_hc_window_get_search_entry   (HcWindow *self);
GtkListView   *_hc_window_get_list_view      (HcWindow *self);
/* The patients the list shows now (a GListModel of HcPatient). */
GListModel    *_hc_window_get_results        (HcWindow *self);
/* How many searches have finished (successfully or not), to wait on. */
guint          _hc_window_get_search_serial  (HcWindow *self);
/* The query of the last finished search. */
const char    *_hc_window_get_completed_query (HcWindow *self);
/* "list" or "empty" */
const char    *_hc_window_get_list_state     (HcWindow *self);
AdwStatusPage *_hc_window_get_empty_page     (HcWindow *self);
HcSetupPage   *_hc_window_get_setup_page     (HcWindow *self);
/* The preferences window while open (an HcPreferencesWindow), or NULL. */
GtkWidget     *_hc_window_get_preferences    (HcWindow *self);
/* How many sign-outs have finished. */
guint          _hc_window_get_sign_out_serial (HcWindow *self);
/* "patients", "setup", "locked" or "problem" */
const char    *_hc_window_get_main_state     (HcWindow *self);
/* "none", "patient" or "conflicts" */
const char    *_hc_window_get_content_state  (HcWindow *self);
const char    *_hc_window_get_shown_name     (HcWindow *self);
HcChartView   *_hc_window_get_chart_view     (HcWindow *self);
GtkEditable   *_hc_window_get_passphrase_entry (HcWindow *self);
GtkLabel      *_hc_window_get_unlock_error   (HcWindow *self);
/* How many unlock attempts have finished, to wait on. */
guint          _hc_window_get_unlock_serial  (HcWindow *self);
guint          _hc_window_get_auto_lock_ms   (HcWindow *self);
/* Overrides the auto-lock-minutes setting, for tests; restarts the timer. */
void           _hc_window_set_auto_lock_ms   (HcWindow *self,
                                              guint     ms);
/* NULL until the store is known to be logged in */
HcSyncEngine  *_hc_window_get_sync_engine    (HcWindow *self);
/* How many "Sync now" runs have finished, to wait on. */
guint          _hc_window_get_sync_serial    (HcWindow *self);
GtkWidget     *_hc_window_get_sync_button    (HcWindow *self);
const char    *_hc_window_get_sync_label     (HcWindow *self);
/* How many loads of the conflict inbox have finished, to wait on. */
guint          _hc_window_get_conflicts_serial (HcWindow *self);
GtkListBox    *_hc_window_get_conflict_list  (HcWindow *self);
GtkWidget     *_hc_window_get_conflicts_button (HcWindow *self);
HcConflictView *_hc_window_get_conflict_view (HcWindow *self);
/* The text of the last toast about a colleague's change to the open chart, or NULL. */
const char    *_hc_window_get_last_toast     (HcWindow *self);

HcScheduleView *_hc_window_get_schedule_view (HcWindow *self);
GtkStack      *_hc_window_get_content_stack  (HcWindow *self);

G_END_DECLS
