/* hc-record-text.h: FHIR records in a physician's words (kinds, element labels, values)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* "Allergy", "Prescription", "Patient details" for a resource type (translated). */
const char *hc_record_text_kind          (const char  *type);
/* "Phone", "Address", "Dose" for element @element ("telecom") of @type (translated); an
 * unknown element reads as its words ("bodySite" → "Body site"). */
char       *hc_record_text_label         (const char  *type,
                                          const char  *element);
/* A value as a physician reads it: names as "Anna Maria Berg", phone numbers, codes by their
 * display text, dates formatted; one line per item of an array. Never NULL. */
char       *hc_record_text_value         (const char  *element,
                                          JsonNode    *node);
/* "Anna Maria Berg" from a Patient (or Practitioner): the official name, else the first. */
char       *hc_record_text_person_name   (JsonObject  *person);
/* The Patient a record belongs to ("p-1" for "Patient/p-1"), or NULL. */
char       *hc_record_text_patient_id    (const char  *type,
                                          JsonObject  *resource);
/* The toast for an open chart after a sync: "Chart updated: a colleague’s change to allergies
 * was merged with yours" (or "… conflicts with yours" when a merge waits in the inbox, with
 * @conflict set) when @changes (HcSyncEngine::records-changed) touch Patient @patient_id's
 * chart, else NULL. */
char       *hc_record_text_change_notice (JsonArray   *changes,
                                          const char  *patient_id,
                                          gboolean    *conflict);
/* A date or date-time ("1961-05-04", "2026-11-27T14:32:00Z") for the screen, or NULL. */
char       *hc_record_text_date          (const char  *text);
/* The member names of @resource worth showing (not meta, id, resourceType, text), sorted. */
GPtrArray  *hc_record_text_elements      (JsonObject  *resource);

G_END_DECLS
