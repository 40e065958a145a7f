/* test-json.c: the strict JSON parser against json-glib's
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-json.h"

static const char * const valid[] = {
  "{}", "[]", "0", "-0", "1", "-17", "9223372036854775807", "-9223372036854775808",
  "3.25", "-0.5e-3", "1E10", "2e+2", "true", "false", "null", "\"\"",
  "\"plain\"", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u00fc and \\u00FC\"",
  "\"\\ud83d\\ude00 surrogate pair\"", "\"Müller Nguyễn 中文\"",
  "  {\"a\" : [1, 2.5, \"x\", true, null, {\"b\": []}] }  \n",
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"O'Brien\",\"given\":[\"Zoë\"]}],"
  "\"birthDate\":\"1999-12-31\",\"multipleBirthInteger\":2,\"_birthDate\":{\"extension\":[]}}",
  "{\"dup\": 1, \"dup\": 2}",
  "[[[[[[[[[[1]]]]]]]]]]",
  "{\"a very long member name that does not fit in the short buffer of the parser at all\":1}",
};

static const char * const invalid[] = {
  "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "// c\n{}", "/* c */ {}",
  "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "tru", "nul", "\"open",
  "\"tab\there\"", "\"\\x41\"", "\"\\ud83d alone\"", "\"\\ude00\"", "\"\\u12\"", "{} {}",
  "[1 2]", "{\"a\" 1}", "\"\\u0000\"", "99999999999999999999", "1e400", "-1e400",
};

static JsonNode *
reference_parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, -1, NULL) || json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static void
assert_same (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ours = hc_json_parse (text, strlen (text), &error);
  g_autoptr(JsonNode) theirs = reference_parse (text);
  g_autofree char *a = NULL, *b = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ours);
  g_assert_nonnull (theirs);
  g_assert_true (json_node_equal (ours, theirs));
  a = json_to_string (ours, FALSE);
  b = json_to_string (theirs, FALSE);
  g_assert_cmpstr (a, ==, b);
}

static void
test_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    assert_same (valid[i]);
}

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = hc_json_parse (invalid[i], strlen (invalid[i]), &error);

      if (node != NULL)
        g_error ("accepted invalid JSON: %s", invalid[i]);
      g_assert_error (error, HC_JSON_ERROR, 0);
      g_assert_true (g_str_has_prefix (error->message, "line ") || strstr (error->message, "UTF-8"));
    }
}

static void
test_error_position (void)
{
  g_autoptr(GError) error = NULL;
  const char *text = "{\n  \"a\": 1,\n  \"b\": ?\n}";
  g_autoptr(JsonNode) node = hc_json_parse (text, strlen (text), &error);

  g_assert_null (node);
  g_assert_cmpstr (error->message, ==, "line 3, column 8: unexpected character");
}

static void
test_not_utf8_and_nul (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hc_json_parse ("\"\xff\"", 3, &error);

  g_assert_null (node);
  g_assert_nonnull (strstr (error->message, "UTF-8"));
  g_clear_error (&error);
  /* a NUL byte inside the given length */
  node = hc_json_parse ("\"a\0b\"", 5, &error);
  g_assert_null (node);
  g_assert_nonnull (error);
}

static void
test_depth_limit (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  node = hc_json_parse (deep->str, deep->len, &error);
  g_assert_null (node);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
}

/* Random damage to valid documents: whatever we accept, json-glib accepts too and reads the
 * same way; we never crash. */
static void
test_mutations (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261127);
  const char *alphabet = "{}[]\",:\\ 0123456789.eE+-truefalsnl\"\"\n\tu";
  guint accepted = 0;

  for (guint round = 0; round < 20000; round++)
    {
      const char *base = valid[g_rand_int_range (rand, 0, G_N_ELEMENTS (valid))];
      g_autofree char *text = g_strdup (base);
      gsize len = strlen (text);
      g_autoptr(JsonNode) ours = NULL;

      if (len == 0)
        continue;
      for (int k = g_rand_int_range (rand, 1, 4); k > 0; k--)
        text[g_rand_int_range (rand, 0, len)] = alphabet[g_rand_int_range (rand, 0, strlen (alphabet))];
      ours = hc_json_parse (text, len, NULL);
      if (ours != NULL && g_utf8_validate (text, len, NULL))
        {
          g_autoptr(JsonNode) theirs = reference_parse (text);
          g_assert_nonnull (theirs);
          g_assert_true (json_node_equal (ours, theirs));
          accepted++;
        }
    }
  g_test_message ("%u mutated documents accepted and equal", accepted);
}

static void
test_write_decimals (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "72.3", "72.3" }, { "0.1", "0.1" }, { "5.0", "5.0" }, { "-0.5e-3", "-0.0005" },
    { "1e300", "1e+300" }, { "98.6", "98.6" }, { "7", "7" }, { "0.30000000000000004", "0.30000000000000004" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = hc_json_parse (cases[i].in, strlen (cases[i].in), NULL);
      g_autofree char *text = hc_json_to_string (node, FALSE);
      g_assert_cmpstr (text, ==, cases[i].out);
    }
}

