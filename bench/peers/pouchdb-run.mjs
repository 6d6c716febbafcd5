// Runs the PouchDB peer alone: node bench/peers/pouchdb-run.mjs [docs] [runs]
import { pouchdbPush, makeDoc } from './pouchdb.mjs';

const docs = Number(process.argv[2] ?? 20000);
const runs = Number(process.argv[3] ?? 3);
if (!Number.isInteger(docs) || docs < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node bench/peers/pouchdb-run.mjs [docs] [runs]');
  process.exit(2);
}

const t0 = performance.now();
const r = await pouchdbPush({ docs, runs });
const wall = (performance.now() - t0) / 1000;
const docBytes = Buffer.byteLength(JSON.stringify(makeDoc(docs - 1)));
console.log(
  `PouchDB push, ${r.server}: ${r.median_docs_per_s} docs/s median ` +
    `(runs ${r.runs.join(', ')}; ${r.docs} docs of ~${docBytes} B, batch ${r.batchSize}; wall ${wall.toFixed(1)} s)`,
);
console.log(JSON.stringify(r));
