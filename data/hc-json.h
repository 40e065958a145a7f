/* hc-json.h: a strict, fast JSON parser producing json-glib trees
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_JSON_ERROR (hc_json_error_quark ())

GQuark    hc_json_error_quark (void);

/* Parses one JSON value (RFC 8259: no comments, no trailing commas, UTF-8) spanning all of
 * @data. Integers that fit in 64 bits become G_TYPE_INT64 values, other numbers doubles, as
 * with JsonParser. On error the message gives the line and column. */
JsonNode *hc_json_parse       (const char  *data,
                               gsize        length,
                               GError     **error);

/* Writes @node as JSON text, compact or indented by two spaces. Unlike json-glib 1.6, which
 * prints 72.3 as 72.299999999999997, numbers get the shortest text that reads back as the
 * same double, so FHIR decimals keep the value that was written. */
char     *hc_json_to_string   (JsonNode    *node,
                               gboolean     pretty);
char     *hc_json_object_to_string (JsonObject *object,
                               gboolean     pretty);

/* Typed member access that says NULL for a missing member or one of another JSON kind. */
const char *hc_json_get_string (JsonObject  *object,
                                const char  *member);
JsonObject *hc_json_get_object (JsonObject  *object,
                                const char  *member);
JsonArray  *hc_json_get_array  (JsonObject  *object,
                                const char  *member);
JsonObject *hc_json_array_get_object (JsonArray *array,
                                guint        index);

/* Deep copies: json_node_copy() shares the objects and arrays inside a node, so changing the
 * copy would change the original; these copy every level (member order kept). */
JsonNode   *hc_json_copy        (JsonNode    *node);
JsonObject *hc_json_object_copy (JsonObject  *object);

G_END_DECLS
