-- Good examples (store/good_examples.py): what worked, lifted out by the secretariat from a
-- recommendation's follow-up so that other agencies learn from it. Read by every role and
-- every agency: the one deliberate exception to per-agency isolation, so an example shows
-- the agency's name only when `agency_named` (the agency agreed to be named).
create table good_example (
    id                uuid primary key,
    recommendation_id uuid not null references recommendation (id),
    title             text not null,
    summary           text not null,             -- Markdown
    agency_named      boolean not null default false,
    version           integer not null default 1,
    created_at        timestamptz not null default write_time(),
    updated_at        timestamptz not null default write_time()
);
create index good_example_page on good_example (created_at, id);
create index good_example_recommendation on good_example (recommendation_id);
