import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { ensureFirstAdmin } from './auth/first-admin.ts';
import { createApp, quietPullFor } from './app.ts';
import type { Config } from './config.ts';
import { connectPostgres, openEmbedded, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import type { SeedSummary } from './demo/seed.ts';
import { isEmpty } from './demo/demo-accounts.ts';
import type { Logger } from './http/deps.ts';
import { startNoticeWorker } from './notices-delivery/notice-worker.ts';
import { sharedLinkSecret } from './notices-delivery/signed-links.ts';
import { createLogger } from './ops/log.ts';
import { createMetrics } from './ops/metrics.ts';
import { startPhotoUpkeep } from './photos/photo-upkeep.ts';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export type RunningServer = {
  url: string;
  port: number;
  db: Database;
  seeded: SeedSummary | null;
  stop(): Promise<void>;
};

/** The server's log at `level`: JSON lines on stdout (`ops/log.ts`). */
export function consoleLogger(level: Config['logLevel']): Logger {
  return createLogger(level);
}

/** Loads the seed code (and its data generator) only for an empty database. */
async function seedIfEmpty(sql: Database['sql'], config: Config, log: Logger): Promise<SeedSummary | null> {
  if (!(await isEmpty(sql))) {
    // A demo city seeded before the address ranges existed gets them now.
    const { seedDemoAddressRanges } = await import('./demo/address-ranges.ts');
    await seedDemoAddressRanges(sql);
    return null;
  }
  const [{ seedDemoCity }, { seedReportPhotos }, { photoStoreFor }] = await Promise.all([
    import('./demo/seed.ts'),
    import('./demo/report-photos.ts'),
    import('./photos/photo-store-for.ts'),
  ]);
  const seeded = await seedDemoCity(sql, { timeZone: config.cityTimeZone });
  if (seeded) seeded.reportPhotos = await seedReportPhotos(sql, photoStoreFor(config, log), log);
  return seeded;
}

/** Opens the database, migrates it, seeds the demo city when empty, and serves HTTP. */
export async function startServer(
  config: Config,
  log: Logger = consoleLogger(config.logLevel),
): Promise<RunningServer> {
  const db = config.databaseUrl ? connectPostgres(config.databaseUrl) : await openEmbedded(config.dataDir);
  // The head of the change log, read once a second for devices up to date, on a connection of
  // its own: never queued behind requests in a busy pool (`QuietPull`). Embedded PostgreSQL has
  // one session: there it is shared. Opened at the first read.
  const headDb = config.databaseUrl && config.quietPull.headMs > 0 ? connectPostgres(config.databaseUrl, 1) : null;
  try {
    const applied = await migrate(db.sql);
    if (applied.length > 0) log.info(`Applied migrations: ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}`);
    const seeded = config.demoData === 'auto' ? await seedIfEmpty(db.sql, config, log) : null;
    if (seeded)
      log.info(
        `Seeded the demo city: ${seeded.cases} cases (${seeded.reportPhotos} with a resident's photo), ${seeded.crews} crews, ${seeded.users} people.`,
      );
    if (config.firstAdmin) {
      const made = await ensureFirstAdmin(db.sql, config.firstAdmin);
      if (made === 'created')
        log.info(`Made the first administrator, ${config.firstAdmin.email}: sign in and add the others.`);
      if (made === 'email-taken')
        log.warn(
          `FIRST_ADMIN_EMAIL ${config.firstAdmin.email} is another account's, and the city has no administrator: none was made. Name another email.`,
        );
    }
    // One link-signing key for every instance on this database (LINK_SECRET, else generated once).
    config = { ...config, linkSecret: config.linkSecret ?? (await sharedLinkSecret(db.sql, config.dataDir)) };
    const metrics = createMetrics({ sql: db.sql, dbKind: db.kind, log, processMetrics: true });
    const quietPull = quietPullFor({ sql: db.sql, config, dbKind: db.kind, log }, headDb?.sql);
    quietPull.start();
    const app = createApp(
      { sql: db.sql, config, dbKind: db.kind, version: VERSION, log, metrics, quietPull },
      { staticDir: config.staticDir },
    );
    const server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
      s.once('error', reject);
      // Idle keep-alive connections stay open 65 s, not Node's 5 s: a client (or a load
      // balancer, whose idle timeout is commonly 60 s) that sends on a connection the server is
      // closing at that moment gets a reset, and not every client retries. On a slow uplink a
      // request's bytes can take seconds to arrive, which made that race common.
      const http = s as { keepAliveTimeout?: number; headersTimeout?: number };
      http.keepAliveTimeout = 65_000;
      http.headersTimeout = 66_000;
    });
    // The notice worker's own two connections: its claims, renewals and records never wait
    // behind requests in a busy pool, where a live worker could outlast its lease and be taken
    // for dead by another instance (which would send its messages again). Embedded PostgreSQL
    // has one session: there the worker shares it (and there is no other instance).
    const noticeDb = config.databaseUrl && config.noticeWorker ? connectPostgres(config.databaseUrl, 2) : null;
    const notices = startNoticeWorker({ sql: (noticeDb ?? db).sql, config, log });
    // Photo retention (PHOTO_RETENTION_DAYS) and the sweep of abandoned uploads: safe to run in every instance.
    const photoUpkeep = startPhotoUpkeep({ sql: db.sql, config, log });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    return {
      url: `http://localhost:${port}`,
      port,
      db,
      seeded,
      async stop() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Live streams (the dispatch board's) never end on their own: close idle keep-alive
        // sockets at once and give open streams a moment to finish before cutting them.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        const cut = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 1000);
        await closed;
        clearTimeout(cut);
        await notices?.stop();
        await noticeDb?.close();
        await photoUpkeep.stop();
        await headDb?.close();
        await db.close();
      },
    };
  } catch (err) {
    await headDb?.close();
    await db.close();
    throw err;
  }
}
