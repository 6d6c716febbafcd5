-- Every change to a case moves it to the head of the change log, whatever code made it,
-- so a device that pulls "after my cursor" cannot miss an update.
create function cases_touch() returns trigger language plpgsql as $$
begin
  new.change_cursor := nextval('case_change_cursor');
  return new;
end;
$$;

create trigger cases_touch before update on cases
  for each row execute function cases_touch();
