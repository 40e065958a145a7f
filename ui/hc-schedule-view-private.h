/* hc-schedule-view-private.h: what tests may look at inside HcScheduleView
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-schedule-view.h"

G_BEGIN_DECLS

/* Shows the day (week, month) of @date. */
void        _hc_schedule_view_set_date   (HcScheduleView *self,
                                          GDateTime      *date);
/* How many loads and writes have finished, to wait on. */
guint       _hc_schedule_view_get_serial (HcScheduleView *self);
/* What the view shows, one line per appointment (day: "09:00 Family, Given booked"), per day
 * (week: "Mon 9: 09:00 Family, Given ...") or per day with visits (month: "10: 2"). */
const char *_hc_schedule_view_get_shown  (HcScheduleView *self);
const char *_hc_schedule_view_get_title  (HcScheduleView *self);
/* The last booking, rescheduling or cancelling dialog, while it is open. */
GtkWindow  *_hc_schedule_view_get_dialog (HcScheduleView *self);
GtkListBox *_hc_schedule_view_get_day_list (HcScheduleView *self);
/* What the cancel dialog and the Check In button do. */
void        _hc_schedule_view_set_status (HcScheduleView *self,
                                          const char     *id,
                                          const char     *status,
                                          const char     *reason);

G_END_DECLS
