-- The city's public record (/map and /stats). The map asks for the cases in a box of the
-- screen, open or closed lately, grouped into grid cells: one index on the place holding what
-- the query reads, so a viewport of 100,000 cases is read from the index alone. Cancelled
-- cases and duplicates merged into another are not part of the record.
create index cases_public_place_idx on cases (long, lat)
  include (id, state, service_code, district_id, requested_at, closed_at)
  where not cancelled and merged_into_id is null;
