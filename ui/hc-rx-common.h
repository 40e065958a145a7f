/* hc-rx-common.h: what the prescribing and order dialogs share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hc-clinical.h"
#include "hc-window.h"

G_BEGIN_DECLS

/* The response id of the button that confirms a reason dialog. */
#define HC_RX_RESPONSE_CONFIRM "confirm"

typedef void (*HcRxReasonFunc)   (HcWindow    *window,
                                  JsonObject  *resource,
                                  const char  *reason);
typedef void (*HcRxResourceFunc) (HcWindow    *window,
                                  JsonObject  *resource);

/* Now, as a FHIR dateTime with the local offset. */
char      *hc_rx_now                 (void);

/* Reads @type/@id from the window's store, then calls @func with it on the main thread (an
 * error is shown instead). */
void       hc_rx_fetch               (HcWindow          *window,
                                      const char        *type,
                                      const char        *id,
                                      HcRxResourceFunc   func);

/* Asks for a reason (required) in a message dialog over @window; @func gets @resource and the
 * reason when the user confirms with @confirm_label. */
void       hc_rx_ask_reason          (HcWindow          *window,
                                      JsonObject        *resource,
                                      const char        *heading,
                                      const char        *body,
                                      const char        *placeholder,
                                      const char        *confirm_label,
                                      HcRxReasonFunc     func);

/* Writes @resources as one changeset, then reloads the chart; an error is shown. */
void       hc_rx_write               (HcWindow          *window,
                                      JsonArray         *resources);

void       hc_rx_show_error          (GtkWindow         *parent,
                                      const char        *heading,
                                      const char        *message);

/* Enables the dialog's confirming @button when @ready and nothing is missing. Otherwise
 * @why_not (nullable: nothing to say while loading or saving) tells what is missing: as the
 * text of @hint, a dim label next to the button, and as the button's accessible
 * description, so a disabled button never hides its reason in a tooltip. */
void       hc_rx_set_ready           (GtkWidget         *button,
                                      GtkLabel          *hint,
                                      gboolean           ready,
                                      const char        *why_not);

/* Loads the clinical catalogs and the name of the signed-in user (the requester of what is
 * written) off the main thread. */
void       hc_rx_load_async          (HcStore           *store,
                                      GCancellable      *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer           user_data);
HcClinical *hc_rx_load_finish        (GAsyncResult      *result,
                                      char             **requester,
                                      GError           **error);

G_END_DECLS
