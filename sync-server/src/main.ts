import { loadConfig } from './config.ts';
import { DEMO_LOGINS, DEMO_PASSWORD } from './demo/demo-accounts.ts';
import { DEMO_API_KEY } from './demo/demo-open311.ts';
import { databaseUnavailable } from './db/unavailable.ts';
import { consoleLogger, startServer } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const log = consoleLogger(config.logLevel);

try {
  const started = performance.now();
  const server = await startServer(config, log);
  const db =
    server.db.kind === 'embedded' ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const ready = `Fieldfix is running at ${server.url}  (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  const demo =
    config.demoData === 'auto'
      ? [
          'Demo logins (password "' + DEMO_PASSWORD + '"):',
          ...DEMO_LOGINS.map((l) => `  ${l.email.padEnd(34)} ${l.what}`),
          `Open311 GeoReport v2: ${server.url}/open311/v2/discovery.json  (demo api_key "${DEMO_API_KEY}")`,
        ]
      : [];
  // The log is JSON lines; a person at a terminal gets the greeting as text besides.
  log.info(`${ready}; database: ${db}`);
  if (server.db.kind !== 'embedded' && !config.publicUrl) {
    log.warn(
      "PUBLIC_URL is not set: the links in Open311, tracking and map answers follow each request's Host header. Set PUBLIC_URL to the address people reach (docs/deploy.md).",
    );
  }
  if (demo.length > 0) {
    log.info(
      `Demo logins (password "${DEMO_PASSWORD}"): ${DEMO_LOGINS.map((l) => l.email).join(', ')}; Open311 demo api_key "${DEMO_API_KEY}"`,
    );
  }
  if (process.stdout.isTTY && (config.logLevel === 'info' || config.logLevel === 'debug')) {
    process.stdout.write(['', ready, `Database: ${db}`, ...demo, 'Press Ctrl+C to stop.', ''].join('\n') + '\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping…`);
    await server.stop();
    process.exit(0);
  };
  // A database connection cut under a promise nobody awaits any more must not take the
  // instance down: seen once in the PostgreSQL-restart fault test (two of three instances
  // exited on "read ECONNRESET" from the database client, with no query in the stack), while
  // every request was already being answered 503. Any other unhandled rejection still ends it.
  process.on('unhandledRejection', (err) => {
    if (!databaseUnavailable(err)) throw err;
    log.error('A database connection was cut under a promise nobody awaited; requests get 503 until it is back', err);
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    log.error(`Port ${config.port} is already in use. Stop the other program or start with PORT=<another port>.`);
  } else if (e.code === 'ECONNREFUSED') {
    log.error(
      'Cannot reach the PostgreSQL server in DATABASE_URL. Check that it is running, or unset DATABASE_URL to use the embedded database.',
    );
  } else {
    log.error(`Fieldfix could not start: ${e.message}`);
  }
  process.exit(1);
}
