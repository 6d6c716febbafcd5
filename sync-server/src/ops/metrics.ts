import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutcomeKind, Reason } from '@fieldfix/shared';
import type { DatabaseKind, Sql } from '../db/database.ts';
import type { Logger } from '../http/deps.ts';
import type { AskedBecause } from '../sync/quiet-pull.ts';
import { connectionsByState, outboxStats } from './db-stats.ts';

/**
 * The server's metrics, in a registry of its own (several servers may run in one process, as
 * in tests). Labels carry route patterns, methods, statuses and outcome kinds: never a
 * person, an id or a raw path.
 */
export type Metrics = {
  readonly registry: Registry;
  /** A request began; call what it returns when its response is ready. */
  requestStarted(): () => void;
  /** A request's answer: `route` is the pattern that answered it (`/api/cases/:id`). */
  requestDone(method: string, route: string, status: number, seconds: number): void;
  /** The outcomes of one push (R9). */
  pushOutcomes(outcomes: readonly { outcome: OutcomeKind; reason: Reason | null }[]): void;
  /**
   * A pull answered: from this instance's memory (nothing new) or by the database (`QuietPull`),
   * and then why, when the instance could tell (`AskedBecause`).
   */
  pullAnswered(from: 'memory' | 'database', because?: AskedBecause): void;
  /** The text a Prometheus server scrapes, with the database's figures read now. */
  render(): Promise<{ contentType: string; body: string }>;
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(opts: {
  sql: Sql;
  dbKind: DatabaseKind;
  log: Logger;
  /** The Node process's own metrics (CPU, memory, event loop, GC): for a real server, not every test app. */
  processMetrics?: boolean;
}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (until the response starts; a stream may go on), by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being handled now.',
    registers,
  });
  const push = new Counter({
    name: 'fieldfix_sync_push_outcomes_total',
    help: 'Outcomes of pushed changes (R9): applied, merged, superseded or rejected, and why (none when applied).',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  });
  const pulls = new Counter({
    name: 'fieldfix_sync_pulls_total',
    help: "Pulls answered, by where the answer came from: this instance's memory (a device up to date) or the database.",
    labelNames: ['answered_from'] as const,
    registers,
  });
  const askedBecause = new Counter({
    name: 'fieldfix_sync_pulls_by_database_total',
    help:
      'Pulls the database answered, by why memory could not: off, no-head (no recent head read), session ' +
      '(not remembered here), behind (the device said so), changed (its scope or outcomes changed), ' +
      'before-knowledge, no-client-id, city (a whole-city scope).',
    labelNames: ['because'] as const,
    registers,
  });
  const outboxDepth = new Gauge({
    name: 'fieldfix_notice_outbox_depth',
    help: 'Resident notices queued and not sent yet (not counting those given up on).',
    registers,
  });
  const outboxAge = new Gauge({
    name: 'fieldfix_notice_outbox_oldest_age_seconds',
    help: 'Age of the oldest resident notice not sent yet; 0 when none waits.',
    registers,
  });
  const outboxFailed = new Gauge({
    name: 'fieldfix_notice_outbox_failed',
    help: 'Resident notices delivery gave up on, waiting for an admin to retry them.',
    registers,
  });
  const poolMax = new Gauge({
    name: 'fieldfix_db_pool_max_connections',
    help: "The most connections this server's database pool opens (1 on embedded PGlite).",
    registers,
  });
  const connections = new Gauge({
    name: 'fieldfix_db_connections',
    help:
      "This instance's connections to the database, by state as PostgreSQL reports it (pg_stat_activity, by the " +
      'connections\' application_name, less the scrape): active ones run a query, idle ones are spare. Embedded PGlite: state="open" 1.',
    labelNames: ['state'] as const,
    registers,
  });
  const dbUp = new Gauge({
    name: 'fieldfix_db_up',
    help: 'Whether the database answered the last scrape (1) or not (0; its figures are then absent).',
    registers,
  });

  // Read when scraped: building the app touches no database (tests build it without one).
  async function readDatabase() {
    poolMax.set(opts.sql.options.max);
    outboxDepth.reset();
    outboxAge.reset();
    outboxFailed.reset();
    connections.reset();
    try {
      const [outbox, byState] = await Promise.all([outboxStats(opts.sql), connectionsByState(opts.sql, opts.dbKind)]);
      outboxDepth.set(outbox.depth);
      outboxAge.set(outbox.oldestAgeSeconds);
      outboxFailed.set(outbox.failed);
      for (const [state, n] of Object.entries(byState)) connections.set({ state }, n);
      dbUp.set(1);
    } catch (err) {
      dbUp.set(0);
      opts.log.warn(`metrics: the database did not answer (${(err as Error).message})`);
    }
  }

  return {
    registry,
    requestStarted() {
      inFlight.inc();
      let done = false;
      return () => {
        if (!done) inFlight.dec();
        done = true;
      };
    },
    requestDone(method, route, status, seconds) {
      const m = METHODS.has(method) ? method : 'OTHER';
      requests.inc({ method: m, route, status: String(status) });
      duration.observe({ method: m, route }, seconds);
    },
    pushOutcomes(outcomes) {
      for (const o of outcomes) push.inc({ outcome: o.outcome, reason: o.reason ?? 'none' });
    },
    pullAnswered(from, because) {
      pulls.inc({ answered_from: from });
      if (from === 'database' && because) askedBecause.inc({ because });
    },
    async render() {
      await readDatabase();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
