-- Streaming photo uploads: a PATCH writes bytes to the pending file as they arrive, which on
-- a weak uplink takes minutes. Instead of holding a transaction (and a pooled connection) for
-- that long, the request takes a short lease on the photo row, renews it while bytes flow,
-- and gives it back when the body ends or the connection is cut. One writer per photo: a
-- second PATCH while a lease is live is refused (409). A lease left by a crashed process
-- simply runs out. Completion still runs under the row lock.
alter table photos add column upload_lease text;
alter table photos add column upload_lease_until timestamptz;
