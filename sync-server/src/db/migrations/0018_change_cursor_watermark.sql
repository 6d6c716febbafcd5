-- Change cursors without a city-wide lock.
--
-- Until now every writer of the change log took one advisory lock before its first cursor and
-- held it to commit, so cursors became visible in the order they were taken and any two
-- writers in the city waited on each other. Now writers take cursors freely, and a reader asks
-- how far the log is complete instead: the newest cursor below which nothing is still being
-- written (`change_log_head()`).
--
-- A writer registers its first cursor: a transaction-level advisory lock keyed by it (visible
-- to every session in pg_locks at once, released only after the transaction's changes are
-- visible). Its later cursors are larger, so the first one stands for them all. Taking the
-- cursor and registering it happen under a shared "barrier" lock that a reader takes
-- exclusively for a moment, so a reader never sees a cursor issued but not yet registered.
-- Both are held for microseconds; writers never wait on each other.
--
-- The head: the last cursor issued, or, when a registered writer is still open, one less than
-- the lowest such cursor. Every cursor at or below it belongs to a transaction that has
-- committed or rolled back. Read it in a statement of its own before reading the log: the
-- changes at or below it are then all in any later snapshot.

create or replace function take_change_cursor() returns bigint language plpgsql as $$
declare
  c bigint;
begin
  if current_setting('fieldfix.change_cursor_held', true) = 'yes' then
    return nextval('case_change_cursor');
  end if;
  perform pg_advisory_lock_shared(7311004);
  begin
    c := nextval('case_change_cursor');
    -- Keys from 2^62 up: clear of the project's other advisory locks (small numbers).
    perform pg_advisory_xact_lock(c + 4611686018427387904);
  exception when query_canceled or others then
    perform pg_advisory_unlock_shared(7311004);
    raise;
  end;
  perform pg_advisory_unlock_shared(7311004);
  perform set_config('fieldfix.change_cursor_held', 'yes', true);
  return c;
end;
$$;

create or replace function change_log_head() returns bigint language plpgsql as $$
declare
  issued bigint;
  open_from bigint;
begin
  perform pg_advisory_lock(7311004);
  begin
    select case when is_called then last_value else 0 end into issued from case_change_cursor;
    select min(((l.classid::bigint << 32) | l.objid::bigint) - 4611686018427387904) into open_from
    from pg_locks l
    where l.locktype = 'advisory' and l.objsubid = 1 and l.granted
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid::bigint >= 1073741824;
  exception when query_canceled or others then
    perform pg_advisory_unlock(7311004);
    raise;
  end;
  perform pg_advisory_unlock(7311004);
  return least(issued, coalesce(open_from - 1, issued));
end;
$$;
