-- Full-text search in Swedish (stemming: "investeringar" finds "investering"). A
-- recommendation's own text (code, title, body) and the agency's response (rationale, planned
-- actions) are indexed together, kept current by triggers whoever writes; each progress note is
-- indexed on its own row, so a report adds to the index without reindexing anything else.
create table recommendation_search (
    recommendation_id uuid primary key references recommendation (id),
    document          tsvector not null
);
create index recommendation_search_document on recommendation_search using gin (document);

alter table progress_report
    add column note_search tsvector generated always as (to_tsvector('swedish', note)) stored;
create index progress_report_note_search on progress_report using gin (note_search);

create function refresh_recommendation_search(ids uuid[]) returns void
language sql as $$
    insert into recommendation_search (recommendation_id, document)
    select r.id,
        setweight(to_tsvector('simple', r.code), 'A')
        || setweight(to_tsvector('swedish', r.title), 'A')
        || setweight(to_tsvector('swedish', r.body), 'B')
        || setweight(to_tsvector('swedish', coalesce(resp.rationale, '') || ' '
            || array_to_string(coalesce(resp.planned_actions, '{}'), ' ')), 'C')
    from recommendation r
    left join response resp on resp.recommendation_id = r.id
    where r.id = any(ids)
    on conflict (recommendation_id) do update set document = excluded.document
$$;

create function search_refresh_recommendation() returns trigger language plpgsql as $$
begin
    perform refresh_recommendation_search(array[new.id]);
    return null;
end
$$;

create function search_refresh_response() returns trigger language plpgsql as $$
begin
    perform refresh_recommendation_search(array[new.recommendation_id]);
    return null;
end
$$;

create trigger recommendation_search_insert after insert on recommendation
    for each row execute function search_refresh_recommendation();
-- only when the text changes: the version bump of every follow-up write leaves it alone
create trigger recommendation_search_update after update of code, title, body on recommendation
    for each row execute function search_refresh_recommendation();
create trigger response_search after insert or update of rationale, planned_actions on response
    for each row execute function search_refresh_response();

select refresh_recommendation_search(array(select id from recommendation));
