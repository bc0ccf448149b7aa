import { sql, type Kysely } from 'kysely';

// Where each reader of the whole log that lives beside the event store (the Kafka relay) stands.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table relay_checkpoints (
      name           text primary key,
      transaction_id xid8 not null,
      position       bigint not null,
      updated_at     timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table relay_checkpoints`.execute(db);
}
