/* fuzz-json.c: the strict JSON reader must reject or round-trip every input
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Property: when hc_json_parse() accepts the text, hc_json_to_string() (compact and pretty)
 * writes JSON that hc_json_parse() accepts again as an equal tree. A writer that prints what
 * the reader refuses would store resources that cannot be read back. And the partial reads
 * (hc_json_parse_members, hc_json_parse_keeping_text, which check what they skip) accept
 * exactly what hc_json_parse accepts.
 */

#define G_LOG_DOMAIN "fuzz-json"

#include "config.h"

#include "hc-fuzz.h"
#include "hc-json.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  hc_fuzz_init ();
  return 0;
}

static void
check_round_trip (JsonNode *node,
                  gboolean  pretty)
{
  g_autofree char *text = hc_json_to_string (node, pretty);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *text_again = NULL;

  HC_FUZZ_CHECK (text != NULL, "no text written");
  again = hc_json_parse (text, strlen (text), &error);
  HC_FUZZ_CHECK (again != NULL, "the written text does not parse (%s): %.200s",
                 error ? error->message : "no error", text);
  HC_FUZZ_CHECK (error == NULL, "an error was set on success");
  HC_FUZZ_CHECK (json_node_equal (node, again), "the tree read back differs: %.200s", text);
  /* and writing is deterministic: the second text is the first */
  text_again = hc_json_to_string (again, pretty);
  HC_FUZZ_CHECK (strcmp (text, text_again) == 0, "the text changed on the second round: "
                 "%.200s / %.200s", text, text_again);
}

static void
check_partial (const char *data,
               gsize       size,
               JsonNode   *node)
{
  static const char * const keep[] = { "resourceType", "id", NULL };
  g_autoptr(JsonNode) kept = hc_json_parse_keeping_text (data, size, "entry", "resource", NULL);
  g_autoptr(JsonObject) members = hc_json_parse_members (data, size, keep, NULL);

  HC_FUZZ_CHECK ((kept != NULL) == (node != NULL), "the text-keeping parse %s what the full "
                 "parse %s", kept ? "accepts" : "refuses", node ? "accepts" : "refuses");
  HC_FUZZ_CHECK ((members != NULL) == (node != NULL && JSON_NODE_HOLDS_OBJECT (node)),
                 "the members parse disagrees with the full parse");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = hc_json_parse ((const char *) data, size, &error);
  check_partial ((const char *) data, size, node);
  if (node == NULL)
    {
      HC_FUZZ_CHECK (error != NULL, "NULL without an error");
      HC_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "the message is not UTF-8");
      return 0;
    }
  HC_FUZZ_CHECK (error == NULL, "an error was set on success");
  check_round_trip (node, FALSE);
  check_round_trip (node, TRUE);
  return 0;
}
