-- The change log's head as a reader at a given cursor needs it.
--
-- `change_log_head()` takes an advisory lock (exclusive, for a moment) and reads pg_locks, so
-- concurrent readers take it one at a time. A reader whose cursor is at or past the last cursor
-- ever issued (the sequence's own row, read without a lock) has nothing to wait for: no cursor
-- at or below its own is still being written, and any cursor issued later is larger. Its own
-- cursor is then the head it needs; only a reader behind the last cursor reads the full head.

create or replace function change_log_head_from(after bigint) returns bigint language sql volatile as $$
  select case
    when after >= (select case when is_called then last_value else 0 end from case_change_cursor) then after
    else change_log_head()
  end
$$;
