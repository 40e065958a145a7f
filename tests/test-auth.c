/* test-auth.c: password hashing, tokens, the role matrix and login rate limiting
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hc-auth.h"
#include "hc-fhir.h"

#define SECOND G_USEC_PER_SEC

/* A base time far from zero, so that nothing depends on the clock starting at 0. */
#define T0 ((gint64) 1000000 * SECOND)

static const guint8 salt16[16] = {
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};

/* The fields of a hash string: iterations, decoded salt and hash. */
static void
split_hash (const char  *stored,
            guint       *iterations,
            GBytes     **salt,
            GBytes     **hash)
{
  g_auto(GStrv) fields = g_strsplit (stored, "$", -1);
  guint64 n = 0;
  guchar *data;
  gsize len;

  g_assert_cmpuint (g_strv_length (fields), ==, 4);
  g_assert_cmpstr (fields[0], ==, "pbkdf2-sha256");
  g_assert_true (g_ascii_string_to_unsigned (fields[1], 10, 1, G_MAXUINT, &n, NULL));
  *iterations = (guint) n;
  data = g_base64_decode (fields[2], &len);
  *salt = g_bytes_new_take (data, len);
  data = g_base64_decode (fields[3], &len);
  *hash = g_bytes_new_take (data, len);
}

static char *
to_hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  return g_string_free (hex, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Passwords */

static void
test_pbkdf2_known_answers (void)
{
  /* PBKDF2-HMAC-SHA256, the first 32 bytes of the output: RFC 7914 §11, and the widely
   * published vectors in the style of RFC 6070. */
  static const struct
  {
    const char *password;
    const char *salt;
    guint       iterations;
    const char *hex;
  } vectors[] = {
    { "passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc" },
    { "password", "salt", 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b" },
    { "password", "salt", 2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43" },
    { "password", "salt", 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a" },
    { "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096,
      "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *stored = NULL;
      g_autoptr(GBytes) salt = NULL;
      g_autoptr(GBytes) hash = NULL;
      g_autofree char *hex = NULL;
      guint iterations = 0;

      stored = _hc_auth_hash_password_with (vectors[i].password, (const guint8 *) vectors[i].salt,
                                            strlen (vectors[i].salt), vectors[i].iterations);
      g_assert_nonnull (stored);
      split_hash (stored, &iterations, &salt, &hash);
      g_assert_cmpuint (iterations, ==, vectors[i].iterations);
      g_assert_cmpmem (g_bytes_get_data (salt, NULL), g_bytes_get_size (salt),
                       vectors[i].salt, strlen (vectors[i].salt));
      hex = to_hex (hash);
      g_assert_cmpstr (hex, ==, vectors[i].hex);

      /* Salts shorter than 8 bytes are refused when verifying; the long one verifies. */
      g_assert_cmpint (hc_auth_verify_password (vectors[i].password, stored), ==,
                       strlen (vectors[i].salt) >= 8);
    }
}

static void
test_hash_verify (void)
{
  static const char * const passwords[] = {
    "correct horse battery staple",
    "Zoë Müller-Nguyễn 中文 ✓",
    "x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (passwords); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *stored = NULL;
      g_autoptr(GBytes) salt = NULL;
      g_autoptr(GBytes) hash = NULL;
      g_autofree char *wrong = NULL;
      guint iterations = 0;
      gint64 start;

      start = g_get_monotonic_time ();
      stored = hc_auth_hash_password (passwords[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (stored);
      if (i == 0)
        g_test_message ("hc_auth_hash_password: %.3f s",
                        (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

      g_assert_true (g_str_has_prefix (stored, "pbkdf2-sha256$600000$"));
      if (strlen (passwords[i]) > 8)
        g_assert_null (strstr (stored, passwords[i]));
      split_hash (stored, &iterations, &salt, &hash);
      g_assert_cmpuint (iterations, ==, HC_AUTH_PBKDF2_ITERATIONS);
      g_assert_cmpuint (g_bytes_get_size (salt), ==, 16);
      g_assert_cmpuint (g_bytes_get_size (hash), ==, 32);

      start = g_get_monotonic_time ();
      g_assert_true (hc_auth_verify_password (passwords[i], stored));
      if (i == 0)
        g_test_message ("hc_auth_verify_password: %.3f s",
                        (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

      /* One character more, one fewer, a different case. */
      wrong = g_strconcat (passwords[i], " ", NULL);
      g_assert_false (hc_auth_verify_password (wrong, stored));
      if (strlen (passwords[i]) > 1)
        {
          wrong[strlen (passwords[i]) - 1] = '\0';
          g_assert_false (hc_auth_verify_password (wrong, stored));
        }
      g_assert_false (hc_auth_verify_password ("", stored));
      g_assert_false (hc_auth_verify_password (NULL, stored));
    }
}

static void
test_wrong_password (void)
{
  g_autofree char *stored = _hc_auth_hash_password_with ("Secret", salt16, sizeof salt16, 1000);

  g_assert_true (hc_auth_verify_password ("Secret", stored));
  g_assert_false (hc_auth_verify_password ("secret", stored));
  g_assert_false (hc_auth_verify_password ("SECRET", stored));
  g_assert_false (hc_auth_verify_password ("Secret\n", stored));
  g_assert_false (hc_auth_verify_password ("Secre", stored));
  g_assert_false (hc_auth_verify_password ("Secret ", stored));
}

static void
test_salted (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = hc_auth_hash_password ("same password", &error);
  g_autofree char *b = NULL;
  g_autoptr(GBytes) salt_a = NULL;
  g_autoptr(GBytes) salt_b = NULL;
  g_autoptr(GBytes) hash_a = NULL;
  g_autoptr(GBytes) hash_b = NULL;
  guint iterations;

  g_assert_no_error (error);
  b = hc_auth_hash_password ("same password", &error);
  g_assert_no_error (error);

  g_assert_cmpstr (a, !=, b);
  split_hash (a, &iterations, &salt_a, &hash_a);
  split_hash (b, &iterations, &salt_b, &hash_b);
  g_assert_false (g_bytes_equal (salt_a, salt_b));
  g_assert_false (g_bytes_equal (hash_a, hash_b));
}

static void
test_empty_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = hc_auth_hash_password ("", &error);

  g_assert_error (error, HC_AUTH_ERROR, HC_AUTH_ERROR_INVALID);
  g_assert_null (stored);
}

static void
test_old_iterations (void)
{
  static const guint counts[] = { 1, 1000, 10000, 100000 };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autofree char *stored = _hc_auth_hash_password_with ("legacy", salt16, sizeof salt16,
                                                             counts[i]);
      g_autofree char *prefix = g_strdup_printf ("pbkdf2-sha256$%u$", counts[i]);

      g_assert_true (g_str_has_prefix (stored, prefix));
      g_assert_true (hc_auth_verify_password ("legacy", stored));
      g_assert_false (hc_auth_verify_password ("Legacy", stored));
    }
}

static void
test_malformed (void)
{
  static const char * const garbage[] = {
    "", "$", "$$$", "pbkdf2-sha256", "pbkdf2-sha256$", "pbkdf2-sha256$$$",
    "pbkdf2-sha256$1000$$",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$",
    "pbkdf2-sha256$1000$$ABEiM0RVZneImaq7zN3u/w==",
    "pbkdf2-sha512$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "PBKDF2-SHA256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$0$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$-1$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$+1$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$ 1$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1e3$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$0x10$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    /* above HC_AUTH_PBKDF2_MAX_ITERATIONS, and overflowing 64 bits: refused, not computed */
    "pbkdf2-sha256$10000001$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$4294967297$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$99999999999999999999999$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    /* salt: too short (4 bytes), bad characters, base64url, unpadded, non-canonical bits */
    "pbkdf2-sha256$1000$c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w=*$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u_w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/x==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$AB=iM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2-sha256$1000$===$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    /* hash: 31 and 33 bytes, unpadded, an extra field, trailing newline */
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$",
    "pbkdf2-sha256$1000$ABEiM0RVZneImaq7zN3u/w==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    "bcrypt$2b$12$abcdefghijklmnopqrstuv",
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "correct horse battery staple",
  };
  g_autofree char *stored = _hc_auth_hash_password_with ("secret", salt16, sizeof salt16, 1000);
  g_autofree char *huge = NULL;
  gsize len = strlen (stored);
  GRand *rand;

  g_assert_true (hc_auth_verify_password ("secret", stored));
  g_assert_false (hc_auth_verify_password ("secret", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_test_message ("garbage %u", i);
      g_assert_false (hc_auth_verify_password ("secret", garbage[i]));
    }

  /* Every truncation. */
  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *truncated = g_strndup (stored, i);

      g_assert_false (hc_auth_verify_password ("secret", truncated));
    }

  /* Every single-character change, including to the unused low bits of base64. */
  for (gsize i = 0; i < len; i++)
    {
      static const char replacements[] = "AaBbQw09+/=$-_ \x01\x7f\xff";

      for (gsize r = 0; r < sizeof replacements - 1; r++)
        {
          g_autofree char *tampered = g_strdup (stored);

          if (tampered[i] == replacements[r])
            continue;
          tampered[i] = replacements[r];
          g_assert_false (hc_auth_verify_password ("secret", tampered));
        }
    }

  /* Random strings near the format. */
  rand = g_rand_new_with_seed (20260101);
  for (guint i = 0; i < 5000; i++)
    {
      static const char alphabet[] = "pbkdf2-sha256$0123456789AZaz+/=\x80";
      GString *s = g_string_new (i % 2 ? "pbkdf2-sha256$" : NULL);
      guint n = g_rand_int_range (rand, 0, 100);

      for (guint j = 0; j < n; j++)
        g_string_append_c (s, alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)]);
      g_assert_false (hc_auth_verify_password ("secret", s->str));
      g_string_free (s, TRUE);
    }
  g_rand_free (rand);

  /* A megabyte of base64. */
  huge = g_strnfill (1 << 20, 'A');
  memcpy (huge, "pbkdf2-sha256$1000$", strlen ("pbkdf2-sha256$1000$"));
  g_assert_false (hc_auth_verify_password ("secret", huge));
}

static gpointer
dummy_thread (gpointer data)
{
  return (gpointer) hc_auth_dummy_hash ();
}

static void
test_dummy_hash (void)
{
  GThread *threads[4];
  const char *dummy;
  g_autoptr(GBytes) salt = NULL;
  g_autoptr(GBytes) hash = NULL;
  guint iterations;

  /* Made once, whoever asks first. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("dummy", dummy_thread, NULL);
  dummy = hc_auth_dummy_hash ();
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (g_thread_join (threads[i]) == dummy);
  g_assert_true (hc_auth_dummy_hash () == dummy);

  /* As costly as a real hash, and nothing matches it. */
  split_hash (dummy, &iterations, &salt, &hash);
  g_assert_cmpuint (iterations, ==, HC_AUTH_PBKDF2_ITERATIONS);
  g_assert_cmpuint (g_bytes_get_size (salt), ==, 16);
  g_assert_cmpuint (g_bytes_get_size (hash), ==, 32);
  g_assert_false (hc_auth_verify_password ("password", dummy));
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens */

static void
test_tokens (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 10000; i++)
    {
      char *token = hc_auth_new_token ();

      g_assert_cmpuint (strlen (token), ==, 43);
      for (const char *p = token; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
      g_assert_true (g_hash_table_add (seen, token));

      /* 32 bytes: decoded and re-encoded it is the same token. */
      if (i < 100)
        {
          g_autofree char *standard = g_strconcat (token, "=", NULL);
          g_autofree guchar *bytes = NULL;
          g_autofree char *again = NULL;
          gsize len;

          g_strdelimit (standard, "-", '+');
          g_strdelimit (standard, "_", '/');
          bytes = g_base64_decode (standard, &len);
          g_assert_cmpuint (len, ==, 32);
          again = g_base64_encode (bytes, len);
          g_assert_cmpstr (again, ==, standard);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10000);
}

static void
test_token_hash (void)
{
  g_autofree char *token = hc_auth_new_token ();
  g_autofree char *other = hc_auth_new_token ();
  g_autofree char *hash = hc_auth_token_hash (token);
  g_autofree char *again = hc_auth_token_hash (token);
  g_autofree char *other_hash = hc_auth_token_hash (other);
  g_autofree char *abc = hc_auth_token_hash ("abc");

  g_assert_cmpuint (strlen (hash), ==, 64);
  for (const char *p = hash; *p; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  g_assert_cmpstr (hash, ==, again);
  g_assert_cmpstr (hash, !=, other_hash);
  g_assert_null (strstr (hash, token));

  /* FIPS 180-2 appendix B.1 */
  g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ------------------------------------------------------------------------------------------ */
/* Roles */

static void
test_role_names (void)
{
  static const struct
  {
    const char *name;
    HcRole      role;
  } roles[] = {
    { "physician", HC_ROLE_PHYSICIAN },
    { "nurse", HC_ROLE_NURSE },
    { "front-desk", HC_ROLE_FRONT_DESK },
    { "admin", HC_ROLE_ADMIN },
  };
  static const char * const unknown[] = {
    "", "Physician", "NURSE", "front_desk", "frontdesk", "front desk", "admin ", " admin",
    "administrator", "root", "doctor", "physician\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      HcRole role = (HcRole) -1;

      g_assert_true (hc_role_from_string (roles[i].name, &role));
      g_assert_cmpint (role, ==, roles[i].role);
      g_assert_cmpstr (hc_role_to_string (role), ==, roles[i].name);
      g_assert_true (hc_role_from_string (roles[i].name, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      HcRole role = HC_ROLE_ADMIN;

      g_assert_false (hc_role_from_string (unknown[i], &role));
      g_assert_cmpint (role, ==, HC_ROLE_ADMIN);
    }
  g_assert_false (hc_role_from_string (NULL, NULL));
}

/* The matrix of hc-auth.h, restated: for each type, a string per role "physician nurse
 * front-desk admin" of "RW", "R " or "  ". */
static const struct
{
  const char *type;
  const char *access[4];
} expected_matrix[] = {
  { "AllergyIntolerance", { "RW", "RW", "  ", "  " } },
  { "Appointment",        { "RW", "RW", "RW", "  " } },
  { "AuditEvent",         { "  ", "  ", "  ", "R " } },
  { "Communication",      { "RW", "RW", "  ", "  " } },
  { "Composition",        { "RW", "R ", "  ", "  " } },
  { "Condition",          { "RW", "R ", "  ", "  " } },
  { "Coverage",           { "RW", "R ", "RW", "  " } },
  { "DiagnosticReport",   { "RW", "R ", "  ", "  " } },
  { "Encounter",          { "RW", "RW", "  ", "  " } },
  { "MedicationRequest",  { "RW", "R ", "  ", "  " } },
  { "Observation",        { "RW", "RW", "  ", "  " } },
  { "Organization",       { "RW", "R ", "RW", "RW" } },
  { "Patient",            { "RW", "RW", "RW", "  " } },
  { "Practitioner",       { "R ", "R ", "R ", "RW" } },
  { "Provenance",         { "RW", "RW", "  ", "  " } },
  { "ServiceRequest",     { "RW", "R ", "  ", "  " } },
  { "Task",               { "RW", "RW", "RW", "  " } },
};

static void
test_role_matrix (void)
{
  const char * const *types = hc_fhir_resource_types ();
  static const HcRole all[] = {
    HC_ROLE_PHYSICIAN, HC_ROLE_NURSE, HC_ROLE_FRONT_DESK, HC_ROLE_ADMIN
  };

  /* Every stored type has a row, and every row is a stored type. */
  g_assert_cmpuint (g_strv_length ((char **) types), ==, G_N_ELEMENTS (expected_matrix));
  for (guint i = 0; i < G_N_ELEMENTS (expected_matrix); i++)
    g_assert_true (g_strv_contains (types, expected_matrix[i].type));

  for (guint i = 0; i < G_N_ELEMENTS (expected_matrix); i++)
    for (guint r = 0; r < G_N_ELEMENTS (all); r++)
      {
        const char *access = expected_matrix[i].access[r];

        g_test_message ("%s %s", expected_matrix[i].type, hc_role_to_string (all[r]));
        g_assert_cmpint (hc_role_allows (all[r], expected_matrix[i].type, HC_ACCESS_READ), ==,
                         access[0] == 'R');
        g_assert_cmpint (hc_role_allows (all[r], expected_matrix[i].type, HC_ACCESS_WRITE), ==,
                         access[1] == 'W');
        /* Nobody writes what they cannot read. */
        if (access[1] == 'W')
          g_assert_cmpint (access[0], ==, 'R');
      }
}

static void
test_role_cases (void)
{
  static const char * const unknown_types[] = {
    "", "patient", "PATIENT", "Patient ", " Patient", "Patient/1", "Medication", "Binary",
    "Bundle", "OperationOutcome", "Person", "RelatedPerson", "Consent",
  };
  static const HcRole all[] = {
    HC_ROLE_PHYSICIAN, HC_ROLE_NURSE, HC_ROLE_FRONT_DESK, HC_ROLE_ADMIN
  };

  /* Front desk: no clinical data; registration and scheduling. */
  for (guint i = 0; i < 2; i++)
    {
      HcAccess access = i == 0 ? HC_ACCESS_READ : HC_ACCESS_WRITE;

      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "Composition", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "Observation", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "MedicationRequest", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "Condition", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "AllergyIntolerance", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "DiagnosticReport", access));
      g_assert_false (hc_role_allows (HC_ROLE_FRONT_DESK, "ServiceRequest", access));
      g_assert_true (hc_role_allows (HC_ROLE_FRONT_DESK, "Patient", access));
      g_assert_true (hc_role_allows (HC_ROLE_FRONT_DESK, "Appointment", access));
      g_assert_true (hc_role_allows (HC_ROLE_FRONT_DESK, "Coverage", access));
    }

  /* Admin: users, not charts. */
  g_assert_false (hc_role_allows (HC_ROLE_ADMIN, "Patient", HC_ACCESS_READ));
  g_assert_false (hc_role_allows (HC_ROLE_ADMIN, "Composition", HC_ACCESS_READ));
  g_assert_true (hc_role_allows (HC_ROLE_ADMIN, "Practitioner", HC_ACCESS_WRITE));
  g_assert_true (hc_role_allows (HC_ROLE_ADMIN, "AuditEvent", HC_ACCESS_READ));

  /* Nurse: no prescribing, ordering or signing. */
  g_assert_false (hc_role_allows (HC_ROLE_NURSE, "MedicationRequest", HC_ACCESS_WRITE));
  g_assert_false (hc_role_allows (HC_ROLE_NURSE, "ServiceRequest", HC_ACCESS_WRITE));
  g_assert_false (hc_role_allows (HC_ROLE_NURSE, "Composition", HC_ACCESS_WRITE));
  g_assert_true (hc_role_allows (HC_ROLE_NURSE, "MedicationRequest", HC_ACCESS_READ));
  g_assert_true (hc_role_allows (HC_ROLE_NURSE, "Observation", HC_ACCESS_WRITE));

  for (guint r = 0; r < G_N_ELEMENTS (all); r++)
    {
      /* Server-owned types. */
      g_assert_false (hc_role_allows (all[r], "AuditEvent", HC_ACCESS_WRITE));

      for (guint i = 0; i < G_N_ELEMENTS (unknown_types); i++)
        {
          g_assert_false (hc_role_allows (all[r], unknown_types[i], HC_ACCESS_READ));
          g_assert_false (hc_role_allows (all[r], unknown_types[i], HC_ACCESS_WRITE));
        }
      g_assert_false (hc_role_allows (all[r], NULL, HC_ACCESS_READ));
      g_assert_false (hc_role_allows (all[r], "Patient", (HcAccess) 7));
    }

  /* A value that is not a role. */
  g_assert_false (hc_role_allows ((HcRole) 4, "Patient", HC_ACCESS_READ));
  g_assert_false (hc_role_allows ((HcRole) -1, "Patient", HC_ACCESS_READ));
}

/* ------------------------------------------------------------------------------------------ */
/* Rate limiting */

static void
test_rate_limit (void)
{
  g_autoptr(HcRateLimiter) limiter = hc_rate_limiter_new (5, 60);
  gint64 retry = -1;

  g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0, &retry));
  g_assert_cmpint (retry, ==, 0);

  /* Failures at T0 … T0+4 s: four are allowed, the fifth blocks. */
  for (guint i = 0; i < 5; i++)
    {
      g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0 + i * SECOND, &retry));
      g_assert_cmpint (retry, ==, 0);
      hc_rate_limiter_failure (limiter, "user:alice", T0 + i * SECOND);
    }
  g_assert_false (hc_rate_limiter_check (limiter, "user:alice", T0 + 5 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 55 * SECOND);
  g_assert_false (hc_rate_limiter_check (limiter, "user:alice", T0 + 5 * SECOND, NULL));

  /* Other keys are not affected. */
  g_assert_true (hc_rate_limiter_check (limiter, "user:bob", T0 + 5 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 0);
  g_assert_true (hc_rate_limiter_check (limiter, "user:alice ", T0 + 5 * SECOND, NULL));
  g_assert_true (hc_rate_limiter_check (limiter, "ip:127.0.0.1", T0 + 5 * SECOND, NULL));

  /* Blocked until the first failure leaves the window, to the microsecond. */
  g_assert_false (hc_rate_limiter_check (limiter, "user:alice", T0 + 60 * SECOND - 1, &retry));
  g_assert_cmpint (retry, ==, 1);
  g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0 + 60 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 0);

  /* The window slides: four failures still count, so one more blocks again, until T0+1 s's
   * failure leaves. */
  hc_rate_limiter_failure (limiter, "user:alice", T0 + 60 * SECOND);
  g_assert_false (hc_rate_limiter_check (limiter, "user:alice", T0 + 60 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 1 * SECOND);
  g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0 + 61 * SECOND, NULL));

  /* Once every failure has left the window the key is forgotten. */
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 1);
  g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0 + 120 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 0);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 0);

  /* Success clears. */
  for (guint i = 0; i < 5; i++)
    hc_rate_limiter_failure (limiter, "user:alice", T0 + 200 * SECOND);
  g_assert_false (hc_rate_limiter_check (limiter, "user:alice", T0 + 200 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 60 * SECOND);
  hc_rate_limiter_success (limiter, "user:alice");
  g_assert_true (hc_rate_limiter_check (limiter, "user:alice", T0 + 200 * SECOND, &retry));
  g_assert_cmpint (retry, ==, 0);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 0);
  hc_rate_limiter_success (limiter, "user:nobody");

  /* One failure allowed. */
  {
    g_autoptr(HcRateLimiter) strict = hc_rate_limiter_new (1, 1);

    hc_rate_limiter_failure (strict, "k", T0);
    g_assert_false (hc_rate_limiter_check (strict, "k", T0, &retry));
    g_assert_cmpint (retry, ==, SECOND);
    g_assert_true (hc_rate_limiter_check (strict, "k", T0 + SECOND, NULL));
  }
}

static void
test_rate_limit_prune (void)
{
  g_autoptr(HcRateLimiter) limiter = hc_rate_limiter_new (3, 10);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *key = g_strdup_printf ("user:u%u", i);

      hc_rate_limiter_failure (limiter, key, T0 + i);
    }
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 1000);

  /* Another failure after the window takes the expired keys with it, except those still in it. */
  hc_rate_limiter_failure (limiter, "user:late", T0 + 10 * SECOND + 499);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 500 + 1);
  hc_rate_limiter_failure (limiter, "user:late", T0 + 20 * SECOND);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 1);
}

