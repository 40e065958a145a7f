/* hc-bench-marks.h: start-up marks for bench/bench-startup, off unless asked for
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* With HOUSECALL_BENCH_MARKS set in the environment, prints "housecall-mark NAME USEC" on
 * stdout (USEC from g_get_monotonic_time(), the clock the benchmark reads too); nothing
 * otherwise. */
void hc_bench_mark         (const char     *name);
/* With HOUSECALL_BENCH_MARKS set, marks the moments bench/bench-startup measures in @app:
 *   activate      GApplication::activate (the store starts opening with a passphrase)
 *   window        the first window was added (with a passphrase: the store is open)
 *   first-frame   the first frame of a window was painted
 *   locked-frame  the first frame painted of a window showing the unlock page
 *   unlock        with HOUSECALL_BENCH_UNLOCK set too, after locked-frame: its value was
 *                 typed into the passphrase field, and now Enter (the store.unlock action)
 *   interactive   the first frame painted of a window that shows the unlocked patient list
 *                 with the first search's patients in it (the search field has the focus)
 * With HOUSECALL_BENCH_MARKS=exit the application quits after interactive, or after
 * locked-frame when it is not to unlock. Nothing happens without the variable. */
void hc_bench_marks_install (GtkApplication *app);

G_END_DECLS
