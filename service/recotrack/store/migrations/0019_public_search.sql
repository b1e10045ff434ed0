-- The public catalogue's search (issue 16): a published recommendation matches a search only
-- by what it shows the public. The search index holds every text, withheld ones too, so it
-- only finds candidates; this decides, from the text left once secrecy is applied, whether a
-- candidate matches. Asked only of the index's few candidates, never of the whole table.
create function public_text_matches(rec uuid, query tsquery) returns boolean
language sql stable cost 1000 as $$
    with marked as (
        select coalesce(array_agg(m->>'field'), '{}') as fields
        from secrecy s, jsonb_array_elements(s.fields) m
        where s.recommendation_id = rec
    )
    select (
        to_tsvector('simple', r.code)
        || to_tsvector('swedish', case when 'title' = any(marked.fields) then '' else r.title end)
        || to_tsvector('swedish', case when 'body' = any(marked.fields) then '' else r.body end)
        || to_tsvector('swedish', case when 'response.rationale' = any(marked.fields) then ''
                                       else coalesce(resp.rationale, '') end)
        || to_tsvector('swedish', case when 'response.planned_actions' = any(marked.fields)
                                       then ''
                                       else array_to_string(coalesce(resp.planned_actions, '{}'),
                                                            ' ') end)
        || to_tsvector('swedish', case when 'progress.note' = any(marked.fields) then ''
                                       else coalesce((select string_agg(p.note, ' ')
                                                      from progress_report p
                                                      where p.recommendation_id = rec), '') end)
    ) @@ query
    from recommendation r
    cross join marked
    left join response resp on resp.recommendation_id = r.id
    where r.id = rec
$$;