static void
test_rate_limit_bounded (void)
{
  g_autoptr(HcRateLimiter) limiter = hc_rate_limiter_new (5, 900);
  g_autofree char *long_a = g_strnfill (100000, 'a');
  g_autofree char *long_b = g_strnfill (100000, 'a');

  /* A million usernames from one address within the window: the table stays capped, and the
   * address, failing all along, stays blocked. */
  for (guint i = 0; i < 1000000; i++)
    {
      char key[32];

      g_snprintf (key, sizeof key, "user:%u", i);
      hc_rate_limiter_failure (limiter, key, T0 + i);
      hc_rate_limiter_failure (limiter, "ip:203.0.113.9", T0 + i);
      if (i % 100000 == 0)
        g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), <=, HC_RATE_LIMITER_MAX_KEYS);
    }
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, HC_RATE_LIMITER_MAX_KEYS);
  g_assert_false (hc_rate_limiter_check (limiter, "ip:203.0.113.9", T0 + 1000000, NULL));
  /* the most recent usernames are still known, the first ones were forgotten */
  hc_rate_limiter_failure (limiter, "user:999999", T0 + 1000000);
  hc_rate_limiter_failure (limiter, "user:0", T0 + 1000000);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, HC_RATE_LIMITER_MAX_KEYS);

  /* Long keys are kept, by their hash, and stay distinct. */
  long_b[99999] = 'b';
  for (guint i = 0; i < 5; i++)
    hc_rate_limiter_failure (limiter, long_a, T0 + 2000000);
  g_assert_false (hc_rate_limiter_check (limiter, long_a, T0 + 2000000, NULL));
  g_assert_true (hc_rate_limiter_check (limiter, long_b, T0 + 2000000, NULL));

  /* All of it expires. */
  hc_rate_limiter_failure (limiter, "user:x", T0 + 1000 * SECOND);
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), ==, 1);
}

