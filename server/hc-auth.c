/* hc-auth.c: passwords, tokens, roles and login rate limiting for the server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-auth"

#include "config.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "hc-auth.h"

#define SCHEME          "pbkdf2-sha256"
#define SALT_LEN        16
#define HASH_LEN        32
#define MIN_SALT_LEN    8
#define MAX_SALT_LEN    64
#define TOKEN_LEN       32
#define MAX_KEY_LEN     128

G_DEFINE_QUARK (hc-auth-error, hc_auth_error)

/* ------------------------------------------------------------------------------------------ */
/* Passwords */

static gboolean
pbkdf2 (const char   *password,
        const guint8 *salt,
        gsize         salt_len,
        guint         iterations,
        guint8        out[HASH_LEN])
{
  gnutls_datum_t key = { (unsigned char *) password, strlen (password) };
  gnutls_datum_t salt_datum = { (unsigned char *) salt, salt_len };
  int ret;

  ret = gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt_datum, iterations, out, HASH_LEN);
  if (ret < 0)
    {
      g_warning ("PBKDF2 failed: %s", gnutls_strerror (ret));
      gnutls_memset (out, 0, HASH_LEN);
      return FALSE;
    }
  return TRUE;
}

static char *
format_hash (const guint8 *salt,
             gsize         salt_len,
             guint         iterations,
             const guint8  hash[HASH_LEN])
{
  g_autofree char *salt_b64 = g_base64_encode (salt, salt_len);
  g_autofree char *hash_b64 = g_base64_encode (hash, HASH_LEN);
  char *result;

  result = g_strdup_printf (SCHEME "$%u$%s$%s", iterations, salt_b64, hash_b64);
  gnutls_memset (hash_b64, 0, strlen (hash_b64));
  return result;
}

/* Decodes standard base64 with padding into @out (at most @max bytes), accepting only the
 * canonical encoding: every character in the alphabet, the length a multiple of four, and the
 * unused bits of the last character zero (which re-encoding checks). */
static gboolean
decode_base64 (const char *text,
               gsize       text_len,
               guint8     *out,
               gsize       max,
               gsize      *out_len)
{
  g_autofree char *copy = NULL;
  g_autofree char *again = NULL;
  g_autofree guchar *decoded = NULL;
  gsize padding = 0;
  gsize len;

  if (text_len == 0 || text_len % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < text_len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i < text_len - 2)
            return FALSE;
          padding++;
        }
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return FALSE;
    }
  if (text_len / 4 * 3 - padding > max)
    return FALSE;

  copy = g_strndup (text, text_len);
  decoded = g_base64_decode (copy, &len);
  again = g_base64_encode (decoded, len);
  if (len > max || strcmp (again, copy) != 0)
    {
      gnutls_memset (decoded, 0, len);
      return FALSE;
    }
  memcpy (out, decoded, len);
  gnutls_memset (decoded, 0, len);
  *out_len = len;
  return TRUE;
}

/* Splits "pbkdf2-sha256$<iterations>$<salt>$<hash>"; FALSE unless every part is canonical. */
static gboolean
parse_hash (const char *stored,
            guint      *iterations,
            guint8      salt[MAX_SALT_LEN],
            gsize      *salt_len,
            guint8      hash[HASH_LEN])
{
  const char *p = stored;
  const char *end;
  guint64 n = 0;
  gsize hash_len = 0;

  if (!g_str_has_prefix (p, SCHEME "$"))
    return FALSE;
  p += strlen (SCHEME "$");

  /* Iterations: decimal, no sign, no leading zero, in range. */
  if (*p < '1' || *p > '9')
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      n = n * 10 + (guint64) (*p - '0');
      if (n > HC_AUTH_PBKDF2_MAX_ITERATIONS)
        return FALSE;
    }
  if (*p++ != '$')
    return FALSE;
  *iterations = (guint) n;

  end = strchr (p, '$');
  if (end == NULL || !decode_base64 (p, end - p, salt, MAX_SALT_LEN, salt_len)
      || *salt_len < MIN_SALT_LEN)
    return FALSE;
  p = end + 1;

  if (strchr (p, '$') != NULL || !decode_base64 (p, strlen (p), hash, HASH_LEN, &hash_len)
      || hash_len != HASH_LEN)
    {
      gnutls_memset (hash, 0, HASH_LEN);
      return FALSE;
    }
  return TRUE;
}

