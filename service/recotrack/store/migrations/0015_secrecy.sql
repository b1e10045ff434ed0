-- Secrecy marks (store/secrecy.py): which fields of a recommendation, or of what follows it
-- up, secrecy law covers, each with its legal ground: `fields` is a list of
-- {"field", "ground", "note"} in the order the secretariat gave them. One row per marked
-- recommendation, changed as a whole (version and If-Match like a closure's); every change
-- is an event, so what was marked when stays provable.
create table secrecy (
    recommendation_id uuid primary key references recommendation (id),
    fields            jsonb not null check (jsonb_typeof(fields) = 'array'),
    version           integer not null default 1,
    created_at        timestamptz not null default write_time(),
    updated_at        timestamptz not null default write_time()
);
