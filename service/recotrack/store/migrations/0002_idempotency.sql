-- Idempotency keys: the first successful response to a POST, kept so a retry gets it again.
create table idempotency_key (
    token_id    uuid not null references token (id),
    key         text not null,
    fingerprint bytea not null,
    status      integer not null,
    headers     jsonb not null,
    body        bytea not null,
    created_at  timestamptz not null default now(),
    primary key (token_id, key)
);
create index idempotency_key_age on idempotency_key (created_at);
-- Stored as given: compressing a large answer (a batch's outcomes) costs more than it saves.
alter table idempotency_key alter column body set storage external;
