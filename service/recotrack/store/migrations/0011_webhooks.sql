-- Webhook subscriptions (store/webhooks.py): where an agency's (or the secretariat's)
-- changes are to be pushed, and the secret that signs them (Standard Webhooks).
--
-- The secret must sign deliveries, so it cannot be hashed: it is kept encrypted (AES-GCM,
-- with a key in a file the database never holds: RECOTRACK_SECRETS_KEY_FILE), bound to the
-- subscription's id. After a rotation the previous secret keeps signing beside the new one
-- until `previous_secret_expires_at`.
--
-- `position` is the event log's `seq` the subscription has been sent up to: a new one
-- starts at the head of the log (it is sent what happens from then on). The delivery worker
-- moves it; nothing else does.
create table webhook (
    id                         uuid primary key,
    agency_id                  text references agency (id),  -- null: every agency's (secretariat)
    url                        text not null,
    events                     text[],                        -- null: every change type
    description                text not null default '',
    active                     boolean not null default true,
    secret                     bytea not null,
    previous_secret            bytea,
    previous_secret_expires_at timestamptz,
    position                   bigint not null check (position >= 0),
    version                    integer not null default 1,
    created_at                 timestamptz not null default write_time(),
    updated_at                 timestamptz not null default write_time(),
    check ((previous_secret is null) = (previous_secret_expires_at is null))
);
create index webhook_page on webhook (created_at, id);
create index webhook_agency on webhook (agency_id, created_at, id);