/**
 * hc_auth_hash_password:
 * @password: the password, not empty
 * @error: return location for a #GError
 *
 * Returns: (transfer full): "pbkdf2-sha256$600000$<salt>$<hash>" with a new random salt, or %NULL
 *   with @error set (%HC_AUTH_ERROR_INVALID for an empty password).
 */
char *
hc_auth_hash_password (const char  *password,
                       GError     **error)
{
  guint8 salt[SALT_LEN];
  char *result;
  int ret;

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*password == '\0')
    {
      g_set_error_literal (error, HC_AUTH_ERROR, HC_AUTH_ERROR_INVALID, "The password is empty");
      return NULL;
    }

  ret = gnutls_rnd (GNUTLS_RND_RANDOM, salt, sizeof salt);
  if (ret < 0)
    {
      g_set_error (error, HC_AUTH_ERROR, HC_AUTH_ERROR_FAILED,
                   "No random salt: %s", gnutls_strerror (ret));
      return NULL;
    }

  result = _hc_auth_hash_password_with (password, salt, sizeof salt, HC_AUTH_PBKDF2_ITERATIONS);
  if (result == NULL)
    g_set_error_literal (error, HC_AUTH_ERROR, HC_AUTH_ERROR_FAILED, "PBKDF2 failed");
  return result;
}

/**
 * _hc_auth_hash_password_with:
 *
 * Like hc_auth_hash_password() with the salt and iteration count given, for tests. Unlike it,
 * accepts an empty password and any salt length, so that published test vectors can be used.
 *
 * Returns: (transfer full) (nullable): the hash string, or %NULL if GnuTLS fails.
 */
char *
_hc_auth_hash_password_with (const char   *password,
                             const guint8 *salt,
                             gsize         salt_len,
                             guint         iterations)
{
  guint8 hash[HASH_LEN];
  char *result;

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (salt != NULL || salt_len == 0, NULL);
  g_return_val_if_fail (iterations > 0, NULL);

  if (!pbkdf2 (password, salt, salt_len, iterations, hash))
    return NULL;
  result = format_hash (salt, salt_len, iterations, hash);
  gnutls_memset (hash, 0, sizeof hash);
  return result;
}

/**
 * hc_auth_verify_password:
 * @password: (nullable): what the user typed
 * @stored: (nullable): a string from hc_auth_hash_password()
 *
 * Recomputes the hash with the iterations and salt of @stored and compares in constant time.
 *
 * Returns: %TRUE if @password matches; %FALSE if not, or if either is %NULL or empty, or @stored
 *   is malformed.
 */
gboolean
hc_auth_verify_password (const char *password,
                         const char *stored)
{
  guint8 salt[MAX_SALT_LEN];
  guint8 expected[HASH_LEN];
  guint8 actual[HASH_LEN];
  gsize salt_len = 0;
  guint iterations = 0;
  gboolean ok;

  if (password == NULL || *password == '\0' || stored == NULL)
    return FALSE;
  if (!parse_hash (stored, &iterations, salt, &salt_len, expected))
    return FALSE;

  ok = pbkdf2 (password, salt, salt_len, iterations, actual)
       && gnutls_memcmp (actual, expected, HASH_LEN) == 0;

  gnutls_memset (actual, 0, sizeof actual);
  gnutls_memset (expected, 0, sizeof expected);
  return ok;
}

/**
 * hc_auth_dummy_hash:
 *
 * A valid hash of a random password nobody knows, made once. Verifying against it costs the same
 * as verifying against a user's hash and never succeeds.
 *
 * Returns: (transfer none): the hash string
 */
