-- Signed checkpoints of the event log's hash chain (store/checkpoints.py). The service signs
-- the chain's head with an Ed25519 key the database never holds; here are only the public
-- keys (so that checkpoints signed by a key since rotated away keep verifying) and the
-- checkpoints. Both only grow: the service needs SELECT and INSERT on them, nothing more.
create table signing_key (
    key_id     text primary key,  -- the first 16 hex digits of sha256(public_key)
    public_key bytea not null unique check (length(public_key) = 32),
    created_at timestamptz not null default now()
);

create table checkpoint (
    id        bigint generated always as identity primary key,
    seq       bigint not null check (seq >= 0),  -- 0: the log was empty
    hash      bytea not null check (length(hash) = 32),
    made_at   timestamptz not null,
    key_id    text not null references signing_key (key_id),
    signature bytea not null check (length(signature) = 64)
);
create index checkpoint_seq on checkpoint (seq);
