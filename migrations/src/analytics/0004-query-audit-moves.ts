import { sql, type Kysely } from 'kysely';

// Analyst queries are recorded in the audit trail (ANALYTICS_QUERY), with every other audited
// action, tamper-evident and kept as long; the table of their own is no longer written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop table analytics_queries`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table analytics_queries (
      id          bigint generated always as identity primary key,
      at          timestamptz not null default now(),
      analyst_id  uuid not null,
      request_id  text not null,
      ip          text,
      route       text not null,
      parameters  jsonb not null,
      groups      integer not null
    )`.execute(db);
}
