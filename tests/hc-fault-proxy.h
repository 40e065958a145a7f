/* hc-fault-proxy.h: a TCP proxy on loopback that breaks connections on purpose
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sits between a sync client and housecall-server (TLS passes through untouched) and, for a
 * chosen share of connections, cuts them at a random byte: upstream (the request is cut
 * mid-body, the server never sees all of it) or downstream (the server answered, perhaps after
 * committing, and the answer is lost). The client's retries then replay requests. Which
 * connection fails where follows from the seed.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HcFaultProxy HcFaultProxy;

/* Listens on 127.0.0.1 on a free port and forwards to 127.0.0.1:@target_port. */
HcFaultProxy *hc_fault_proxy_new         (guint16       target_port,
                                          guint64       seed);
guint16       hc_fault_proxy_get_port    (HcFaultProxy *self);
/* New connections go to @target_port (a restarted server). */
void          hc_fault_proxy_set_target  (HcFaultProxy *self,
                                          guint16       target_port);
/* The share of new connections that get cut, 0 (none, the default) to 1. */
void          hc_fault_proxy_set_rate    (HcFaultProxy *self,
                                          double        rate);
/* Starts the choice of faults again from @seed (one per history, so a failing seed replays
 * alone). */
void          hc_fault_proxy_reseed      (HcFaultProxy *self,
                                          guint64       seed);
/* Counts so far: connections, requests cut, responses dropped. */
void          hc_fault_proxy_get_counts  (HcFaultProxy *self,
                                          guint        *connections,
                                          guint        *cut_requests,
                                          guint        *cut_responses);
void          hc_fault_proxy_free        (HcFaultProxy *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcFaultProxy, hc_fault_proxy_free)

G_END_DECLS
