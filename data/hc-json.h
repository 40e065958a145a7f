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

/* Like hc_json_parse() for a JSON object, but builds only the top-level @members (a
 * NULL-terminated list): the others are checked as strictly and left out. For reading a few
 * members of a large object. */
JsonObject *hc_json_parse_members (const char          *data,
                                   gsize                length,
                                   const char * const  *members,
                                   GError             **error);

/* Like hc_json_parse(), but the members named @inner of the objects in the array of the
 * top-level member @outer are not built when their value is a compact JSON object (no
 * whitespace between tokens): they become string nodes holding that object's JSON text,
 * byte for byte. ("entry", "resource") keeps each resource of a Bundle as its text. */
JsonNode   *hc_json_parse_keeping_text (const char  *data,
                                        gsize        length,
                                        const char  *outer,
                                        const char  *inner,
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
