-- The newest change cursor a pull's snapshot sees (pull.service.ts): one backward step on an
-- index per stream, so a device that is up to date is answered from the indexes alone.
create index cases_change_cursor_idx on cases (change_cursor);
create index mutations_cursor_idx on mutations (cursor);
create index case_departures_cursor_idx on case_departures (cursor);
