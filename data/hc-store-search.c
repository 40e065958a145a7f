/* hc-store-search.c: patient index columns and FTS5 search
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-store-search"

#include "config.h"

#include <string.h>

#include "hc-json.h"
#include "hc-patient.h"
#include "hc-fhir.h"
#include "hc-store-private.h"

char *
_hc_store_fold (const char *text)
{
  return hc_fhir_fold (text);
}

/* Letters that are not a base letter plus a combining mark, so FTS5's remove_diacritics
 * leaves them alone, and what people type for them on a plain keyboard. */
static const struct {
  gunichar    letter;
  const char *ascii;
} transliterations[] = {
  { 0x00C6, "AE" }, { 0x00D0, "D" }, { 0x00D8, "O" }, { 0x00DE, "TH" }, { 0x00DF, "ss" },
  { 0x00E6, "ae" }, { 0x00F0, "d" }, { 0x00F8, "o" }, { 0x00FE, "th" }, { 0x0110, "D" },
  { 0x0111, "d" }, { 0x0126, "H" }, { 0x0127, "h" }, { 0x0131, "i" }, { 0x0141, "L" },
  { 0x0142, "l" }, { 0x0152, "OE" }, { 0x0153, "oe" }, { 0x0166, "T" }, { 0x0167, "t" },
};

/* @text with those letters spelled in ASCII, or NULL when it has none. */
static char *
transliterate (const char *text)
{
  GString *out = NULL;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      const char *ascii = NULL;

      if (c >= 0x00C6)
        for (guint i = 0; i < G_N_ELEMENTS (transliterations); i++)
          if (transliterations[i].letter == c)
            ascii = transliterations[i].ascii;
      if (ascii != NULL && out == NULL)
        out = g_string_new_len (text, p - text);
      if (out != NULL)
        {
          if (ascii != NULL)
            g_string_append (out, ascii);
          else
            g_string_append_unichar (out, c);
        }
    }
  return out ? g_string_free (out, FALSE) : NULL;
}

static void
append_strings (GString    *out,
                JsonObject *object,
                const char *member)
{
  JsonArray *array = hc_json_get_array (object, member);
  const char *single;

  if (array != NULL)
    {
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_string_append_printf (out, "%s%s", out->len ? " " : "", json_node_get_string (node));
        }
    }
  else if ((single = hc_json_get_string (object, member)) != NULL)
    g_string_append_printf (out, "%s%s", out->len ? " " : "", single);
}

/* The name to list the patient by: official, then usual, then the first. */
static JsonObject *
main_name (JsonArray *names)
{
  static const char * const uses[] = { "official", "usual", NULL };

  if (names == NULL || json_array_get_length (names) == 0)
    return NULL;
  for (guint u = 0; uses[u]; u++)
    for (guint i = 0; i < json_array_get_length (names); i++)
      {
        JsonObject *name = hc_json_array_get_object (names, i);
        if (g_strcmp0 (hc_json_get_string (name, "use"), uses[u]) == 0)
          return name;
      }
  return hc_json_array_get_object (names, 0);
}

static gboolean
is_mrn (JsonObject *identifier)
{
  JsonObject *type;
  JsonArray *codings;
  JsonNode *node = json_object_get_member (identifier, "type");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  type = json_node_get_object (node);
  codings = hc_json_get_array (type, "coding");
  for (guint i = 0; codings && i < json_array_get_length (codings); i++)
    if (g_strcmp0 (hc_json_get_string (hc_json_array_get_object (codings, i), "code"), "MR") == 0)
      return TRUE;
  return FALSE;
}

