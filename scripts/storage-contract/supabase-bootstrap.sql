-- The Supabase roles, auth functions and storage schema shell a fresh Supabase database has before
-- Supabase Storage first starts: for npm run test:storage-contract only (scripts/storage-contract/stack.ts).
-- Condensed from supabase/postgres migrations/db/init-scripts + migrations (roles, auth, storage schema shell, demotion)
create role postgres login password 'postgres' createdb createrole replication bypassrls;
alter database postgres owner to postgres;
create schema if not exists extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create user authenticator noinherit password 'postgres';
grant anon to authenticator; grant authenticated to authenticator; grant service_role to authenticator;
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for user postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for user postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for user postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant create on schema public to postgres;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
-- auth (GoTrue's definitions of uid/role/email/jwt)
create user supabase_auth_admin noinherit createrole login noreplication password 'postgres';
create schema if not exists auth authorization supabase_auth_admin;
create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;
create or replace function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''), (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $$;
create or replace function auth.email() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''), (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text $$;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''), nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role, postgres;
grant execute on all functions in schema auth to postgres, anon, authenticated, service_role;
-- storage: the schema shell; tables come from the storage server's own migrations
create user supabase_storage_admin noinherit createrole login noreplication password 'postgres';
create schema if not exists storage authorization supabase_storage_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;
alter default privileges for user supabase_storage_admin in schema storage grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for user supabase_storage_admin in schema storage grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for user supabase_storage_admin in schema storage grant all on sequences to postgres, anon, authenticated, service_role;
alter user supabase_storage_admin set search_path = "storage";
-- later supabase/postgres migrations
grant supabase_auth_admin, supabase_storage_admin to postgres;           -- 20220609081115
grant anon, authenticated, service_role to postgres;                     -- 20230201083204
grant authenticator to supabase_storage_admin;                           -- 20231013070755
alter role authenticated inherit; alter role anon inherit; alter role service_role inherit;  -- 20230529180330
alter role postgres set search_path to "$user", public, extensions;
