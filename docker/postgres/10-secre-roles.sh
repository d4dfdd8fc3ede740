#!/usr/bin/env bash
# Compose init script for the postgres image: create Secre's roles (secre_owner, secre_app,
# secre_key_lookup, secre_search, secre_operator, secre_auth, secre_console) and the secre database from tenants/sql/roles.sql, which docker-compose.yml
# mounts read-only at /secre/roles.sql: the same script the embedded dev database and CI run.
#
# The image runs it once, as the superuser, on the first start with an empty data volume.
# roles.sql is idempotent: after changing a role password in .env, recreate the container
# (`docker compose up -d db`) and rerun it:
#   docker compose exec db bash /docker-entrypoint-initdb.d/10-secre-roles.sh
set -eo pipefail

# The app connects over TCP, where the image requires passwords: an empty one would lock it out.
: "${SECRE_OWNER_PASSWORD:?SECRE_OWNER_PASSWORD must be set and non-empty}"
: "${SECRE_APP_PASSWORD:?SECRE_APP_PASSWORD must be set and non-empty}"
: "${SECRE_CONSOLE_PASSWORD:?SECRE_CONSOLE_PASSWORD must be set and non-empty}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v dbname=secre \
  -v owner_password="$SECRE_OWNER_PASSWORD" \
  -v app_password="$SECRE_APP_PASSWORD" \
  -v console_password="$SECRE_CONSOLE_PASSWORD" \
  -f /secre/roles.sql
