-- Sessions of the web dashboard. A person signs in by pasting an API token once; the session
-- stands for that token (and so ends when the token is revoked). Only a hash of the session's
-- random id is kept, as for tokens: a copy of this table signs nobody in.
create table web_session (
    id_hash    bytea primary key,
    token_id   uuid not null references token (id),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    check (expires_at > created_at)
);
create index web_session_expiry on web_session (expires_at);
create index web_session_token on web_session (token_id);
