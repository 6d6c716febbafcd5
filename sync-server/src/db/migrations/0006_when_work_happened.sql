-- Work done offline happened when the crew did it, not when the tablet found signal.
-- `case_events.at` and `mutations.happened_at` hold when a change happened (the device's
-- time, corrected for its clock offset); `received_at` when the server got it. Closing
-- times, ages, SLAs and resident notices use the former.
alter table case_events add column received_at timestamptz not null default now();
alter table mutations add column happened_at timestamptz;
update mutations set happened_at = least(device_time, received_at) where happened_at is null;
alter table notification_outbox add column happened_at timestamptz;
update notification_outbox set happened_at = created_at where happened_at is null;

