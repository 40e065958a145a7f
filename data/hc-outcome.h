/* hc-outcome.h: errors as FHIR OperationOutcome resources
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An OperationOutcome for @error: severity error, an issue code from the error (invalid,
 * not-found, deleted, conflict, too-costly, exception, …), the message as diagnostics and,
 * when the message starts with a FHIRPath ("Patient.name[0].given: …", possibly after a file
 * or Bundle entry prefix), that path as the expression. */
JsonObject *hc_operation_outcome_new (const GError *error);

/* The issue code hc_operation_outcome_new() uses for @error. */
const char *hc_operation_outcome_code (const GError *error);

G_END_DECLS
