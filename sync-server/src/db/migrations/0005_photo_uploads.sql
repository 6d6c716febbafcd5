-- Resumable photo uploads: the bytes arrive after the attach_photo mutation created the row.
-- A complete photo records its content hash (the ETag), when it completed, and its thumbnail.
-- How much of an incomplete upload is stored is the size of its pending file, not a column:
-- the file is the truth, checked under the row lock on every append.
alter table photos add column sha256 text;
alter table photos add column completed_at timestamptz;
alter table photos add column thumb_key text;
