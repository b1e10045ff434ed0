-- The system of record: agencies, investments, reviews, recommendations and what follows them,
-- plus tokens and the append-only event log.

create table agency (
    id          text primary key check (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text not null,
    org_number  text not null unique,
    version     integer not null default 1,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table investment (
    id            uuid primary key default gen_random_uuid(),
    agency_id     text not null references agency (id),
    title         text not null,
    description   text not null default '',
    external_ref  text,
    budget_sek    bigint check (budget_sek >= 0),
    loan_financed boolean not null default false,
    phase         text not null,
    version       integer not null default 1,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    unique (agency_id, external_ref),
    -- lets reviews and recommendations carry the agency with a guarantee that it is the right one
    unique (id, agency_id)
);
create index investment_page on investment (created_at, id);

create table review (
    id            uuid primary key default gen_random_uuid(),
    investment_id uuid not null,
    agency_id     text not null,
    title         text not null,
    report_ref    text,
    diarienummer  text,
    started_on    date,
    delivered_on  date,
    version       integer not null default 1,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    foreign key (investment_id, agency_id) references investment (id, agency_id),
    unique (id, agency_id)
);
create index review_page on review (created_at, id);
create index review_investment on review (investment_id);

create table recommendation (
    id                 uuid primary key default gen_random_uuid(),
    code               text not null unique,
    review_id          uuid not null,
    agency_id          text not null,
    title              text not null,
    body               text not null default '',
    area               text not null,
    priority           text not null,
    issued_on          date,
    response_due       date,
    implementation_due date,
    diarienummer       text,
    version            integer not null default 1,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    foreign key (review_id, agency_id) references review (id, agency_id)
);
create index recommendation_page on recommendation (created_at, id);
create index recommendation_agency_page on recommendation (agency_id, created_at, id);
create index recommendation_review on recommendation (review_id);

create table response (
    recommendation_id uuid primary key references recommendation (id),
    decision          text not null,
    rationale         text,
    planned_actions   text[] not null default '{}',
    target_date       date,
    responded_by      text not null,
    version           integer not null default 1,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

-- Every change of a response's target date, with its reason: earlier dates stay visible.
create table target_date_change (
    id                bigint generated always as identity primary key,
    recommendation_id uuid not null references recommendation (id),
    previous          date,
    target_date       date,
    reason            text,
    changed_at        timestamptz not null default now()
);
create index target_date_change_recommendation on target_date_change (recommendation_id, id);

create table progress_report (
    id                uuid primary key default gen_random_uuid(),
    -- the order reports were received in: "latest" among reports of the same day
    seq               bigint generated always as identity,
    recommendation_id uuid not null references recommendation (id),
    agency_id         text not null references agency (id),
    status            text not null,
    note              text not null default '',
    percent_complete  integer check (percent_complete between 0 and 100),
    evidence          text[] not null default '{}',
    reported_on       date not null,
    external_ref      text,
    created_at        timestamptz not null default now(),
    -- the idempotency key of sync: an agency's tool sends each of its updates once
    unique (agency_id, external_ref)
);
create index progress_report_latest
    on progress_report (recommendation_id, reported_on desc, seq desc);

create table assessment (
    id                uuid primary key default gen_random_uuid(),
    seq               bigint generated always as identity,
    recommendation_id uuid not null references recommendation (id),
    status            text not null,
    note              text not null default '',
    assessed_on       date not null,
    created_at        timestamptz not null default now()
);
create index assessment_latest
    on assessment (recommendation_id, assessed_on desc, seq desc);

create table closure (
    recommendation_id uuid primary key references recommendation (id),
    outcome           text not null,
    note              text not null default '',
    closed_at         timestamptz not null default now(),
    version           integer not null default 1
);

create table token (
    id          uuid primary key default gen_random_uuid(),
    secret_hash bytea not null unique,
    role        text not null check (role in ('secretariat', 'agency', 'auditor')),
    agency_id   text references agency (id),
    label       text not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz,
    check ((role = 'agency') = (agency_id is not null))
);
create index token_page on token (created_at, id);

-- The append-only history of every change. Rows are never updated or deleted.
-- Numbered 1, 2, 3, … without gaps, in commit order, and hash-chained:
-- hash = sha256(previous event's hash || canonical encoding of this event), both computed
-- by the writer under the ordering lock (store/events.py; the encoding is recotrack_sdk.audit).
create table event (
    seq         bigint primary key,
    occurred_at timestamptz not null,
    actor       text not null,
    agency_id   text,
    entity      text not null,
    entity_id   text not null,
    action      text not null,
    version     integer,
    data        jsonb not null,
    -- the recommendation an event concerns, for its timeline and for sync
    recommendation_id uuid,
    -- a draft's history (and token administration) is the secretariat's alone
    agency_visible boolean not null default true,
    hash        bytea not null check (length(hash) = 32)
);
create index event_agency_feed on event (agency_id, seq) where agency_visible;
create index event_recommendation on event (recommendation_id, seq);

create function event_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the event log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end
$$;

create trigger event_no_update_delete before update or delete on event
    for each row execute function event_is_append_only();
create trigger event_no_truncate before truncate on event
    for each statement execute function event_is_append_only();

-- The derived state and overdue flag, mirroring recotrack.domain.rules (a test holds them
-- equal). Plain SQL functions: the planner inlines them, so they cost nothing.
create function recommendation_state(
    closed boolean, issued boolean, reported_status text, responded boolean
) returns text language sql immutable parallel safe as $$
    select case
        when closed then 'closed'
        when not issued then 'draft'
        when reported_status = 'implemented' then 'implemented'
        when reported_status in ('in_progress', 'partially_implemented') then 'in_progress'
        when responded then 'responded'
        else 'issued'
    end
$$;

create function recommendation_overdue(
    state text, responded boolean, response_due date, implementation_due date, today date
) returns boolean language sql immutable parallel safe as $$
    select coalesce(
        state not in ('draft', 'closed')
        and (
            (not responded and response_due < today)
            or (state <> 'implemented' and implementation_due < today)
        ),
        false  -- a missing due date is "not late", never "unknown"
    )
$$;

create view recommendation_view as
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
    order by p.reported_on desc, p.seq desc
    limit 1
) latest on true
left join lateral (
    select a.status from assessment a
    where a.recommendation_id = r.id
    order by a.assessed_on desc, a.seq desc
    limit 1
) assessed on true
cross join lateral (
    select recommendation_state(
        c.recommendation_id is not null, r.issued_on is not null, latest.status,
        resp.recommendation_id is not null
    ) as state
) s;
