/* fuzz-fhir.c: FHIR validation and the patient compartment on any JSON object
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Properties: hc_fhir_validate() neither crashes nor leaks, returns FALSE exactly when it sets
 * an error, and its message is valid UTF-8 on one line (it is shown in lists and
 * OperationOutcomes); hc_fhir_patient_reference() says NULL or "Patient/…".
 */

#define G_LOG_DOMAIN "fuzz-fhir"

#include "config.h"

#include "hc-fhir.h"
#include "hc-fuzz.h"
#include "hc-json.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  hc_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *reference = NULL;
  JsonObject *object;
  gboolean valid;

  /* the syntax checks take any text */
  text = g_strndup ((const char *) data, size);
  hc_fhir_is_valid_id (text);
  hc_fhir_is_valid_reference (text);
  hc_fhir_is_known_type (text);

  node = hc_json_parse ((const char *) data, size, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  object = json_node_get_object (node);

  valid = hc_fhir_validate (object, &error);
  HC_FUZZ_CHECK (valid == (error == NULL), "validate said %d with error %s", valid,
                 error ? error->message : "(none)");
  if (error != NULL)
    {
      HC_FUZZ_CHECK (error->domain == HC_FHIR_ERROR, "error domain %s",
                     g_quark_to_string (error->domain));
      HC_FUZZ_CHECK (hc_fuzz_is_one_line (error->message), "the message is not one line of "
                     "UTF-8: %.300s", error->message);
    }

  reference = hc_fhir_patient_reference (object);
  HC_FUZZ_CHECK (reference == NULL || g_str_has_prefix (reference, "Patient/"),
                 "patient reference %s", reference);
  return 0;
}
