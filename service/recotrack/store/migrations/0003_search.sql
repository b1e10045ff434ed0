-- Full-text search in Swedish (stemming: "investeringar" finds "investering") over a
-- recommendation's code, title, body, the agency's rationale and planned actions, and the
-- notes of its progress reports. Kept current by triggers, whoever writes.
create table recommendation_search (
    recommendation_id uuid primary key references recommendation (id),
    document          tsvector not null
);
create index recommendation_search_document on recommendation_search using gin (document);

create function refresh_recommendation_search(ids uuid[]) returns void
language sql as $$
    insert into recommendation_search (recommendation_id, document)
    select r.id,
        setweight(to_tsvector('simple', r.code), 'A')
        || setweight(to_tsvector('swedish', r.title), 'A')
        || setweight(to_tsvector('swedish', r.body), 'B')
        || setweight(to_tsvector('swedish', coalesce(resp.rationale, '') || ' '
            || array_to_string(coalesce(resp.planned_actions, '{}'), ' ')), 'C')
        || setweight(to_tsvector('swedish', coalesce(notes.text, '')), 'D')
    from recommendation r
    left join response resp on resp.recommendation_id = r.id
    left join lateral (
        select string_agg(p.note, ' ') as text from progress_report p
        where p.recommendation_id = r.id
    ) notes on true
    where r.id = any(ids)
    on conflict (recommendation_id) do update set document = excluded.document
$$;

create function search_refresh_recommendation() returns trigger language plpgsql as $$
begin
    perform refresh_recommendation_search(array(select id from changed));
    return null;
end
$$;

create function search_refresh_by_reference() returns trigger language plpgsql as $$
begin
    perform refresh_recommendation_search(array(select distinct recommendation_id from changed));
    return null;
end
$$;

create trigger recommendation_search_insert after insert on recommendation
    referencing new table as changed
    for each statement execute function search_refresh_recommendation();
create trigger recommendation_search_update after update on recommendation
    referencing new table as changed
    for each statement execute function search_refresh_recommendation();
create trigger response_search_insert after insert on response
    referencing new table as changed
    for each statement execute function search_refresh_by_reference();
create trigger response_search_update after update on response
    referencing new table as changed
    for each statement execute function search_refresh_by_reference();
create trigger progress_search_insert after insert on progress_report
    referencing new table as changed
    for each statement execute function search_refresh_by_reference();

select refresh_recommendation_search(array(select id from recommendation));
