import { sql, type Kysely } from 'kysely';

// The email sent, one row per message key (e.g. "registration-attempted.<userId>.<hour>"): a message
// whose key is here is not sent again, whatever redelivers its event. No address, no text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mail_deliveries (
      message_key text primary key,
      via         text not null check (via in ('smtp', 'outbox')),
      sent_at     timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table mail_deliveries`.execute(db);
}