const char *
hc_auth_dummy_hash (void)
{
  static const char *dummy;

  if (g_once_init_enter (&dummy))
    {
      g_autoptr(GError) error = NULL;
      guint8 secret[TOKEN_LEN];
      g_autofree char *password = NULL;
      char *hash;
      int ret;

      ret = gnutls_rnd (GNUTLS_RND_RANDOM, secret, sizeof secret);
      if (ret < 0)
        g_error ("No randomness for the dummy password hash: %s", gnutls_strerror (ret));
      password = g_base64_encode (secret, sizeof secret);
      gnutls_memset (secret, 0, sizeof secret);

      hash = hc_auth_hash_password (password, &error);
      gnutls_memset (password, 0, strlen (password));
      if (hash == NULL)
        g_error ("Cannot make the dummy password hash: %s", error->message);

      g_once_init_leave (&dummy, hash);
    }
  return dummy;
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens */

/**
 * hc_auth_new_token:
 *
 * A new bearer or refresh token. Aborts if the system has no randomness: no token is safe then.
 *
 * Returns: (transfer full): 43 characters of base64url (32 random bytes, no padding)
 */
char *
hc_auth_new_token (void)
{
  guint8 bytes[TOKEN_LEN];
  char *token;
  gsize len;
  int ret;

  ret = gnutls_rnd (GNUTLS_RND_KEY, bytes, sizeof bytes);
  if (ret < 0)
    g_error ("No randomness for a token: %s", gnutls_strerror (ret));

  token = g_base64_encode (bytes, sizeof bytes);
  gnutls_memset (bytes, 0, sizeof bytes);

  len = strlen (token);
  while (len > 0 && token[len - 1] == '=')
    token[--len] = '\0';
  for (char *p = token; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  return token;
}

/**
 * hc_auth_token_hash:
 * @token: a token
 *
 * Returns: (transfer full): the lowercase hex SHA-256 of @token, 64 characters
 */
char *
hc_auth_token_hash (const char *token)
{
  g_return_val_if_fail (token != NULL, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* ------------------------------------------------------------------------------------------ */
/* Roles */

static const char * const role_names[] = {
  [HC_ROLE_PHYSICIAN] = "physician",
  [HC_ROLE_NURSE] = "nurse",
  [HC_ROLE_FRONT_DESK] = "front-desk",
  [HC_ROLE_ADMIN] = "admin",
};

#define P (1u << HC_ROLE_PHYSICIAN)
#define N (1u << HC_ROLE_NURSE)
#define F (1u << HC_ROLE_FRONT_DESK)
#define A (1u << HC_ROLE_ADMIN)

/* Who may read and who may write each resource type: least privilege, one row per type of
 * hc_fhir_resource_types(), sorted. The reasons are in hc-auth.h. In short: physicians the whole
 * chart; nurses read it and record vitals, allergies, encounters, scheduling, tasks and messages,
 * but do not diagnose, prescribe, order, report or sign notes; the front desk registration,
 * insurance and scheduling with no clinical type; admins users (Practitioner, Organization) and
 * the audit log, no chart. AuditEvent is written by the server only; a Provenance is written by
 * a client with the records of a merge or a conflict's resolution (DESIGN.md §6), by the roles
 * that read them. A type not listed is denied to everyone. */
static const struct
{
  const char *type;
  guint8      read;
  guint8      write;
} access_table[] = {
  { "AllergyIntolerance", P | N,         P | N },
  { "Appointment",        P | N | F,     P | N | F },
  { "AuditEvent",         A,             0 },
  { "Communication",      P | N,         P | N },
  { "Composition",        P | N,         P },
  { "Condition",          P | N,         P },
  { "Coverage",           P | N | F,     P | F },
  { "DiagnosticReport",   P | N,         P },
  { "Encounter",          P | N,         P | N },
  { "MedicationRequest",  P | N,         P },
  { "Observation",        P | N,         P | N },
  { "Organization",       P | N | F | A, P | F | A },
  { "Patient",            P | N | F,     P | N | F },
  { "Practitioner",       P | N | F | A, A },
  { "Provenance",         P | N,         P | N },
  { "ServiceRequest",     P | N,         P },
  { "Task",               P | N | F,     P | N | F },
};

#undef P
#undef N
#undef F
#undef A

/**
 * hc_role_from_string:
 * @name: (nullable): "physician", "nurse", "front-desk" or "admin"
 * @role: (out) (optional): the role
 *
 * Returns: %TRUE if @name is a role
 */
gboolean
hc_role_from_string (const char *name,
                     HcRole     *role)
{
  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (strcmp (role_names[i], name) == 0)
      {
        if (role != NULL)
          *role = (HcRole) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * hc_role_to_string:
 * @role: a role
 *
 * Returns: (transfer none): its name, or %NULL for a value that is not a role
 */
const char *
hc_role_to_string (HcRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);

  return role_names[role];
}

/**
 * hc_role_allows:
 * @role: a role
 * @resource_type: (nullable): a FHIR resource type, e.g. "Patient"
 * @access: read or write
 *
 * Returns: %TRUE if @role may have @access to resources of @resource_type; %FALSE for unknown
 *   types, unknown roles and %NULL.
 */
gboolean
hc_role_allows (HcRole      role,
                const char *resource_type,
                HcAccess    access)
{
  if ((guint) role >= G_N_ELEMENTS (role_names) || resource_type == NULL)
    return FALSE;
  if (access != HC_ACCESS_READ && access != HC_ACCESS_WRITE)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (access_table); i++)
    if (strcmp (access_table[i].type, resource_type) == 0)
      {
        guint8 mask = access == HC_ACCESS_READ ? access_table[i].read : access_table[i].write;

        return (mask & (1u << role)) != 0;
      }
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Login rate limiting */

/* The failures of one key: the times of the last max_failures of them, oldest first from
 * @first, in a ring. @link is its place in the limiter's queue, least recent failure first. */
typedef struct
{
  char   *key;
  GList   link;
  guint   first;
  guint   n;
  gint64  times[];
} Entry;

struct _HcRateLimiter
{
  GMutex      mutex;
  guint       max_failures;
  gint64      window_usec;
  GHashTable *entries;     /* key → Entry, owning */
  GQueue      queue;       /* Entry, least recent failure first */
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->key);
  g_free (entry);
}

static gint64
entry_newest (HcRateLimiter *self,
              Entry         *entry)
{
  return entry->times[(entry->first + entry->n - 1) % self->max_failures];
}

static void
remove_entry (HcRateLimiter *self,
              Entry         *entry)
{
  g_queue_unlink (&self->queue, &entry->link);
  g_hash_table_remove (self->entries, entry->key);
}

/* Forgets the keys whose failures have all left the window. The queue is ordered by the newest
 * failure, so this stops at the first key that still counts: each key is pruned once. */
static void
prune (HcRateLimiter *self,
       gint64         now_usec)
{
  while (self->queue.head != NULL)
    {
      Entry *entry = self->queue.head->data;

      if (now_usec - entry_newest (self, entry) < self->window_usec)
        break;
      remove_entry (self, entry);
    }
}

/* Long keys (a username can be anything a client sends) are kept as their hash so that each key
 * costs a bounded amount of memory. */
static char *
normalize_key (const char *key)
{
  g_autofree char *digest = NULL;

  if (strlen (key) <= MAX_KEY_LEN)
    return g_strdup (key);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  return g_strconcat ("sha256:", digest, NULL);
}

/**
 * hc_rate_limiter_new:
 * @max_failures: failures that block a key, at least 1 and at most 1024
 * @window_seconds: how long a failure counts, at least 1
 *
 * Returns: (transfer full): a new limiter with no failures
 */
HcRateLimiter *
hc_rate_limiter_new (guint max_failures,
                     guint window_seconds)
{
  HcRateLimiter *self;

  g_return_val_if_fail (max_failures >= 1 && max_failures <= 1024, NULL);
  g_return_val_if_fail (window_seconds >= 1, NULL);

  self = g_new0 (HcRateLimiter, 1);
  g_mutex_init (&self->mutex);
  self->max_failures = max_failures;
  self->window_usec = (gint64) window_seconds * G_USEC_PER_SEC;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  g_queue_init (&self->queue);
  return self;
}

void
hc_rate_limiter_free (HcRateLimiter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

/**
 * hc_rate_limiter_check:
 * @self: a limiter
 * @key: e.g. "user:alice" or "ip:192.0.2.1"
 * @now_usec: the current time, e.g. g_get_monotonic_time()
 * @retry_after_usec: (out) (optional): when blocked, how long until the next attempt is allowed;
 *   otherwise 0
 *
 * Returns: %FALSE while @key has had max_failures failures within the window
 */
gboolean
hc_rate_limiter_check (HcRateLimiter *self,
                       const char    *key,
                       gint64         now_usec,
                       gint64        *retry_after_usec)
{
  g_autofree char *normal = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  gint64 retry = 0;
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  normal = normalize_key (key);
  locker = g_mutex_locker_new (&self->mutex);

  entry = g_hash_table_lookup (self->entries, normal);
  if (entry != NULL)
    {
      if (now_usec - entry_newest (self, entry) >= self->window_usec)
        remove_entry (self, entry);
      else if (entry->n == self->max_failures)
        {
          gint64 age = now_usec - entry->times[entry->first];

          if (age < self->window_usec)
            retry = MIN (self->window_usec - age, self->window_usec);
        }
    }

  if (retry_after_usec != NULL)
    *retry_after_usec = retry;
  return retry == 0;
}

/**
 * hc_rate_limiter_failure:
 * @self: a limiter
 * @key: the key that failed
 * @now_usec: the current time
 *
 * Records a failure of @key.
 */
void
hc_rate_limiter_failure (HcRateLimiter *self,
                         const char    *key,
                         gint64         now_usec)
{
  g_autofree char *normal = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  normal = normalize_key (key);
  locker = g_mutex_locker_new (&self->mutex);

  prune (self, now_usec);

  entry = g_hash_table_lookup (self->entries, normal);
  if (entry == NULL)
    {
      if (g_hash_table_size (self->entries) >= HC_RATE_LIMITER_MAX_KEYS)
        remove_entry (self, self->queue.head->data);

      entry = g_malloc0 (sizeof (Entry) + self->max_failures * sizeof (gint64));
      entry->key = g_steal_pointer (&normal);
      entry->link.data = entry;
      g_hash_table_insert (self->entries, entry->key, entry);
    }
  else
    g_queue_unlink (&self->queue, &entry->link);
  g_queue_push_tail_link (&self->queue, &entry->link);

  if (entry->n < self->max_failures)
    entry->times[(entry->first + entry->n++) % self->max_failures] = now_usec;
  else
    {
      entry->times[entry->first] = now_usec;
      entry->first = (entry->first + 1) % self->max_failures;
    }
}

/**
 * hc_rate_limiter_success:
 * @self: a limiter
 * @key: the key that succeeded
 *
 * Forgets the failures of @key.
 */
void
hc_rate_limiter_success (HcRateLimiter *self,
                         const char    *key)
{
  g_autofree char *normal = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  normal = normalize_key (key);
  locker = g_mutex_locker_new (&self->mutex);

  entry = g_hash_table_lookup (self->entries, normal);
  if (entry != NULL)
    remove_entry (self, entry);
}

guint
hc_rate_limiter_get_n_keys (HcRateLimiter *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (self != NULL, 0);

  locker = g_mutex_locker_new (&self->mutex);
  return g_hash_table_size (self->entries);
}
