/* hc-merge.h: three-way merge of two versions of one FHIR resource (DESIGN.md §6)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no I/O, no store, no clock (the caller passes the time). Given the last version both
 * sides agreed on (base), the local version and the remote (server) version, it decides element
 * by element with the policy table of DESIGN.md §6, matching array items by identity, never by
 * index. The sync engine calls it when a pulled resource has local changes not yet acknowledged,
 * and when $sync-push answers 412 with the current server version.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  HC_MERGE_CLEAN,      /* merged without loss: push `merged` based on the remote version */
  HC_MERGE_NOTICE,     /* merged; a rule dropped one side's value (see notices): last-writer-wins,
                        * a lifecycle state the other side went past, a removal against an
                        * edit in an append-only list */
  HC_MERGE_CONFLICT,   /* at least one element needs a clinician (see conflicts) */
} HcMergeOutcome;

typedef struct
{
  HcMergeOutcome outcome;
  /* The merged resource (a new object; NULL only when both sides deleted it, or the merge
   * result is a deletion). With CONFLICT it is the provisional value the store keeps until a
   * human decides: the remote value of every element under review, except that
   * "safe provisional" elements take the more cautious value (an active allergy, the higher
   * criticality, a held or cancelled order). Server-owned elements (id, meta) are the
   * remote's. */
  JsonObject *merged;
  /* FHIRPath-like element paths ("Patient.birthDate", "MedicationRequest.dosageInstruction",
   * "Patient.telecom.use"; array items are not indexed, a choice element whose type differs
   * between the sides is "MedicationRequest.medication[x]", the whole resource is its type)
   * that need review (CONFLICT), and those where a rule dropped a value (NOTICE): both arrays
   * of char *, each path once, in the order the merge met them, possibly empty, never NULL. */
  GPtrArray  *conflicts;
  GPtrArray  *notices;
} HcMergeResult;

/* @base may be NULL (no common version: both sides created the same id); @local or @remote
 * NULL means that side deleted the resource (delete vs delete is CLEAN with merged NULL;
 * delete vs edit is a CONFLICT on the path "Type" whose provisional `merged` is the edited
 * version, except for MedicationRequest and ServiceRequest, where it is the deletion, NULL).
 * None of the inputs is modified and `merged` shares no node with them. docs/sync.md
 * ("Merge") lists the rules. */
HcMergeResult *hc_merge_resources      (JsonObject    *base,
                                        JsonObject    *local,
                                        JsonObject    *remote);
void           hc_merge_result_free    (HcMergeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcMergeResult, hc_merge_result_free)

/* A clinician's decision on a conflict, element by element: the version to keep when the
 * elements in conflict take the side chosen (@keep_local: the local version's, else the
 * remote's) while what only the other side changed stays (DESIGN.md §6: a change made on one
 * side is taken), so "keep mine" never throws away a colleague's unrelated edit, nor "keep
 * theirs" one made here. With a deletion on either side (the whole record in conflict) it is
 * the chosen version as it is. A new object, or NULL for a deletion. */
JsonObject    *hc_merge_resolve        (JsonObject    *base,
                                        JsonObject    *local,
                                        JsonObject    *remote,
                                        gboolean       keep_local);

/* A Provenance recording a merge of @type/@id: its target is the merged resource, and its
 * entity list names both parent versions (local based on @local_base_version, remote at
 * @remote_version) with role "revision"; @agent is the user (Practitioner reference or user
 * name) and @recorded an RFC 3339 instant. @id is the Provenance's own id (a UUIDv7 from the
 * caller). @activity is "merge" for an automatic merge, "resolve" for a clinician's decision. */
JsonObject    *hc_merge_provenance     (const char    *provenance_id,
                                        const char    *type,
                                        const char    *id,
                                        gint64         local_base_version,
                                        gint64         remote_version,
                                        const char    *activity,
                                        const char    *agent,
                                        const char    *recorded);

/* Canonical JSON text of @node (NULL: "null"): object members sorted by name, no whitespace,
 * strings escaped only where JSON requires it, numbers as hc_json_to_string() writes them.
 * Equal text means equal JSON, whatever the member order; for hashing and comparing
 * replicas. */
char          *hc_merge_canonical_json (JsonNode      *node);

/* The identity the merge gives @item of an array named @array_name ("telecom", "coding", …):
 * "id:…" for an item with an id, "k:…" for a natural key (e.g. "k:phone|555-0100"), "c:…"
 * (canonical JSON) for an item of a keyed array that lacks its key fields; NULL when such
 * arrays have no key rule (they merge whole unless every item has an id). Repeated keys within
 * one array are matched in order. For showing two versions of an array side by side. */
char          *hc_merge_item_key       (const char    *array_name,
                                        JsonNode      *item);

G_END_DECLS
