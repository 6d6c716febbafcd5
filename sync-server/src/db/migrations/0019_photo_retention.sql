-- Photo retention: a city may choose (PHOTO_RETENTION_DAYS) to delete the bytes of photos whose
-- case was closed long ago. Notes and photos are otherwise never lost (R4), so the photo's row
-- stays: it records that the bytes were removed, why and when, and the case history still says
-- a photo was taken. A download of such a photo answers 410 Gone.
alter table photos add column removed_at timestamptz;
alter table photos add column removed_reason text check (removed_reason in ('retention'));
alter table photos add constraint photos_removed_check check ((removed_at is null) = (removed_reason is null));
-- The retention job looks for complete photos not yet removed, by case.
create index photos_retained_idx on photos (case_id) where complete and removed_at is null;
