/* hc-clinical-data.h: where the replaceable clinical data files are found
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The formulary, diagnosis subset, order catalog and interaction rules are JSON files a
 * practice's admin can replace with larger sets. A file is looked up, first match wins, in:
 *   1. $HOUSECALL_CLINICAL_DIR (tests, or an admin trying a new set),
 *   2. /etc/housecall/clinical (the practice's own set),
 *   3. PKGDATADIR/clinical (what Housecall ships),
 *   4. the source tree's resources/clinical (uninstalled runs).
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The path of @file_name (e.g. "formulary.json"), or NULL when no directory has it. */
char     *hc_clinical_data_find (const char  *file_name);

/* Parses @file_name as found above; the error names the file and says why it is unusable. */
JsonNode *hc_clinical_data_load (const char  *file_name,
                                 GError     **error);

G_END_DECLS
