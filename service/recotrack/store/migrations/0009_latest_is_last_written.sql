-- One order of what is appended under a recommendation, everywhere: the order it was written
-- in (`seq`, an identity taken row by row as the rows are inserted: a sync batch's input order
-- within the batch). The list, the timeline and "latest" follow it, so the latest progress
-- report (the state) and the latest assessment are the last ones written, whatever date they
-- name: the agency's newest word counts, and a date is what the report says, not its place.
-- Ordered by `reported_on` first (before this), a report sent later but dated earlier sank out
-- of sight, while the list (by `created_at`, which a batch shares) showed another order again.
drop index progress_report_latest;
create index progress_report_latest
    on progress_report (recommendation_id, seq desc) include (status, agency_id);
drop index assessment_latest;
create index assessment_latest on assessment (recommendation_id, seq desc) include (status);

create or replace view recommendation_view as
select
    r.*,
    rv.investment_id,
    resp.decision,
    latest.status as reported_status,
    assessed.status as assessed_status,
    s.state,
    recommendation_overdue(
        s.state, resp.recommendation_id is not null, r.response_due, r.implementation_due,
        current_date
    ) as overdue
from recommendation r
join review rv on rv.id = r.review_id
left join response resp on resp.recommendation_id = r.id
left join closure c on c.recommendation_id = r.id
left join lateral (
    select p.status from progress_report p
    where p.recommendation_id = r.id
    order by p.seq desc
    limit 1
) latest on true
left join lateral (
    select a.status from assessment a
    where a.recommendation_id = r.id
    order by a.seq desc
    limit 1
) assessed on true
cross join lateral (
    select recommendation_state(
        c.recommendation_id is not null, r.issued_on is not null, latest.status,
        resp.recommendation_id is not null
    ) as state
) s;
