-- Least privilege: the service's own database role reads the event log and appends to it,
-- nothing more. It is not the tables' owner, so it cannot alter them, disable their
-- triggers or change session_replication_role (a superuser's setting); migrations run as
-- the owner (deploy/OPERATIONS.md, "Database roles").
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
                              '(deploy/OPERATIONS.md, "Database roles")';
        end;
    end if;
end
$$;

-- Only the owner creates objects (PostgreSQL 14 still lets everyone create in `public`).
revoke create on schema public from public;
grant usage on schema public to recotrack_service;

grant select, insert, update, delete on all tables in schema public to recotrack_service;
-- The history only grows; the record of migrations is the owner's; the view is read only.
revoke update, delete on event from recotrack_service;
revoke insert, update, delete on schema_migration, recommendation_view from recotrack_service;
grant usage, select on all sequences in schema public to recotrack_service;

-- Tables that later migrations (run by this same owner) add: readable and appendable only.
-- A migration whose table the service must also update or delete grants that itself.
alter default privileges in schema public grant select, insert on tables to recotrack_service;
alter default privileges in schema public grant usage, select on sequences to recotrack_service;
