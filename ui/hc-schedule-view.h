/* hc-schedule-view.h: the practice's appointments by day, week and month
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hc-patient.h"
#include "hc-store.h"

G_BEGIN_DECLS

#define HC_TYPE_SCHEDULE_VIEW (hc_schedule_view_get_type ())

G_DECLARE_FINAL_TYPE (HcScheduleView, hc_schedule_view, HC, SCHEDULE_VIEW, AdwBin)

/* Shows @store's appointments (NULL: none) and follows its changes. */
void       hc_schedule_view_set_store  (HcScheduleView *self,
                                        HcStore        *store);
/* Forgets what it shows (the window locks); set_store() shows it again. */
void       hc_schedule_view_clear      (HcScheduleView *self);
/* "day", "week" or "month" */
const char *hc_schedule_view_get_view  (HcScheduleView *self);
/* The day view of today. */
void       hc_schedule_view_show_today (HcScheduleView *self);
/* Opens the booking dialog, for @patient if given, on the day shown.
 * Returns: (transfer none): the dialog */
GtkWindow *hc_schedule_view_book       (HcScheduleView *self,
                                        HcPatient      *patient);

G_END_DECLS
