// pouchdb-replicate.js: the PouchDB baseline of bench-initial-sync
//
// SPDX-FileCopyrightText: 2026 The Housecall Authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// node pouchdb-replicate.js DOCS.ndjson WORKDIR [OUT.json]
//
// Loads every FHIR resource of DOCS.ndjson (one JSON object a line; _id "Type/id", the
// resource's own fields as they are) with bulkDocs into an express-pouchdb server on
// 127.0.0.1 running in a child process, then times PouchDB.replicate(url, new PouchDB(dir),
// {batch_size: 500}) into a fresh local database in this process, checks that every document
// arrived, prints one line and writes the figures as JSON.

'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { fork } = require('child_process');

const PouchDB = require('pouchdb');

async function readDocs (file) {
  const docs = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });

  for await (const line of lines) {
    if (line.trim() === '')
      continue;
    const resource = JSON.parse(line);
    const doc = { _id: resource.resourceType + '/' + resource.id };
    for (const [key, value] of Object.entries(resource)) {
      // PouchDB reserves top-level names that start with "_" (FHIR's primitive extensions)
      doc[key.startsWith('_') ? 'fhir' + key : key] = value;
    }
    docs.push(doc);
  }
  return docs;
}

// The server side: load the documents, then serve them.
async function serve (file, dir) {
  const express = require('express');
  fs.mkdirSync(path.join(dir, 'server'), { recursive: true });
  const ServerPouch = PouchDB.defaults({ prefix: path.join(dir, 'server') + path.sep });
  const db = new ServerPouch('bench');
  const docs = await readDocs(file);
  const t0 = process.hrtime.bigint();

  for (let i = 0; i < docs.length; i += 1000) {
    const results = await db.bulkDocs(docs.slice(i, i + 1000));
    for (const r of results) {
      if (r.error)
        throw new Error(`bulkDocs refused ${r.id}: ${r.reason}`);
    }
  }
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const app = express();
  app.use('/', require('express-pouchdb')(ServerPouch, {
    mode: 'minimumForPouchDB',
    logPath: path.join(dir, 'express-pouchdb.log'),
  }));
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port, docs: docs.length, loadSeconds,
                   cpu: process.cpuUsage() });
  });
  // the parent asks for the CPU time used while it replicated
  process.on('message', () => process.send({ cpu: process.cpuUsage() }));
}

async function main () {
  const [file, dir, out] = process.argv.slice(2);

  if (process.env.HC_POUCH_SERVER === '1')
    return serve(file, dir);
  if (!file || !dir) {
    console.error('usage: node pouchdb-replicate.js DOCS.ndjson WORKDIR [OUT.json]');
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true });

  const child = fork(__filename, [file, dir], { env: { ...process.env, HC_POUCH_SERVER: '1' } });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the PouchDB server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${ready.port}/bench`;
  const local = new PouchDB(path.join(dir, 'replica'));

  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const result = await PouchDB.replicate(url, local, { batch_size: 500 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const info = await local.info();
  const serverCpu = await new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu));
    child.send('cpu');
  });

  child.kill('SIGTERM');
  if (!result.ok || info.doc_count !== ready.docs)
    throw new Error(`replicated ${info.doc_count} of ${ready.docs} documents`);

  const figures = {
    benchmark: 'pouchdb-replicate',
    docs: ready.docs,
    seconds,
    docs_per_s: ready.docs / seconds,
    server_load_seconds: ready.loadSeconds,
    client_peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    client_cpu_s: (cpu.user + cpu.system) / 1e6,
    server_cpu_s: (serverCpu.user + serverCpu.system - ready.cpu.user - ready.cpu.system) / 1e6,
    batch_size: 500,
  };
  console.log(`pouchdb-replicate: ${figures.docs_per_s.toFixed(0)} docs/s (${ready.docs} documents ` +
              `in ${seconds.toFixed(1)} s, PouchDB 9 from express-pouchdb 4 over HTTP on ` +
              `loopback, batch_size 500)`);
  if (out)
    fs.writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`pouchdb-replicate: ${error.message}`);
  process.exit(1);
});
