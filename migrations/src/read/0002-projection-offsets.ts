import { sql, type Kysely } from 'kysely';
import { createProjectionOffsets } from '../runtime-tables.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createProjectionOffsets(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table projection_offsets`.execute(db);
}
