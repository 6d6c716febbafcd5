import type { Role } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
export type { Sql };
import type { Config } from '../config.ts';

/** Who is asking, as the auth middleware found them. */
export type Staff = {
  id: string;
  name: string;
  email: string;
  role: Role;
  crewId: string | null;
  departmentId: string | null;
};

export type AppDeps = {
  sql: Sql;
  config: Config;
  dbKind: 'embedded' | 'postgres';
  version: string;
  log: Logger;
};

export type Logger = {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
};

export type AppEnv = {
  Variables: {
    staff: Staff;
    sessionTokenHash: string;
  };
};
