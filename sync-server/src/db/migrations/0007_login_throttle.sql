-- Sign-in throttling, kept in the database so every server instance sees the same counts.
-- One row per account (the lower-cased email, whether or not such an account exists) and one
-- per client address. `failures` counts failed sign-ins in a fixed window from `window_start`,
-- including attempts still being checked; reaching the limit locks the key until
-- `locked_until`, each lockout in a row twice as long as the one before (up to a cap).
-- A row past `expires_at` carries nothing any more and is deleted on the next sign-in.
create table login_throttle (
  scope text not null check (scope in ('account', 'address')),
  key text not null,
  failures integer not null default 0 check (failures >= 0),
  window_start timestamptz not null,
  locked_until timestamptz,
  lockouts integer not null default 0 check (lockouts >= 0),
  expires_at timestamptz not null,
  primary key (scope, key)
);
create index login_throttle_expires_idx on login_throttle (expires_at);
