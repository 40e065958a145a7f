/* hc-auth.h: passwords, tokens, roles and login rate limiting for the server
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Primitives only: no HTTP, no database. Every function is thread-safe. Nothing here logs a
 * password, a token or anything derived from one.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HC_AUTH_ERROR (hc_auth_error_quark ())

typedef enum
{
  HC_AUTH_ERROR_FAILED,          /* the crypto library failed (randomness, PBKDF2) */
  HC_AUTH_ERROR_INVALID,         /* e.g. an empty password */
} HcAuthError;

GQuark         hc_auth_error_quark              (void);

/* Passwords
 *
 * Stored as the self-describing string "pbkdf2-sha256$<iterations>$<salt>$<hash>": PBKDF2-HMAC-
 * SHA256 (GnuTLS) with HC_AUTH_PBKDF2_ITERATIONS iterations (OWASP 2023), a 16-byte random salt
 * and a 32-byte output, both in standard base64 with padding. Verification reads the iterations
 * from the string, so hashes made with an older count keep working.
 *
 * hc_auth_verify_password() returns FALSE at once for a NULL, empty or malformed @stored (wrong
 * scheme, non-canonical number or base64, a salt of other than 8–64 bytes, a hash of other than
 * 32 bytes, more than HC_AUTH_PBKDF2_MAX_ITERATIONS), and for an empty @password. For an unknown
 * user, callers verify the password against hc_auth_dummy_hash() so that the answer takes as
 * long as for a known one; the dummy is made on first use, so call it once at start-up. */
#define HC_AUTH_PBKDF2_ITERATIONS      600000
#define HC_AUTH_PBKDF2_MAX_ITERATIONS  10000000

char          *hc_auth_hash_password            (const char   *password,
                                                 GError      **error);
gboolean       hc_auth_verify_password          (const char   *password,
                                                 const char   *stored);
const char    *hc_auth_dummy_hash               (void);

/* Tokens
 *
 * hc_auth_new_token(): 32 random bytes (GNUTLS_RND_KEY) in base64url without padding, 43
 * characters of [A-Za-z0-9_-]. hc_auth_token_hash(): the lowercase hex SHA-256 of the token,
 * 64 characters, which is all the database keeps. */
char          *hc_auth_new_token                (void);
char          *hc_auth_token_hash               (const char   *token);

/* Roles and access
 *
 * Least privilege by resource type (the 17 types of hc_fhir_resource_types()); R read, W write
 * (create, update, delete), - nothing:
 *
 *                        physician  nurse  front-desk  admin
 *   AllergyIntolerance   RW         RW     -           -
 *   Appointment          RW         RW     RW          -
 *   AuditEvent           -          -      -           R
 *   Communication        RW         RW     -           -
 *   Composition          RW         R      -           -
 *   Condition            RW         R      -           -
 *   Coverage             RW         R      RW          -
 *   DiagnosticReport     RW         R      -           -
 *   Encounter            RW         RW     -           -
 *   MedicationRequest    RW         R      -           -
 *   Observation          RW         RW     -           -
 *   Organization         RW         R      RW          RW
 *   Patient              RW         RW     RW          -
 *   Practitioner         R          R      R           RW
 *   Provenance           R          R      -           -
 *   ServiceRequest       RW         R      -           -
 *   Task                 RW         RW     RW          -
 *
 * - Physicians read and write the chart and the administrative types, except the practitioner
 *   directory (admin's: who a note's author is must not be editable by its author) and the audit
 *   log (security, not care).
 * - Nurses read the whole chart and record what nursing records: vitals and other observations,
 *   allergies, encounters, appointments, tasks, messages and patient demographics at intake.
 *   They do not diagnose (Condition), prescribe (MedicationRequest), order (ServiceRequest),
 *   report results (DiagnosticReport) or write and sign notes (Composition).
 * - Front desk: registration, insurance and scheduling. Patient, Coverage, Appointment, Task (the
 *   shared work queue) and Organization (payers) read and write, Practitioner read (to book with
 *   one). No clinical type at all, and neither Communication (messages carry clinical content)
 *   nor Encounter (reason, diagnoses): the Appointment, with its status "arrived"/"fulfilled",
 *   is what scheduling needs to know that a visit exists.
 * - Admin: user administration, no chart: Practitioner and Organization, and the audit log read.
 * - Provenance and AuditEvent are written by the server only, never by a client of any role.
 *   Provenance says who changed which chart entry, so it is read with the chart.
 * - Unknown types and invalid roles are denied. */
typedef enum
{
  HC_ROLE_PHYSICIAN,
  HC_ROLE_NURSE,
  HC_ROLE_FRONT_DESK,
  HC_ROLE_ADMIN,
} HcRole;

typedef enum
{
  HC_ACCESS_READ,
  HC_ACCESS_WRITE,
} HcAccess;

/* "physician", "nurse", "front-desk", "admin" (exactly; FALSE for anything else). */
gboolean       hc_role_from_string              (const char   *name,
                                                 HcRole       *role);
const char    *hc_role_to_string                (HcRole        role);
gboolean       hc_role_allows                   (HcRole        role,
                                                 const char   *resource_type,
                                                 HcAccess      access);

/* Login rate limiting
 *
 * Counts failures per key ("user:alice", "ip:192.0.2.1") in a sliding window: check() returns
 * FALSE while @key has had @max_failures failures in the last @window_seconds, with the time until
 * the oldest of them leaves the window in @retry_after_usec. Time is passed in (use
 * g_get_monotonic_time()). Memory is bounded: a key whose failures have all left the window is
 * forgotten, keys longer than 128 bytes are kept as their SHA-256, and at most
 * HC_RATE_LIMITER_MAX_KEYS keys are kept; beyond that the key that failed least recently is
 * forgotten first. A flood from one address keeps its own "ip:" key the most recent, so it cannot
 * push that key out.
 *
 * A login checks both its "user:" and its "ip:" key before verifying the password (answering 429
 * with Retry-After if either is blocked), records a failure on both when it fails, and on success
 * clears the "user:" key only: clearing the address too would let someone with one valid account
 * reset their address's count between guesses at other accounts. */
#define HC_RATE_LIMITER_MAX_KEYS  100000

typedef struct _HcRateLimiter HcRateLimiter;

HcRateLimiter *hc_rate_limiter_new              (guint          max_failures,
                                                 guint          window_seconds);
void           hc_rate_limiter_free             (HcRateLimiter *self);
gboolean       hc_rate_limiter_check            (HcRateLimiter *self,
                                                 const char    *key,
                                                 gint64         now_usec,
                                                 gint64        *retry_after_usec);
void           hc_rate_limiter_failure          (HcRateLimiter *self,
                                                 const char    *key,
                                                 gint64         now_usec);
void           hc_rate_limiter_success          (HcRateLimiter *self,
                                                 const char    *key);
/* The number of keys held, for tests and metrics. */
guint          hc_rate_limiter_get_n_keys       (HcRateLimiter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcRateLimiter, hc_rate_limiter_free)

/* For tests: a hash string with a chosen salt and iteration count, for any salt length and even an
 * empty password, so that published vectors can be checked; hc_auth_verify_password() refuses
 * salts shorter than 8 bytes. NULL if GnuTLS fails. */
char          *_hc_auth_hash_password_with      (const char   *password,
                                                 const guint8 *salt,
                                                 gsize         salt_len,
                                                 guint         iterations);

G_END_DECLS
