-- Webhook deliveries (worker/deliveries.py, store/deliveries.py).
--
-- Each subscription is worked on by one worker at a time, whichever replica: a worker takes
-- its row `for update skip locked` and holds it while its requests are out, so the lock
-- goes with the worker's connection when the worker dies, and another takes over at once
-- from `position` (the event log's seq it has been sent up to, migration 0011).
--
-- Head of line: the first change after `position` that the subscription may be sent is
-- retried until it succeeds (`position` then moves past it) or the retries run out, and the
-- subscription is disabled. `failures` counts the failed attempts at it; `next_attempt_at`
-- is when the next is due (null: as soon as there is something to send).
alter table webhook
    add column failures          integer not null default 0 check (failures >= 0),
    add column next_attempt_at   timestamptz,
    add column disabled_reason   text,
    add column worked_at         timestamptz,  -- the last look: the least recent goes first
    add column succeeded_count   bigint not null default 0,  -- attempts, for /metrics
    add column failed_count      bigint not null default 0;

-- The delivery log: one row per attempt to send a change, and a redelivery asked for
-- (`status` queued) until the worker sends it. Not the audit log: it goes with its
-- subscription.
create table webhook_delivery (
    id               uuid primary key,
    webhook_id       uuid not null references webhook (id) on delete cascade,
    seq              bigint not null,             -- the change (event) sent
    type             text not null,               -- its `entity.action`
    message_id       text not null,               -- the `webhook-id` it went with
    attempt          integer not null check (attempt >= 1),
    redelivery       boolean not null default false,
    status           text not null check (status in ('queued', 'succeeded', 'failed')),
    created_at       timestamptz not null default now(),
    attempted_at     timestamptz,
    status_code      integer,
    duration_seconds double precision,
    error            text,
    next_attempt_at  timestamptz,  -- queued: when it goes; failed: when the change is retried
    check ((status = 'queued') = (attempted_at is null))
);
create index webhook_delivery_page on webhook_delivery (webhook_id, created_at, id);
create index webhook_delivery_queued on webhook_delivery (next_attempt_at) where status = 'queued';
