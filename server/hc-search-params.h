/* hc-search-params.h: FHIR search parameters: what each type offers, parsing a query into
 * criteria, and the index entries of a resource
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no I/O and no SQL: the HTTP handlers, every store backend and the fuzzer call
 * them. A store keeps, for each live resource, the entries hc_search_index_resource() gives,
 * and answers an HcSearchParams with exactly the semantics written here.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_SEARCH_ERROR (hc_search_error_quark ())

typedef enum
{
  HC_SEARCH_ERROR_INVALID,      /* a bad value, prefix, modifier or page token: 400 */
  HC_SEARCH_ERROR_UNKNOWN,      /* an unknown parameter under Prefer: handling=strict: 400 */
} HcSearchError;

GQuark hc_search_error_quark (void);

typedef enum
{
  HC_SEARCH_STRING,
  HC_SEARCH_TOKEN,
  HC_SEARCH_DATE,
  HC_SEARCH_REFERENCE,
} HcSearchType;

typedef enum
{
  HC_SEARCH_EQ,
  HC_SEARCH_NE,
  HC_SEARCH_LT,
  HC_SEARCH_GT,
  HC_SEARCH_LE,
  HC_SEARCH_GE,
} HcSearchPrefix;

typedef enum
{
  HC_SEARCH_MATCH_DEFAULT,      /* strings: prefix of the folded text; others: equality */
  HC_SEARCH_MATCH_EXACT,        /* strings: the whole unfolded text, case and accents count */
  HC_SEARCH_MATCH_CONTAINS,     /* strings: anywhere in the folded text */
} HcSearchMatch;

/* Date values are half-open ranges of seconds since 1970-01-01T00:00:00Z: "1970" is
 * [1970-01-01, 1971-01-01), a dateTime to the second is [t, t + 1); an open Period end is
 * HC_SEARCH_DATE_MAX, an open start HC_SEARCH_DATE_MIN. */
#define HC_SEARCH_DATE_MIN G_GINT64_CONSTANT (-62135596800)   /* 0001-01-01 */
#define HC_SEARCH_DATE_MAX G_GINT64_CONSTANT (253402300800)   /* 10000-01-01 */

/* One value of a criterion; the values of one criterion are alternatives (a comma in the
 * query: OR). */
typedef struct
{
  HcSearchPrefix  prefix;       /* dates only; EQ otherwise */
  /* strings: the folded text (hc_search_fold()), or with EXACT the text as given.
   * tokens: the code, or NULL for "system|" (any code of that system).
   * references: the id (the part after the last '/'). */
  char           *value;
  /* tokens: NULL for any system, "" for "|code" (no system), else the system.
   * references: the type ("Patient"), or NULL when the value was a bare id. */
  char           *system;
  gint64          lo, hi;       /* dates: the range of the value */
} HcSearchValue;

/* A parameter of the query: a resource matches when one of its index entries with @name
 * matches one of @values.
 * - STRING: the entry's value (folded) starts with / contains the folded value; with EXACT
 *   the entry's system (the original text) equals the value.
 * - TOKEN: entry system = value system when the latter is not NULL ("" matches entries
 *   without a system), and entry value = value code when the latter is not NULL.
 * - REFERENCE: entry value (an id) = value, and entry system (a type) = value system when the
 *   latter is not NULL.
 * - DATE, entry range [l, h), value range [lo, hi):
 *   EQ: lo <= l and h <= hi;  NE: not EQ;  LT: l < lo;  GT: h > hi;
 *   LE: LT or EQ;  GE: GT or EQ.
 * A "name" criterion on a type with "family" matches its "family" and "given" entries as well
 * as its "name" entries (prefix, suffix, text), which the index does not repeat.
 * The special parameter "_id" (a TOKEN without system) matches the resource id instead. */
typedef struct
{
  char          *name;
  HcSearchType   type;
  HcSearchMatch  match;
  GPtrArray     *values;        /* of HcSearchValue */
} HcSearchCriterion;

/* Sort keys; every resource has each of them (an empty string when it has no such value):
 * - "family": the folded family name of its first name; "given": its folded given names.
 * - "date": the start of its date (birthDate for Patient) as "YYYY-MM-DDThh:mm:ssZ".
 * - "_id": the id; "_lastUpdated": the server's write order (the sequence number).
 * After all keys, a store breaks ties by its internal row number, ascending. */
