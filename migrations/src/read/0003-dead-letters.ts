import { sql, type Kysely } from 'kysely';
import { createDeadLetters } from '../runtime-tables.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createDeadLetters(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table dead_letters`.execute(db);
}
