import { sql, type Kysely } from 'kysely';

// Export jobs (POST /v1/me/exports): queued, then built by a worker that holds the row's lock.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table data_exports (
      id            uuid primary key,
      user_id       uuid not null references users (id),
      status        text not null default 'queued' check (status in ('queued', 'running', 'completed', 'failed')),
      done          integer not null default 0,
      total         integer not null default 0,
      object_key    text,
      error         text,
      requested_at  timestamptz not null default now(),
      completed_at  timestamptz
    )
  `.execute(db);
  await sql`create index data_exports_queued on data_exports (requested_at) where status = 'queued'`.execute(db);
  await sql`create index data_exports_user on data_exports (user_id, requested_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table data_exports`.execute(db);
}
