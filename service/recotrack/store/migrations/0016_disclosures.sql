-- Releases of public records (store/disclosures.py): a request answered, and each document
-- exactly as it was handed out. Written once, never changed (the service may only insert):
-- `documents` lists each one's format, SHA-256 and size, as the disclosure's event does.
create table disclosure (
    id                 uuid primary key,
    request_ref        text not null,                 -- the request's diarienummer
    requested_by       text not null default '',      -- anyone may ask without a name
    recommendation_ids uuid[] not null,
    documents          jsonb not null,
    created_at         timestamptz not null default write_time(),
    created_by         text not null
);
create index disclosure_page on disclosure (created_at, id);

create table disclosure_document (
    disclosure_id uuid not null references disclosure (id),
    format        text not null check (format in ('pdf', 'csv', 'json')),
    content       bytea not null,
    primary key (disclosure_id, format)
);
