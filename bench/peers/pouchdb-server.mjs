// Peer server for the sync benchmark: express-pouchdb over in-memory PouchDB databases.
// Run by pouchdb.mjs as a child process (its own event loop, like our sync server). Listens on
// 127.0.0.1 with a free port, prints that port as one line on stdout, and exits on SIGTERM,
// SIGINT or when its stdin closes (so it cannot outlive a parent that died without killing it).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const expressPouchDB = require('express-pouchdb');
const PouchDB = require('pouchdb-core').plugin(require('pouchdb-adapter-memory'));

// 'minimumForPouchDB' mounts only the routes PouchDB replication uses: no config file, no log
// file, no per-request log, no auth, no Fauxton, nothing written to disk.
const MemPouchDB = PouchDB.defaults({ adapter: 'memory' });
const app = express();
app.disable('x-powered-by');
app.use(expressPouchDB(MemPouchDB, { mode: 'minimumForPouchDB' }));

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
server.on('error', (err) => {
  console.error(err);
  process.exit(1);
});

function shutdown() {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
