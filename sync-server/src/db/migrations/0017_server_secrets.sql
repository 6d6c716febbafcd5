-- Keys every server instance must share, generated once (the first instance to start wins):
-- today the key that signs the links in notices, when LINK_SECRET is not set.
create table server_secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
