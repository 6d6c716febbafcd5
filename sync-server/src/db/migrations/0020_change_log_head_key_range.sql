-- The change log's head reads only the change cursors' own advisory locks.
--
-- `change_log_head()` (migration 0018) read every advisory lock keyed from 2^62 up as a change
-- cursor's, with no upper bound: a lock on any other 64-bit key (a hash, say) in that range or
-- above it was taken for an open writer, and for keys whose high half reads as 2^31 or more
-- the arithmetic overflowed, so every pull made while such a lock was held answered an error.
-- A cursor's key is the cursor plus 2^62, a positive 63-bit number: its high half lies in
-- [2^30, 2^31). Only those keys count now. The project's other advisory locks use small keys
-- or the two-integer form (objsubid 2), which this never reads.

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
      and l.classid::bigint >= 1073741824 and l.classid::bigint < 2147483648;
  exception when query_canceled or others then
    perform pg_advisory_unlock(7311004);
    raise;
  end;
  perform pg_advisory_unlock(7311004);
  return least(issued, coalesce(open_from - 1, issued));
end;
$$;
