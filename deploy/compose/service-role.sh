#!/bin/sh
# The service's login role, `recotrack_api`, in the group `recotrack_service` that the
# migrations grant the service's privileges to (deploy/OPERATIONS.md, Database roles).
# Run by the `roles` service of docker-compose.yml at every `up`, as the database's owner:
# it makes what is missing and sets the password from .env, so changing it there rotates it.
set -eu
psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 <<'SQL'
\getenv password POSTGRES_SERVICE_PASSWORD
select 'create role recotrack_service nologin'
    where not exists (select from pg_roles where rolname = 'recotrack_service') \gexec
select 'create role recotrack_api login'
    where not exists (select from pg_roles where rolname = 'recotrack_api') \gexec
alter role recotrack_api with login nosuperuser nocreaterole nocreatedb password :'password';
select 'grant recotrack_service to recotrack_api'
    where not pg_has_role('recotrack_api', 'recotrack_service', 'member') \gexec
SQL
