-- Least privilege in the database: one login role per function (docs/analytics.md).
--   flightstream_insights   the insights API: read-only on every application table
--   flightstream_processor  the stream processor (and replays, which invoke it): read and write rows
-- The master user stays the owner of every object and runs the migrations. No password is
-- ever written here: each role's password lives only in its own Secrets Manager secret and is
-- set, then rotated, by functions/rotate-db-secret through the master user.
-- Numbered 0100 so that ordinary schema migrations (0002, 0003, ...) never collide with it;
-- objects later migrations create get the same grants through the default privileges below.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flightstream_insights') THEN
        CREATE ROLE flightstream_insights LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flightstream_processor') THEN
        CREATE ROLE flightstream_processor LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

-- Nobody but the owner creates objects in the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO flightstream_insights, flightstream_processor;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO flightstream_insights;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO flightstream_processor;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO flightstream_processor;

-- The migration ledger belongs to the migrations alone.
REVOKE ALL ON TABLE schema_migrations FROM flightstream_insights, flightstream_processor;

-- Tables and sequences later migrations create (as the master user) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO flightstream_insights;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO flightstream_processor;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO flightstream_processor;
