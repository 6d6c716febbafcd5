-- A case's notices go out in the order they were queued: a "scheduled" held back by a
-- mail server's "try later" must not arrive after the "fixed" queued behind it. The claim
-- looks for an earlier notice of the same case still waiting; this index answers that from
-- the few rows not yet sent.
create index notification_outbox_case_waiting_idx on notification_outbox (case_id, id)
  where sent_at is null and failed_at is null;