typedef enum
{
  HC_SEARCH_SORT_FAMILY,
  HC_SEARCH_SORT_GIVEN,
  HC_SEARCH_SORT_DATE,
  HC_SEARCH_SORT_ID,
  HC_SEARCH_SORT_LAST_UPDATED,
} HcSearchSortKey;

#define HC_SEARCH_MAX_SORT 4

typedef struct
{
  HcSearchSortKey key;
  gboolean        descending;
} HcSearchSort;

#define HC_SEARCH_DEFAULT_COUNT 50
#define HC_SEARCH_MAX_COUNT     1000

typedef struct
{
  char              *type;
  GPtrArray         *criteria;             /* of HcSearchCriterion; all must match (AND) */
  HcSearchSort       sort[HC_SEARCH_MAX_SORT];
  guint              n_sort;               /* 0: by row number */
  guint              count;                /* page size, 1..HC_SEARCH_MAX_COUNT */
  /* the page: rows strictly after (before, with page_before) this row in the sort order;
   * page_keys holds n_sort values as the store reported them for that row */
  gboolean           has_page;
  gboolean           page_before;
  char             **page_keys;
  gint64             page_row;
  char              *since;                /* _since: canonical instant, or NULL */
  GPtrArray         *ignored;              /* names of parameters not understood (lenient) */
  GPtrArray         *used;                 /* name, value, name, …: what the links repeat */
} HcSearchParams;

void            hc_search_params_free         (HcSearchParams  *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcSearchParams, hc_search_params_free)

/* The search parameters of @type, NULL-terminated ("_id" first), or NULL when the type is not
 * searchable; *types_out (optional) gets their types. */
const char * const *hc_search_params_for_type (const char      *type,
                                               const HcSearchType **types_out);

typedef enum
{
  HC_SEARCH_PARSE_STRICT      = 1 << 0,  /* unknown parameters are an error (handling=strict) */
  HC_SEARCH_PARSE_SINCE       = 1 << 1,  /* _since is a parameter (history, $everything) */
  HC_SEARCH_PARSE_NO_CRITERIA = 1 << 2,  /* only _count, _page (and _since): history,
                                          * $everything; @type may be NULL */
} HcSearchParseFlags;

/* Parses a query string (the raw, still %-encoded part after '?', or a form body) for a search
 * of @type. Without STRICT, unknown parameters are listed in ignored. Result parameters:
 * _count, _sort, _page; _format and _pretty are accepted and ignored. Errors name the
 * parameter: "birthdate: 'x' is not a date …". */
HcSearchParams *hc_search_params_parse        (const char          *type,
                                               const char          *query,
                                               HcSearchParseFlags   flags,
                                               GError             **error);

/* The query string of @params without the page (canonical order; for links). */
char           *hc_search_params_to_query     (const HcSearchParams *params);

/* An opaque page token for the row after (or, with @before, before) which the next page
 * starts; hc_search_params_parse() reads it back from _page. */
char           *hc_search_page_token          (const char * const *keys,
                                               guint               n_keys,
                                               gint64              row,
                                               gboolean            before);

/* Lowercase, accents removed: what STRING parameters compare. */
char           *hc_search_fold                (const char      *text);

/* A FHIR date, dateTime or instant ("1970", "1970-03", "1970-03-05", "1970-03-05T10:00:00Z",
 * "…T10:00+02:00"; a time without zone is UTC) as a range; FALSE when it is not one. */
gboolean        hc_search_parse_date          (const char      *text,
                                               gint64          *lo,
                                               gint64          *hi);
/* An instant for _since as the server writes meta.lastUpdated ("%Y-%m-%dT%H:%M:%S.%fZ"), so
 * that text comparison orders it; NULL when @text is not a full dateTime with a zone. */
char           *hc_search_canonical_instant   (const char      *text);

/* The index of a resource, as a store keeps it. */
typedef struct
{
  const char *name;             /* a parameter name of hc_search_params_for_type() */
  char       *system;           /* "" when none (see HcSearchCriterion for each type) */
  char       *value;
  gint64      lo, hi;           /* dates */
} HcSearchEntry;

typedef struct
{
  GArray *entries;              /* of HcSearchEntry */
  char   *family;               /* sort keys, never NULL */
  char   *given;
  char   *date;
  char   *compartment;          /* "Patient/id" of hc_fhir_patient_reference(), or NULL */
} HcSearchIndex;

HcSearchIndex  *hc_search_index_resource      (JsonObject      *resource);
void            hc_search_index_free          (HcSearchIndex   *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcSearchIndex, hc_search_index_free)

G_END_DECLS
