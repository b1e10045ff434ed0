-- The public catalogue's search, indexed (replaces 0019's check per candidate, which cost a
-- second for a common word at 100,000 recommendations, and as much again to count): for each
-- recommendation, the text the public is shown, secrecy applied, kept up to date by triggers
-- on every text it is made of and on the marks. A search of the catalogue matches only this.
drop function public_text_matches(uuid, tsquery);

create table public_search (
    recommendation_id uuid primary key references recommendation (id),
    document          tsvector not null
);
create index public_search_document on public_search using gin (document);

create function refresh_public_search(ids uuid[]) returns void
language sql as $$
    insert into public_search (recommendation_id, document)
    select r.id,
        to_tsvector('simple', r.code)
        || to_tsvector('swedish', case when 'title' = any(m.fields) then '' else r.title end)
        || to_tsvector('swedish', case when 'body' = any(m.fields) then '' else r.body end)
        || to_tsvector('swedish', case when 'response.rationale' = any(m.fields) then ''
                                       else coalesce(resp.rationale, '') end)
        || to_tsvector('swedish', case when 'response.planned_actions' = any(m.fields) then ''
                                       else array_to_string(coalesce(resp.planned_actions, '{}'),
                                                            ' ') end)
        || to_tsvector('swedish', case when 'progress.note' = any(m.fields) then ''
                                       else coalesce((select string_agg(p.note, ' ' order by p.seq)
                                                      from progress_report p
                                                      where p.recommendation_id = r.id), '') end)
    from recommendation r
    left join response resp on resp.recommendation_id = r.id
    cross join lateral (
        select coalesce(array_agg(f->>'field'), '{}') as fields
        from secrecy s, jsonb_array_elements(s.fields) f
        where s.recommendation_id = r.id
    ) m
    where r.id = any(ids)
    on conflict (recommendation_id) do update set document = excluded.document
$$;

create function public_search_refresh_recommendation() returns trigger language plpgsql as $$
begin
    perform refresh_public_search(array[new.id]);
    return null;
end
$$;

create function public_search_refresh_follow_up() returns trigger language plpgsql as $$
begin
    perform refresh_public_search(array[new.recommendation_id]);
    return null;
end
$$;

create trigger public_search_recommendation after insert or update of code, title, body
    on recommendation for each row execute function public_search_refresh_recommendation();
create trigger public_search_response after insert or update of rationale, planned_actions
    on response for each row execute function public_search_refresh_follow_up();
create trigger public_search_progress after insert on progress_report
    for each row execute function public_search_refresh_follow_up();
create trigger public_search_secrecy after insert or update of fields on secrecy
    for each row execute function public_search_refresh_follow_up();

select refresh_public_search(array(select id from recommendation));