gboolean
_hc_store_index_patient (HcStoreWorker  *w,
                         gint64          rid,
                         JsonObject     *patient,
                         GError        **error)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) identifiers = g_string_new (NULL);
  g_autoptr(GString) phones = g_string_new (NULL);
  g_autoptr(GString) given = g_string_new (NULL);
  g_autofree char *birth_tokens = NULL;
  g_autofree char *sort_key = NULL;
  g_autofree char *sort_source = NULL;
  JsonArray *array;
  JsonObject *name;
  const char *family = NULL, *mrn = NULL, *first_identifier = NULL, *phone = NULL;
  const char *birth_date = hc_json_get_string (patient, "birthDate");
  sqlite3_stmt *stmt;

  array = hc_json_get_array (patient, "name");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *n = hc_json_array_get_object (array, i);
      if (n == NULL)
        continue;
      append_strings (names, n, "prefix");
      append_strings (names, n, "given");
      append_strings (names, n, "family");
      append_strings (names, n, "suffix");
      if (hc_json_get_string (n, "family") == NULL && hc_json_get_array (n, "given") == NULL)
        append_strings (names, n, "text");
    }
  {
    g_autofree char *ascii = transliterate (names->str);
    if (ascii != NULL)
      g_string_append_printf (names, " %s", ascii);
  }
  name = main_name (array);
  if (name != NULL)
    {
      family = hc_json_get_string (name, "family");
      append_strings (given, name, "given");
      if (family == NULL && given->len == 0)
        family = hc_json_get_string (name, "text");
    }

  array = hc_json_get_array (patient, "identifier");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *id = hc_json_array_get_object (array, i);
      const char *value = hc_json_get_string (id, "value");
      if (value == NULL)
        continue;
      g_string_append_printf (identifiers, "%s%s", identifiers->len ? " " : "", value);
      if (first_identifier == NULL)
        first_identifier = value;
      if (mrn == NULL && is_mrn (id))
        mrn = value;
    }
  if (mrn == NULL)
    mrn = first_identifier;

  array = hc_json_get_array (patient, "telecom");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *cp = hc_json_array_get_object (array, i);
      const char *system = hc_json_get_string (cp, "system");
      const char *value = hc_json_get_string (cp, "value");
      GString *digits;

      if (value == NULL || (system != NULL && strcmp (system, "phone") != 0 &&
                            strcmp (system, "sms") != 0))
        continue;
      if (phone == NULL)
        phone = value;
      /* as written ("(555) 014-2231") and as digits ("5550142231") */
      digits = g_string_new (NULL);
      for (const char *p = value; *p; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);
      g_string_append_printf (phones, "%s%s %s", phones->len ? " " : "", value, digits->str);
      g_string_free (digits, TRUE);
    }

  if (birth_date != NULL)
    {
      /* ISO and US order, so "1970-03" and "03/15/1970" both find it */
      g_auto(GStrv) parts = g_strsplit (birth_date, "-", 3);
      if (g_strv_length (parts) == 3)
        birth_tokens = g_strdup_printf ("%s %s/%s/%s %s%s%s", birth_date, parts[1], parts[2], parts[0],
                                        parts[0], parts[1], parts[2]);
      else
        birth_tokens = g_strdup (birth_date);
    }

  sort_source = g_strdup_printf ("%s %s", family ? family : "", given->str);
  {
    g_autofree char *ascii = transliterate (sort_source);
    sort_key = _hc_store_fold (ascii ? ascii : sort_source);
  }

  stmt = _hc_store_stmt (w, "INSERT OR REPLACE INTO patient (rid, family, given, birth_date, "
                            "gender, mrn, phone, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  sqlite3_bind_text (stmt, 2, family, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, given->len ? given->str : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, birth_date, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, hc_json_get_string (patient, "gender"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, mrn, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, phone, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, sort_key, -1, SQLITE_STATIC);
  if (!_hc_store_step_done (w, stmt, "patient index", error))
    return FALSE;

  stmt = _hc_store_stmt (w, "DELETE FROM patient_fts WHERE rowid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (!_hc_store_step_done (w, stmt, "patient search index", error))
    return FALSE;

  stmt = _hc_store_stmt (w, "INSERT INTO patient_fts (rowid, name, identifier, birthdate, phone) "
                            "VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  sqlite3_bind_text (stmt, 2, names->str, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, identifiers->str, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, birth_tokens ? birth_tokens : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, phones->str, -1, SQLITE_STATIC);
  return _hc_store_step_done (w, stmt, "patient search index", error);
}

gboolean
_hc_store_unindex_patient (HcStoreWorker  *w,
                           gint64          rid,
                           GError        **error)
{
  sqlite3_stmt *stmt;

  stmt = _hc_store_stmt (w, "DELETE FROM patient WHERE rid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (!_hc_store_step_done (w, stmt, "patient index", error))
    return FALSE;
  stmt = _hc_store_stmt (w, "DELETE FROM patient_fts WHERE rowid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  return _hc_store_step_done (w, stmt, "patient search index", error);
}

/* A date as typed ("1970-03", "1970-03-1", "03/15/1970") as the one token the index also
 * holds for every birth date ("19700315"), or NULL. A phrase of the date's parts would match
 * too, but "03"* is in a large share of all rows and makes the query slow. */
static char *
compact_date (const char *word)
{
  gsize n = strlen (word);

  if (n >= 5 && n <= 10 && g_ascii_isdigit (word[0]) && g_ascii_isdigit (word[1]) &&
      g_ascii_isdigit (word[2]) && g_ascii_isdigit (word[3]) && word[4] == '-')
    {
      /* YYYY-, YYYY-MM, YYYY-MM-, YYYY-MM-D, YYYY-MM-DD */
      static const char shape[] = "dddd-dd-dd";
      for (gsize i = 0; i < n; i++)
        if (shape[i] == 'd' ? !g_ascii_isdigit (word[i]) : word[i] != '-')
          return NULL;
      if (n == 6)
        return NULL;   /* "1970-0": the month is not known yet */
      {
        GString *out = g_string_new (NULL);
        for (gsize i = 0; i < n; i++)
          if (word[i] != '-')
            g_string_append_c (out, word[i]);
        return g_string_free (out, FALSE);
      }
    }
  if (n == 10 && word[2] == '/' && word[5] == '/')
    {
      for (gsize i = 0; i < n; i++)
        if (i != 2 && i != 5 && !g_ascii_isdigit (word[i]))
          return NULL;
      return g_strdup_printf ("%.4s%.2s%.2s", word + 6, word, word + 3);
    }
  return NULL;
}

/* Each word of the query becomes a quoted FTS5 phrase with a prefix star: "smi"* "jo"*.
 * The tokenizer splits a word such as 1970-03 into a phrase "1970 03"* within the string, so
 * punctuation in dates, MRNs and phone numbers works as typed. */
static char *
build_match (const char *query)
{
  g_auto(GStrv) words = g_strsplit_set (query, " \t\r\n,;", -1);
  GString *match = g_string_new (NULL);

  for (guint i = 0; words[i]; i++)
    {
      gboolean has_token = FALSE;

      for (const char *p = words[i]; *p; p = g_utf8_next_char (p))
        if (g_unichar_isalnum (g_utf8_get_char (p)))
          {
            has_token = TRUE;
            break;
          }
      if (!has_token)
        continue;
      {
        g_autofree char *date = compact_date (words[i]);
        if (date != NULL)
          {
            g_string_append_printf (match, "%s\"%s\"*", match->len ? " " : "", date);
            continue;
          }
      }
      g_string_append (match, match->len ? " \"" : "\"");
      for (const char *p = words[i]; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (match, '"');
          g_string_append_c (match, *p);
        }
      g_string_append (match, "\"*");
    }
  if (match->len == 0)
    {
      g_string_free (match, TRUE);
      return NULL;
    }
  return g_string_free (match, FALSE);
}

/* Ranking is exact up to this many matches. A broader query (one or two letters in a panel
 * of 100,000) lists patients by name instead: ranking thousands of "s" matches by bm25 costs
 * tens of milliseconds and tells nobody anything. */
#define RANK_CAP 1000

#define PATIENT_COLUMNS "r.id, p.family, p.given, p.birth_date, p.gender, p.mrn, p.phone"

static HcPatient *
patient_from_row (sqlite3_stmt *stmt,
                  int           first)
{
#define COL(i) ((const char *) sqlite3_column_text (stmt, first + i))
  return hc_patient_new (COL (0), COL (1), COL (2), COL (3), COL (4), COL (5), COL (6));
#undef COL
}

/* The words of a query as the sort key spells them. */
static GPtrArray *
folded_words (const char *query)
{
  g_auto(GStrv) words = g_strsplit_set (query, " \t\r\n,;", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; words[i]; i++)
    {
      g_autofree char *ascii = NULL;

      if (words[i][0] == '\0')
        continue;
      ascii = transliterate (words[i]);
      g_ptr_array_add (out, _hc_store_fold (ascii ? ascii : words[i]));
    }
  return out;
}

/* Whether @word is a prefix of a token of the sort key (tokens split at non-alphanumerics). */
static gboolean
key_has_prefix (const char *key,
                const char *word)
{
  gsize n = strlen (word);

  for (const char *p = key; *p; )
    {
      if (strncmp (p, word, n) == 0)
        return TRUE;
      /* to the next token */
      while (*p && g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      while (*p && !g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
    }
  return FALSE;
}

/* Broad queries: patients whose name starts with the first word and whose name has the other
 * words, in name order, straight off the sort-key index; then, if that is not enough, any
 * other matches (given names, identifiers, phones) in store order. */
static gboolean
search_broad (HcStoreWorker  *w,
              const char     *query,
              const char     *match,
              guint           limit,
              GPtrArray      *rows,
              GError        **error)
{
  g_autoptr(GPtrArray) words = folded_words (query);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *hi = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (words->len > 0)
    {
      hi = g_strconcat (words->pdata[0], "\xf4\x8f\xbf\xbf", NULL);
      stmt = _hc_store_stmt (w, "SELECT p.sort_key, " PATIENT_COLUMNS " FROM patient p "
                                "JOIN resource r ON r.rid = p.rid "
                                "WHERE p.sort_key >= ?1 AND p.sort_key < ?2 ORDER BY p.sort_key", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, words->pdata[0], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, hi, -1, SQLITE_STATIC);
      while (rows->len < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *key = (const char *) sqlite3_column_text (stmt, 0);
          gboolean all = TRUE;
          HcPatient *patient;

          for (guint i = 1; i < words->len && all; i++)
            all = key_has_prefix (key, words->pdata[i]);
          if (!all)
            continue;
          patient = patient_from_row (stmt, 1);
          g_hash_table_add (seen, (gpointer) hc_patient_get_id (patient));
          g_ptr_array_add (rows, patient);
        }
      sqlite3_reset (stmt);
    }
  if (rows->len >= limit)
    return TRUE;

  stmt = _hc_store_stmt (w, "SELECT " PATIENT_COLUMNS " FROM (SELECT rowid FROM patient_fts "
                            "  WHERE patient_fts MATCH ?2 LIMIT ?1) f "
                            "JOIN patient p ON p.rid = f.rowid JOIN resource r ON r.rid = p.rid",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) MIN (2 * limit, G_MAXINT / 2));
  sqlite3_bind_text (stmt, 2, match, -1, SQLITE_STATIC);
  while (rows->len < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (g_hash_table_contains (seen, sqlite3_column_text (stmt, 0)))
        continue;
      g_ptr_array_add (rows, patient_from_row (stmt, 0));
    }
  sqlite3_reset (stmt);
  return TRUE;
}

GListModel *
_hc_store_search_patients (HcStoreWorker  *w,
                           const char     *query,
                           guint           limit,
                           GError        **error)
{
  g_autoptr(GListStore) store = g_list_store_new (HC_TYPE_PATIENT);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!g_utf8_validate (query ? query : "", -1, NULL))
    {
      g_set_error_literal (error, HC_STORE_ERROR, HC_STORE_ERROR_INVALID,
                           "the search text is not valid UTF-8");
      return NULL;
    }
  if (limit == 0)
    limit = 200;
  match = query ? build_match (query) : NULL;

  if (match != NULL)
    {
      gint64 matches = 0;

      /* how broad is it? stops counting at the cap */
      stmt = _hc_store_stmt (w, "SELECT COUNT(*) FROM (SELECT rowid FROM patient_fts "
                                "WHERE patient_fts MATCH ?1 LIMIT ?2)", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 2, RANK_CAP);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        matches = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        return _hc_store_sqlite_error (w, rc, "search", error), NULL;

      if (matches >= RANK_CAP)
        {
          if (!search_broad (w, query, match, limit, rows, error))
            return NULL;
          goto done;
        }
    }

  if (match == NULL)
    stmt = _hc_store_stmt (w, "SELECT " PATIENT_COLUMNS " FROM patient p "
                              "JOIN resource r ON r.rid = p.rid "
                              "ORDER BY p.sort_key, p.rid LIMIT ?1", error);
  else
    stmt = _hc_store_stmt (w, "SELECT " PATIENT_COLUMNS " FROM (SELECT rowid, rank FROM patient_fts "
                              "  WHERE patient_fts MATCH ?2 "
                              "  ORDER BY rank LIMIT ?1) f "
                              "JOIN patient p ON p.rid = f.rowid JOIN resource r ON r.rid = p.rid "
                              "ORDER BY f.rank, p.sort_key", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, (int) MIN (limit, G_MAXINT));
  if (match != NULL)
    sqlite3_bind_text (stmt, 2, match, -1, SQLITE_STATIC);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, patient_from_row (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hc_store_sqlite_error (w, rc, "search", error);
      return NULL;
    }

done:
  /* one items-changed for the whole result */
  g_list_store_splice (store, 0, 0, rows->pdata, rows->len);
  return G_LIST_MODEL (g_steal_pointer (&store));
}
