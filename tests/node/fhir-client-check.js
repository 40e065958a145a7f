// SPDX-License-Identifier: GPL-3.0-or-later
//
// An independent FHIR client (fhir-kit-client) reads and writes through housecall-server's
// REST API. Usage: HOUSECALL_BASE=https://127.0.0.1:PORT HOUSECALL_TOKEN=... \
//   NODE_EXTRA_CA_CERTS=ca.pem node fhir-client-check.js
'use strict';

async function main () {
  // fhir-kit-client 2 is an ES module
  const mod = await import('fhir-kit-client');
  const Client = mod.default || mod.Client;
  const client = new Client({
    baseUrl: process.env.HOUSECALL_BASE + '/fhir',
    customHeaders: { Authorization: 'Bearer ' + process.env.HOUSECALL_TOKEN },
  });
  const check = (ok, what) => { if (!ok) throw new Error(what); };

  const cs = await client.capabilityStatement();
  check(cs.resourceType === 'CapabilityStatement' && cs.fhirVersion === '4.0.1', 'metadata');

  const created = await client.create({
    resourceType: 'Patient',
    body: { resourceType: 'Patient', name: [{ family: 'Kit', given: ['Client'] }], gender: 'other' },
  });
  check(created.id && created.meta.versionId === '1', 'create');

  const read = await client.read({ resourceType: 'Patient', id: created.id });
  check(read.name[0].family === 'Kit', 'read');

  read.gender = 'female';
  const updated = await client.update({ resourceType: 'Patient', id: created.id, body: read });
  check(updated.meta.versionId === '2' && updated.gender === 'female', 'update');

  const v1 = await client.vread({ resourceType: 'Patient', id: created.id, version: '1' });
  check(v1.gender === 'other', 'vread');

  const history = await client.history({ resourceType: 'Patient', id: created.id });
  check(history.resourceType === 'Bundle' && history.entry.length === 2, 'history');

  await client.delete({ resourceType: 'Patient', id: created.id });
  let gone = false;
  try {
    await client.read({ resourceType: 'Patient', id: created.id });
  } catch (e) {
    gone = e.response && e.response.status === 410;
  }
  check(gone, 'delete');

  // search, following the server's next links to the end and back with previous links
  for (let i = 0; i < 7; i++) {
    await client.create({
      resourceType: 'Patient',
      body: { resourceType: 'Patient', name: [{ family: 'Kitpage', given: ['P' + i] }] },
    });
  }
  const seen = new Set();
  let pages = 0;
  let page = await client.search({ resourceType: 'Patient',
                                   searchParams: { family: 'kitpage', _count: 3, _sort: 'given' } });
  let last = page;
  while (page) {
    check(page.type === 'searchset', 'searchset');
    for (const e of page.entry || []) {
      check(!seen.has(e.resource.id), 'a duplicate across pages');
      check(e.resource.name[0].family === 'Kitpage', 'a search match');
      seen.add(e.resource.id);
    }
    pages++;
    last = page;
    page = await client.nextPage({ bundle: page });
  }
  check(seen.size === 7 && pages === 3, 'search paging: ' + seen.size + ' in ' + pages + ' pages');
  const back = await client.prevPage({ bundle: last });
  check(back && back.entry.length === 3 && back.entry[0].resource.name[0].given[0] === 'P3',
        'previous page');
  console.log('fhir-kit-client: metadata, create, read, update, vread, history, delete, search: ok');
}

main().catch((e) => { console.error('fhir-kit-client check failed: ' + e.message); process.exit(1); });
