-- Delivering resident notices (R10): who receives them, what was sent to whom, and the
-- worker's lease on the outbox rows it is sending. `notification_outbox` stays the queue;
-- a row is sent when every recipient has a delivery, and never before the change committed.

-- A worker claims a row until `claimed_until`; another instance takes it only after that.
alter table notification_outbox add column claimed_until timestamptz;
-- Set when delivery gave up (too many attempts, or too old to send): an admin may retry it.
alter table notification_outbox add column failed_at timestamptz;
create index notification_outbox_due_idx on notification_outbox (send_after, id)
  where sent_at is null and failed_at is null;

-- The reporter's language for notices: 0009 (Open311) adds it; notices need it either way.
alter table case_reporters add column if not exists language text;

-- People who follow a case besides its reporter (the follow form is a later change). Like
-- case_reporters, contact details stay apart from the case.
create table case_followers (
  case_id bigint not null references cases(id),
  email text not null,
  language text not null default 'en',
  created_at timestamptz not null default now()
);
create unique index case_followers_key on case_followers (case_id, lower(email));

-- "Stop telling me about this case": by case and address, whoever the address is to it.
create table notice_unsubscribes (
  case_id bigint not null references cases(id),
  email text not null,
  at timestamptz not null default now(),
  primary key (case_id, email)
);

-- One row per notice and recipient (lower-cased address), written before the message is
-- handed to SMTP and marked sent once it was accepted. A row that is not marked sent after a
-- crash may or may not have reached the SMTP server: it is sent again with the same
-- Message-ID, the one duplicate SMTP cannot rule out.
create table notice_deliveries (
  outbox_id bigint not null references notification_outbox(id),
  email text not null,
  message_id text not null,
  attempted_at timestamptz not null default now(),
  sent_at timestamptz,
  primary key (outbox_id, email)
);
