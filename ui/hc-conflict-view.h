/* hc-conflict-view.h: the conflict inbox: both versions of a record, side by side
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_CONFLICT_VIEW (hc_conflict_view_get_type ())

G_DECLARE_FINAL_TYPE (HcConflictView, hc_conflict_view, HC, CONFLICT_VIEW, AdwBin)

void        hc_conflict_view_set_store  (HcConflictView *self,
                                         HcStore        *store);
/* Lists the open conflicts again (off the UI thread). */
void        hc_conflict_view_reload     (HcConflictView *self);
/* Forgets both versions (patient data) and empties the list, e.g. when the store locks. */
void        hc_conflict_view_clear      (HcConflictView *self);
guint       hc_conflict_view_get_count  (HcConflictView *self);

/* for tests */
/* How many loads of the list have finished (successfully or not). */
guint       _hc_conflict_view_get_serial (HcConflictView *self);
GtkListBox *_hc_conflict_view_get_list   (HcConflictView *self);
/* The selected conflict's title ("Allergy for Anna Berg"). */
const char *_hc_conflict_view_get_title  (HcConflictView *self);
/* One line per element in conflict: "Label: mine | theirs" (newlines in values as "; "). */
char       *_hc_conflict_view_describe_differences (HcConflictView *self);
/* One line per change kept either way: "Label: value — from the server". */
char       *_hc_conflict_view_describe_kept (HcConflictView *self);
/* The dialog "Edit merged" opened, or NULL. */
GtkWidget  *_hc_conflict_view_get_edit_dialog (HcConflictView *self);

G_END_DECLS
