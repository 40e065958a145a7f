/* hc-request.h: reading request headers, without I/O (so the fuzzer can call them)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* If-Match / ETag: W/"3" or "3" -> 3; 0 when @value is NULL; -1 when malformed. */
gint64      hc_request_parse_etag     (const char *value);
/* Prefer: TRUE when it asks for handling=strict (RFC 7240, FHIR search). */
gboolean    hc_request_prefers_strict (const char *value);
/* Accept-Encoding: TRUE when gzip is acceptable (listed, or "*", without q=0). */
gboolean    hc_request_accepts_gzip   (const char *value);
/* Authorization: the token of "Bearer TOKEN" (scheme case-insensitive), or NULL. */
char       *hc_request_bearer_token   (const char *value);

G_END_DECLS
