-- The lead's dispatch board: what each crew can take in a day, where its day starts, what its
-- devices have received (delivery receipts), and where it is now (only if the crew shares it).
-- Works on PostgreSQL 15+ and on embedded PGlite (no extensions).

-- Minutes of work a crew can take in a day (service plus travel). The old `capacity` counts
-- cases and stays for the crew's own device; a working day is 7 to 8 hours of it.
alter table crews add column capacity_minutes integer check (capacity_minutes > 0);
update crews set capacity_minutes = least(480, greatest(420, capacity * 35));
alter table crews alter column capacity_minutes set default 450;
alter table crews alter column capacity_minutes set not null;

-- The service codes the crew can work; null: every service type of its department.
alter table crews add column skills text[];

-- Where the crew's day starts and ends (its yard). Backfilled to the middle of its home
-- district; null when it has none (the board then starts it at the city's middle).
alter table crews add column start_lat double precision check (start_lat between -90 and 90);
alter table crews add column start_long double precision check (start_long between -180 and 180);
update crews c set start_lat = (d.min_lat + d.max_lat) / 2, start_long = (d.min_long + d.max_long) / 2
from districts d where d.id = c.home_district_id;

-- Whether the crew's devices report where they are (the lead sees the last one on the map).
alter table crews add column shares_position boolean not null default true;

-- Each device's newest pull: the cursor it was answered with and when. One row per device
-- (client id) and person; `crew_id` is the person's crew at that pull.
create table device_syncs (
  client_id text not null,
  user_id text not null references users(id),
  crew_id text references crews(id),
  cursor bigint not null,
  pulled_at timestamptz not null,
  primary key (client_id, user_id)
);
create index device_syncs_crew_idx on device_syncs (crew_id, pulled_at);

-- When each crew device first held each cursor it was answered with: "the crew's tablet has
-- held change N since T" is the earliest `at` of the crew's rows with `cursor >= N`. A pull
-- that brings nothing new adds no row; rows older than 7 days are pruned at the device's next
-- pull, except its newest (a receipt for an older change then reads "since" that row, which
-- is late but true).
create table device_pull_log (
  client_id text not null,
  user_id text not null references users(id),
  crew_id text not null references crews(id),
  cursor bigint not null,
  at timestamptz not null,
  primary key (client_id, user_id, cursor)
);
create index device_pull_log_crew_idx on device_pull_log (crew_id, cursor);

-- The last position a device of the crew reported (one row per crew: where the crew is).
create table crew_positions (
  crew_id text primary key references crews(id),
  lat double precision not null check (lat between -90 and 90),
  long double precision not null check (long between -180 and 180),
  at timestamptz not null,
  reported_by text references users(id),
  received_at timestamptz not null default now()
);
