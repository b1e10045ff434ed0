-- `published` (issue 16): the secretariat decides which recommendations the public
-- catalogue shows (`RECOTRACK_PUBLIC_CATALOGUE`); none is until it says so.
alter table recommendation add column published boolean not null default false;

-- The view's `r.*` was expanded when it was made: made again, it has the new column (its
-- definition is otherwise 0012's).
drop view recommendation_view;
create view recommendation_view as
select
    r.*,
    rv.investment_id,
    resp.decision,
    latest.status as reported_status,
    assessed.status as assessed_status,
    s.state,
    recommendation_late(
        s.state, resp.recommendation_id is not null, r.response_due, r.implementation_due,
        (select last_working_day_before(current_date))
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
