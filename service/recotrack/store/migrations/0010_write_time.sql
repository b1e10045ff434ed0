-- The time a write is recorded at: the transaction's (`now()`), unless the transaction set
-- `recotrack.write_time` (store/demo.py), which writes a history after the fact, each write
-- at its own past moment. Its event (store/events.py) and its rows' timestamps then carry
-- the same time, as they do when it is now. The setting is local to its transaction: it
-- cannot outlive it on a pooled connection.
create function write_time() returns timestamptz language sql stable as $$
    select coalesce(nullif(current_setting('recotrack.write_time', true), '')::timestamptz, now())
$$;

alter table agency
    alter column created_at set default write_time(),
    alter column updated_at set default write_time();
alter table investment
    alter column created_at set default write_time(),
    alter column updated_at set default write_time();
alter table review
    alter column created_at set default write_time(),
    alter column updated_at set default write_time();
alter table recommendation
    alter column created_at set default write_time(),
    alter column updated_at set default write_time();
alter table response
    alter column created_at set default write_time(),
    alter column updated_at set default write_time();
alter table target_date_change alter column changed_at set default write_time();
alter table progress_report alter column created_at set default write_time();
alter table assessment alter column created_at set default write_time();
alter table closure alter column closed_at set default write_time();
alter table token alter column created_at set default write_time();
