-- Secre's database roles and database. Idempotent: safe to run on every start.
-- Run by psql as a superuser (embedded server, CI's server, the compose init script) with the
-- variables dbname, owner_password, app_password and console_password (an empty password means
-- none: trust auth).
--
--   secre_owner       runs migrations and owns every table. Subject to RLS (tables FORCE it).
--   secre_app         the running app and the isolation tests: no superuser, no BYPASSRLS,
--                     owns nothing; reaches tables only through per-table grants and policies.
--   secre_key_lookup  NOLOGIN; owns the SECURITY DEFINER function that resolves an API key
--                     prefix before any tenant is known (a SELECT-only policy on key tables).
--   secre_operator    NOLOGIN; a policy on every tenant table lets it see all tenants. Reached only
--                     by SET LOCAL ROLE from secre_console (tenants/bypass.py), never from secre_app.
--   secre_auth        NOLOGIN; a SELECT-only policy on the staff table alone: console sign-in and
--                     session loading read staff rows (password hashes) through it, before any
--                     tenant is known. Reached only by SET LOCAL ROLE from secre_console.
--   secre_search      NOLOGIN; owns the SECURITY DEFINER tenant search functions (patient name search:
--                     a trigram index serves them, which RLS's security barrier prevents); SELECT on a
--                     few columns of the searched tables through its own policy; the functions filter
--                     on app.tenant_id themselves (tenants.rls.CreateTenantSearchFunction).
--   secre_console     the operator console's login (platform operators, platform API, sign-in):
--                     NOINHERIT, so it has no power of its own until it sets one of those roles.
SET client_min_messages = warning;

SELECT 'CREATE ROLE secre_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_owner') \gexec
ALTER ROLE secre_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE CREATEDB PASSWORD :'owner_password';

SELECT 'CREATE ROLE secre_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_app') \gexec
ALTER ROLE secre_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD :'app_password';

SELECT 'CREATE ROLE secre_key_lookup' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_key_lookup') \gexec
ALTER ROLE secre_key_lookup NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
-- The owner hands the lookup function to secre_key_lookup in a migration (ALTER FUNCTION ... OWNER).
GRANT secre_key_lookup TO secre_owner;

SELECT 'CREATE ROLE secre_search' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_search') \gexec
ALTER ROLE secre_search NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
GRANT secre_search TO secre_owner;

SELECT 'CREATE ROLE secre_operator' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_operator') \gexec
ALTER ROLE secre_operator NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;

SELECT 'CREATE ROLE secre_auth' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_auth') \gexec
ALTER ROLE secre_auth NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;

SELECT 'CREATE ROLE secre_console' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secre_console') \gexec
ALTER ROLE secre_console LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD :'console_password';
GRANT secre_operator TO secre_console;
GRANT secre_auth TO secre_console;

SELECT format('CREATE DATABASE %I OWNER secre_owner', :'dbname')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec
