/* hc-fhir-schema.c: FHIR R4 element tables (filled in by the FHIR model work)
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hc-fhir.h"

int _hc_fhir_schema_placeholder;
