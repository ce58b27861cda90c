#!/bin/sh
# First start of the PostgreSQL container only (docker-entrypoint-initdb.d):
# the application's login role. It owns nothing and is not a superuser; the
# `migrate` service (the owner, POSTGRES_USER) grants it its privileges with
# `manage.py grant_app_role convene_app` after every migration.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$CONVENE_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE convene_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
