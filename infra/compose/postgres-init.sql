-- The databases infra/local/engines/postgres.sh creates (pg_databases), owned by mindflow.
-- Run by the image's entrypoint on first start only (empty data volume), as the mindflow
-- superuser (POSTGRES_USER). Idempotent, so it can also be run again by hand with psql.
SELECT format('CREATE DATABASE %I OWNER mindflow', db)
FROM unnest(ARRAY['mindflow_write', 'mindflow_read', 'mindflow_analytics', 'ferretdb']) AS db
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = db)
\gexec