typedef struct
{
  HcRateLimiter *limiter;
  guint          index;
} ThreadData;

static gpointer
rate_limit_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < 20000; i++)
    {
      char key[32];

      g_snprintf (key, sizeof key, "user:%u:%u", data->index, i % 100);
      hc_rate_limiter_failure (data->limiter, "ip:shared", T0 + i);
      hc_rate_limiter_failure (data->limiter, key, T0 + i);
      hc_rate_limiter_check (data->limiter, key, T0 + i, NULL);
      if (i % 7 == 0)
        hc_rate_limiter_success (data->limiter, key);
    }
  return NULL;
}

static void
test_rate_limit_threads (void)
{
  g_autoptr(HcRateLimiter) limiter = hc_rate_limiter_new (10, 60);
  ThreadData data[8];
  GThread *threads[8];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      data[i] = (ThreadData) { limiter, i };
      threads[i] = g_thread_new ("limiter", rate_limit_thread, &data[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_false (hc_rate_limiter_check (limiter, "ip:shared", T0 + 20000, NULL));
  g_assert_cmpuint (hc_rate_limiter_get_n_keys (limiter), <=, 8 * 100 + 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hc/server/auth/pbkdf2-known-answers", test_pbkdf2_known_answers);
  g_test_add_func ("/hc/server/auth/hash-verify", test_hash_verify);
  g_test_add_func ("/hc/server/auth/wrong-password", test_wrong_password);
  g_test_add_func ("/hc/server/auth/salted", test_salted);
  g_test_add_func ("/hc/server/auth/empty-password", test_empty_password);
  g_test_add_func ("/hc/server/auth/old-iterations", test_old_iterations);
  g_test_add_func ("/hc/server/auth/malformed", test_malformed);
  g_test_add_func ("/hc/server/auth/dummy-hash", test_dummy_hash);
  g_test_add_func ("/hc/server/auth/tokens", test_tokens);
  g_test_add_func ("/hc/server/auth/token-hash", test_token_hash);
  g_test_add_func ("/hc/server/auth/role-names", test_role_names);
  g_test_add_func ("/hc/server/auth/role-matrix", test_role_matrix);
  g_test_add_func ("/hc/server/auth/role-cases", test_role_cases);
  g_test_add_func ("/hc/server/auth/rate-limit", test_rate_limit);
  g_test_add_func ("/hc/server/auth/rate-limit-prune", test_rate_limit_prune);
  g_test_add_func ("/hc/server/auth/rate-limit-bounded", test_rate_limit_bounded);
  g_test_add_func ("/hc/server/auth/rate-limit-threads", test_rate_limit_threads);

  return g_test_run ();
}