static void
test_write_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    for (int pretty = 0; pretty < 2; pretty++)
      {
        g_autoptr(JsonNode) node = hc_json_parse (valid[i], strlen (valid[i]), NULL);
        g_autofree char *text = hc_json_to_string (node, pretty);
        g_autoptr(JsonNode) again = hc_json_parse (text, strlen (text), NULL);
        g_autoptr(JsonNode) theirs = reference_parse (text);

        g_assert_nonnull (again);
        g_assert_true (json_node_equal (node, again));
        g_assert_nonnull (theirs);
        g_assert_true (json_node_equal (node, theirs));
      }
  /* member order is kept; control characters are escaped */
  {
    const char *text = "{\"z\":1,\"a\":\"x\\u0001\\ny\"}";
    g_autoptr(JsonNode) node = hc_json_parse (text, strlen (text), NULL);
    g_autofree char *out = hc_json_to_string (node, FALSE);
    g_assert_cmpstr (out, ==, "{\"z\":1,\"a\":\"x\\u0001\\ny\"}");
  }
}

/* The partial parses accept exactly what hc_json_parse accepts, and build the same values. */
static gboolean
partial_parses (const char *value,
                gsize       len)
{
  g_autoptr(GString) page = g_string_new ("{\"meta\":{},\"entry\":[{\"resource\":");
  g_autoptr(GString) pair = g_string_new ("{\"skipped\":");
  g_autoptr(JsonNode) full = hc_json_parse (value, len, NULL);
  g_autoptr(JsonNode) kept = NULL;
  g_autoptr(JsonObject) members = NULL;
  const char * const keep[] = { "kept", NULL };

  g_string_append_len (page, value, len);
  g_string_append (page, ",\"request\":{}},{\"resource\":");
  g_string_append_len (page, value, len);
  g_string_append (page, "}]}");
  kept = hc_json_parse_keeping_text (page->str, page->len, "entry", "resource", NULL);
  g_string_append_len (pair, value, len);
  g_string_append (pair, ",\"kept\":");
  g_string_append_len (pair, value, len);
  g_string_append (pair, "}");
  members = hc_json_parse_members (pair->str, pair->len, keep, NULL);

  g_assert_true ((full != NULL) == (kept != NULL));
  g_assert_true ((full != NULL) == (members != NULL));
  if (full == NULL)
    return FALSE;

  g_assert_cmpuint (json_object_get_size (members), ==, 1);
  g_assert_true (json_node_equal (json_object_get_member (members, "kept"), full));
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *entry = hc_json_array_get_object (
        hc_json_get_array (json_node_get_object (kept), "entry"), i);
      JsonNode *resource = json_object_get_member (entry, "resource");
      const char *text = hc_json_get_string (entry, "resource");

      if (text != NULL && JSON_NODE_HOLDS_OBJECT (full))
        {
          /* kept as text: the object's own bytes, which read back as the same value */
          g_autoptr(JsonNode) again = hc_json_parse (text, strlen (text), NULL);
          g_assert_nonnull (strstr (value, text));
          g_assert_true (json_node_equal (again, full));
        }
      else
        g_assert_true (json_node_equal (resource, full));
    }
  return TRUE;
}

static void
test_partial (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  const char *alphabet = "{}[]\",:\\ 0123456789.eE+-truefalsnl\"\"\n\tu";
  const char *compact = "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"valueQuantity\":{\"value\":1.5}}";
  g_autoptr(JsonNode) page = NULL;
  const char *text;
  guint accepted = 0;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (partial_parses (valid[i], strlen (valid[i])));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (partial_parses (invalid[i], strlen (invalid[i])));

  /* a compact object stays text; one with spaces between tokens is built */
  {
    g_autofree char *doc = g_strdup_printf ("{\"entry\":[{\"resource\":%s},{\"resource\":{\"a\": 1}}]}",
                                            compact);
    JsonArray *entries;

    page = hc_json_parse_keeping_text (doc, strlen (doc), "entry", "resource", NULL);
    entries = hc_json_get_array (json_node_get_object (page), "entry");
    text = hc_json_get_string (hc_json_array_get_object (entries, 0), "resource");
    g_assert_cmpstr (text, ==, compact);
    g_assert_nonnull (hc_json_get_object (hc_json_array_get_object (entries, 1), "resource"));
  }

  for (guint round = 0; round < 20000; round++)
    {
      const char *base = round % 2 ? compact : valid[g_rand_int_range (rand, 0, G_N_ELEMENTS (valid))];
      g_autofree char *mutated = g_strdup (base);
      gsize len = strlen (mutated);

      if (len == 0)
        continue;
      for (int k = g_rand_int_range (rand, 1, 4); k > 0; k--)
        mutated[g_rand_int_range (rand, 0, len)] = alphabet[g_rand_int_range (rand, 0, strlen (alphabet))];
      accepted += partial_parses (mutated, len);
    }
  g_test_message ("%u mutated documents accepted by every parse", accepted);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hc/data/json/valid", test_valid);
  g_test_add_func ("/hc/data/json/invalid", test_invalid);
  g_test_add_func ("/hc/data/json/error-position", test_error_position);
  g_test_add_func ("/hc/data/json/not-utf8-and-nul", test_not_utf8_and_nul);
  g_test_add_func ("/hc/data/json/depth-limit", test_depth_limit);
  g_test_add_func ("/hc/data/json/mutations", test_mutations);
  g_test_add_func ("/hc/data/json/write-decimals", test_write_decimals);
  g_test_add_func ("/hc/data/json/write-round-trip", test_write_round_trip);
  g_test_add_func ("/hc/data/json/partial", test_partial);

  return g_test_run ();
}
