/* fuzz-request.c: what the server reads from a request before it touches the store
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is lines: a search query, If-Match, Prefer, Accept-Encoding, Authorization, then
 * a form body (the rest); its first byte picks the resource type and the parse flags. Any of
 * them may be missing. A resource in JSON is also indexed.
 *
 * Properties: nothing crashes or leaks; a parse fails exactly when it sets an error of
 * HC_SEARCH_ERROR whose message is one line of UTF-8; what parses is within bounds (page size,
 * sort keys, date ranges); the query written for links parses back to the same criteria, and a
 * page token made for it comes back with the same keys; header readers stay in their ranges;
 * index entries are named after parameters of the resource's type.
 */

#define G_LOG_DOMAIN "fuzz-request"

#include "config.h"

#include "hc-fhir.h"
#include "hc-fuzz.h"
#include "hc-json.h"
#include "hc-request.h"
#include "hc-search-params.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  hc_fuzz_init ();
  return 0;
}

static void
check_params (const char         *type,
              const char         *query,
              HcSearchParseFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HcSearchParams) params = hc_search_params_parse (type, query, flags, &error);
  g_autoptr(HcSearchParams) again = NULL;
  g_autoptr(HcSearchParams) paged = NULL;
  g_autofree char *written = NULL;
  g_autofree char *token = NULL;
  g_autofree char *with_page = NULL;
  const char *keys[HC_SEARCH_MAX_SORT] = { "a|b", "\"", "", "é" };

  HC_FUZZ_CHECK ((params == NULL) == (error != NULL), "parse said %p with error %s",
                 (void *) params, error ? error->message : "(none)");
  if (params == NULL)
    {
      HC_FUZZ_CHECK (error->domain == HC_SEARCH_ERROR, "error domain %s",
                     g_quark_to_string (error->domain));
      HC_FUZZ_CHECK (hc_fuzz_is_one_line (error->message), "the message is not one line of "
                     "UTF-8: %.300s", error->message);
      return;
    }
  HC_FUZZ_CHECK (params->count >= 1 && params->count <= HC_SEARCH_MAX_COUNT, "count %u",
                 params->count);
  HC_FUZZ_CHECK (params->n_sort <= HC_SEARCH_MAX_SORT, "%u sort keys", params->n_sort);
  HC_FUZZ_CHECK (!params->has_page || params->page_keys != NULL, "a page without keys");
  for (guint i = 0; i < params->criteria->len; i++)
    {
      HcSearchCriterion *c = params->criteria->pdata[i];

      HC_FUZZ_CHECK (c->values->len > 0, "criterion %s without values", c->name);
      for (guint j = 0; j < c->values->len; j++)
        {
          HcSearchValue *v = c->values->pdata[j];

          if (c->type == HC_SEARCH_DATE)
            HC_FUZZ_CHECK (v->lo < v->hi && v->lo >= HC_SEARCH_DATE_MIN && v->hi <= HC_SEARCH_DATE_MAX,
                           "date range [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")", v->lo, v->hi);
          else
            HC_FUZZ_CHECK (v->value != NULL || v->system != NULL, "a value of nothing");
          if (v->value != NULL)
            HC_FUZZ_CHECK (g_utf8_validate (v->value, -1, NULL), "value not UTF-8");
        }
    }

  /* the links repeat what was used; it means the same */
  written = hc_search_params_to_query (params);
  again = hc_search_params_parse (type, written, flags | HC_SEARCH_PARSE_STRICT, &error);
  HC_FUZZ_CHECK (again != NULL, "the link query %s does not parse: %s", written,
                 error ? error->message : "");
  HC_FUZZ_CHECK (again->criteria->len == params->criteria->len && again->n_sort == params->n_sort &&
                 again->count == params->count && g_strcmp0 (again->since, params->since) == 0,
                 "the link query %s means something else", written);
  for (guint i = 0; i < params->criteria->len; i++)
    {
      HcSearchCriterion *a = params->criteria->pdata[i], *b = again->criteria->pdata[i];

      HC_FUZZ_CHECK (g_str_equal (a->name, b->name) && a->match == b->match &&
                     a->values->len == b->values->len, "criterion %s changed", a->name);
      for (guint j = 0; j < a->values->len; j++)
        {
          HcSearchValue *va = a->values->pdata[j], *vb = b->values->pdata[j];
          HC_FUZZ_CHECK (g_strcmp0 (va->value, vb->value) == 0 && g_strcmp0 (va->system, vb->system) == 0 &&
                         va->lo == vb->lo && va->hi == vb->hi && va->prefix == vb->prefix,
                         "value %u of %s changed", j, a->name);
        }
    }

  /* and a page token for it comes back whole (the write order is a number) */
  for (guint i = 0; i < params->n_sort; i++)
    if (params->sort[i].key == HC_SEARCH_SORT_LAST_UPDATED)
      keys[i] = "12";
  token = hc_search_page_token (keys, params->n_sort, 42, TRUE);
  with_page = g_strconcat (written, "&_page=", token, NULL);
  paged = hc_search_params_parse (type, with_page, flags, &error);
  HC_FUZZ_CHECK (paged != NULL && paged->has_page && paged->page_before && paged->page_row == 42,
                 "the page token of %s did not come back: %s", written, error ? error->message : "");
  for (guint i = 0; i < params->n_sort; i++)
    HC_FUZZ_CHECK (g_str_equal (paged->page_keys[i], keys[i]), "page key %u changed", i);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const types[] = { "Patient", "Observation", "Encounter", "Appointment",
                                        "Organization", "Task", "AuditEvent", NULL };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", 6);
  guint n = g_strv_length (lines);
  guint8 pick = size > 0 ? data[0] : 0;
  const char *type = types[pick % G_N_ELEMENTS (types)];   /* may be NULL */
  HcSearchParseFlags flags = (pick >> 3) & 7;
  g_autoptr(JsonNode) node = NULL;

  if (n == 0)
    return 0;
  if (type != NULL && hc_search_params_for_type (type, NULL) != NULL)
    check_params (type, lines[0][0] ? lines[0] + 1 : lines[0], flags & ~HC_SEARCH_PARSE_NO_CRITERIA);
  check_params (type, lines[0], flags | HC_SEARCH_PARSE_NO_CRITERIA);

  if (n > 1)
    {
      gint64 v = hc_request_parse_etag (lines[1]);
      HC_FUZZ_CHECK (v >= -1, "etag %" G_GINT64_FORMAT, v);
    }
  if (n > 2)
    hc_request_prefers_strict (lines[2]);
  if (n > 3)
    hc_request_accepts_gzip (lines[3]);
  if (n > 4)
    {
      g_autofree char *token = hc_request_bearer_token (lines[4]);
      for (const char *p = token; p && *p; p++)
        HC_FUZZ_CHECK (*p > ' ' && *p != 0x7f, "a token with a space or control character");
    }
  if (n > 5 && type != NULL && hc_search_params_for_type (type, NULL) != NULL)
    check_params (type, lines[5], flags & ~HC_SEARCH_PARSE_NO_CRITERIA);

  /* dates and instants on their own */
  {
    gint64 lo, hi;
    g_autofree char *instant = hc_search_canonical_instant (lines[0]);
    g_autofree char *folded = hc_search_fold (lines[0]);

    if (hc_search_parse_date (lines[0], &lo, &hi))
      HC_FUZZ_CHECK (lo < hi, "date %s: empty range", lines[0]);
    HC_FUZZ_CHECK (instant == NULL || strlen (instant) == 27, "instant %s", instant);
    HC_FUZZ_CHECK (g_utf8_validate (folded, -1, NULL), "fold is not UTF-8");
  }

  /* a resource: its index */
  node = hc_json_parse ((const char *) data, size, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *resource = json_node_get_object (node);
      g_autoptr(HcSearchIndex) index = hc_search_index_resource (resource);
      const char *rtype = hc_json_get_string (resource, "resourceType");
      const char * const *params = hc_search_params_for_type (rtype, NULL);

      HC_FUZZ_CHECK (index->family && index->given && index->date, "a NULL sort key");
      for (guint i = 0; i < index->entries->len; i++)
        {
          const HcSearchEntry *e = &g_array_index (index->entries, HcSearchEntry, i);

          HC_FUZZ_CHECK (params != NULL && g_strv_contains (params, e->name), "entry %s on %s",
                         e->name, rtype);
          HC_FUZZ_CHECK (e->system != NULL && e->value != NULL, "entry %s with NULL text", e->name);
        }
      HC_FUZZ_CHECK (index->compartment == NULL || g_str_has_prefix (index->compartment, "Patient/"),
                     "compartment %s", index->compartment);
    }
  return 0;
}
