-- Links between recommendations (store/links.py, domain/lineage.py): a later second opinion
-- supersedes, refines, splits or repeats an earlier recommendation. Made by the secretariat,
-- never changed (another kind is another link), removed by the secretariat; the event log
-- keeps both. The rules that need more than one row (no cycle of `supersedes` or `splits`,
-- no link from an issued recommendation to a draft) are the store's, under one lock.
create table recommendation_link (
    id         uuid primary key,
    source_id  uuid not null references recommendation (id),
    target_id  uuid not null references recommendation (id),
    kind       text not null check (kind in ('supersedes', 'refines', 'splits', 'repeats')),
    created_by text not null,
    created_at timestamptz not null default write_time(),
    version    integer not null default 1,
    constraint recommendation_link_once unique (source_id, target_id, kind),
    constraint recommendation_link_not_itself check (source_id <> target_id)
);
-- the walk against the links' direction (the unique constraint's index walks along it)
create index recommendation_link_target on recommendation_link (target_id);
