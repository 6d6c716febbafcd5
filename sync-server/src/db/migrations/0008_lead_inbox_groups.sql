-- The lead inbox groups the changes of one push that did not take: one notice per department
-- and person instead of one per change, so a device's refused batch does not bury the crossed
-- paths. A group lists every change it stands for in `items`; its `case_id` is the case they
-- were all on, or null when they span cases, and its `mutation_id` is null. Acknowledging the
-- notice acknowledges the group.

alter table lead_notices
  -- Null on notices recorded before the inbox told the kinds apart: their kind is not known.
  add column kind text check (kind in ('crossed-path', 'not-applied')),
  -- Whose changes they were (the person who pushed them).
  add column actor_user_id text references users(id),
  -- A group's changes, in push order: [{ "caseId": "12", "mutationId": "…", "message": "…" }, …].
  -- Null on a notice that stands for one change (its own columns say which).
  add column items jsonb check (items is null or (jsonb_typeof(items) = 'array' and jsonb_array_length(items) >= 2));

alter table lead_notices alter column case_id drop not null;

-- A single notice names its case; a group names its cases in `items`.
alter table lead_notices add constraint lead_notices_names_its_cases
  check (case_id is not null or items is not null);
