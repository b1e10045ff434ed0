-- Least privilege: what the service's own database role may do, applied by every migration
-- run (store/migrate.py) after the numbered migrations, so that it covers the tables they
-- add and comes back after a restore made without privileges (`pg_restore --no-acl`).
--
-- The service reads everything and appends to the event log. It is not the tables' owner, so
-- it cannot alter them, disable their triggers or change session_replication_role (a
-- superuser's setting); migrations run as the owner (deploy/OPERATIONS.md, Database roles).
--
-- The privileges go to `recotrack_service`, a group role (NOLOGIN) that the service's login
-- role is a member of. Roles belong to the whole cluster: made here when missing (which takes
-- CREATEROLE), tolerating another database's migration making it at the same moment.
do $$
begin
    if not exists (select from pg_roles where rolname = 'recotrack_service') then
        begin
            create role recotrack_service nologin;
        exception
            when duplicate_object or unique_violation then
                null;  -- made meanwhile by the migration of another database in the cluster
            when insufficient_privilege then
                raise exception 'the role recotrack_service does not exist and % may not create it',
                    current_user
                    using errcode = 'insufficient_privilege',
                          hint = 'create it once: CREATE ROLE recotrack_service NOLOGIN '
                              '(deploy/OPERATIONS.md, Database roles)';
        end;
    end if;
end
$$;

-- Only the owner creates objects (PostgreSQL 14 still lets everyone create in `public`).
revoke create on schema public from public;
grant usage on schema public to recotrack_service;

-- Every table, those of later migrations too: read and append, nothing more.
revoke all on all tables in schema public from recotrack_service;
grant select, insert on all tables in schema public to recotrack_service;
grant usage, select on all sequences in schema public to recotrack_service;
revoke insert on schema_migration, recommendation_view from recotrack_service;
-- The calendar is the migrations' (0012), read only
revoke insert on swedish_holiday, swedish_day_off from recotrack_service;

-- What the service changes or removes. Nothing of `event` (the history only grows), nor of
-- the other records of what was reported (progress, assessments, target date changes).
grant update on
    agency, investment, review, recommendation, response, closure, token, idempotency_key,
    recommendation_search, public_search, webhook, secrecy, good_example
    to recotrack_service;
grant delete on closure, idempotency_key, web_session, webhook, good_example,
    recommendation_link
    to recotrack_service;
-- The delivery worker's state on each subscription and its log (0013); a queued redelivery
-- becomes its attempt.
grant update on webhook_delivery to recotrack_service;
-- Reminders (0014): a day's pass is recorded again when it runs again
grant update on reminder_pass to recotrack_service;
