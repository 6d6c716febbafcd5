// Peer for the sync benchmark: PouchDB pushing a device's offline changes to a CouchDB-style
// server over HTTP on loopback. Client: pouchdb-core + memory adapter + http adapter +
// replication (no native modules). Server: express-pouchdb over in-memory databases, in its
// own process (pouchdb-server.mjs).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const serverScript = fileURLToPath(new URL('./pouchdb-server.mjs', import.meta.url));
const SERVER = 'express-pouchdb (memory)';
const DEVICES = 20;
const T0 = Date.parse('2026-11-20T08:00:00.000Z');
// 60 characters of note text; the doc number is spliced in so texts differ.
const NOTE = 'Crew on site; pothole patched, cones left for curing overnight.';

/** One doc shaped like one of our sync mutations (an add_note from a device); ~270 bytes of JSON. */
export function makeDoc(i) {
  return {
    _id: randomUUID(),
    clientId: `device-${i % DEVICES}`,
    seq: Math.floor(i / DEVICES) + 1,
    caseId: String(100000 + (i % 5000)),
    baseVersion: 1 + (i % 7),
    deviceTime: new Date(T0 + i * 1000).toISOString(),
    kind: 'add_note',
    payload: { text: `#${i} ${NOTE}`.slice(0, 60) },
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Starts pouchdb-server.mjs and resolves with { child, port } once it printed its port. */
function startServer({ timeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, [serverScript], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pouchdb-server did not start in ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        const port = Number(out.slice(0, nl));
        if (Number.isInteger(port) && port > 0) resolve(port);
        else reject(new Error(`pouchdb-server printed ${JSON.stringify(out.slice(0, nl))} instead of a port`));
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`pouchdb-server exited (${code ?? signal}) before listening: ${err}`));
    });
  });
  return { child, ready, stderr: () => err };
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * Replicates `docs` generated docs from an in-memory PouchDB to an express-pouchdb server in a
 * child process on 127.0.0.1, and returns the timing.
 * Per run: fresh source and target; the inserts into the source are not timed (the device's
 * offline changes); the timed part is PouchDB.replicate(source, remoteUrl) to completion.
 */
export async function pouchdbPush({ docs = 20000, batchSize = 500, runs = 3 } = {}) {
  const server = startServer();
  try {
    const port = await server.ready;
    const base = `http://127.0.0.1:${port}`;
    const rates = [];
    for (let r = 0; r < runs; r++) {
      const tag = `${process.pid}-${Date.now()}-${r}`;
      const source = new PouchDB(`bench-source-${tag}`, { adapter: 'memory' });
      const targetUrl = `${base}/bench-target-${tag}`;
      const target = new PouchDB(targetUrl);
      try {
        // Untimed: the device's offline changes, and the (empty) target database.
        for (let i = 0; i < docs; i += 1000) {
          const chunk = [];
          for (let j = i; j < Math.min(docs, i + 1000); j++) chunk.push(makeDoc(j));
          const res = await source.bulkDocs(chunk);
          const bad = res.find((x) => x.error);
          if (bad) throw new Error(`insert into source failed: ${JSON.stringify(bad)}`);
        }
        await target.info();

        const t0 = performance.now();
        const result = await PouchDB.replicate(source, targetUrl, { batch_size: batchSize });
        const seconds = (performance.now() - t0) / 1000;

        if (result.ok === false || result.status !== 'complete') {
          throw new Error(
            `replication did not complete: ${JSON.stringify({ status: result.status, errors: result.errors })}`,
          );
        }
        const { doc_count } = await target.info();
        if (doc_count !== docs) throw new Error(`target has ${doc_count} docs after replication, expected ${docs}`);
        rates.push(Math.round(docs / seconds));
      } finally {
        await target.destroy().catch(() => {});
        await source.destroy().catch(() => {});
      }
    }
    return { docs, batchSize, runs: rates, median_docs_per_s: median(rates), server: SERVER };
  } catch (e) {
    const err = server.stderr().trim();
    if (err) e.message += `\n--- pouchdb-server stderr ---\n${err}`;
    throw e;
  } finally {
    await stopServer(server.child);
  }
}
