import type { Staff } from '../access/caller.ts';
import type { Sql } from '../db/database.ts';
export type { Sql };
import type { Config } from '../config.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { AskedBecause, QuietPull } from '../sync/quiet-pull.ts';

export type AppDeps = {
  sql: Sql;
  config: Config;
  dbKind: 'embedded' | 'postgres';
  version: string;
  log: Logger;
  /** This server's metrics; `createApp` makes them when not given. */
  metrics?: Metrics;
  /** What this instance remembers to answer devices up to date; `createApp` makes it when not given. */
  quietPull?: QuietPull;
};

/** The dependencies as `createApp` hands them to the routes: with the parts it makes when not given. */
export type AppParts = AppDeps & { metrics: Metrics; quietPull: QuietPull };

export type Logger = {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
};

export type AppEnv = {
  Variables: {
    staff: Staff;
    sessionTokenHash: string;
    /**
     * The change log's head, read with the session (the pull's route only); when `fromMemory`,
     * the cursor the pull answers "nothing new" with.
     */
    changeLogHead?: bigint;
    /** The pull is answered from this instance's memory (`QuietPull`): no statement before the answer. */
    fromMemory?: boolean;
    /** Why the pull is answered by the database instead (`QuietPull`; `/metrics`). */
    askedBecause?: AskedBecause;
  };
};
