import type { Kysely } from 'kysely';
import type { ReadModelTables } from './read-model/tables.js';
import type { WriteSide } from './service.js';

/** The databases as the projector sees them; their schemas are what migrations/ made them. */
export function projectorDatabases(write: Kysely<unknown>, read: Kysely<unknown>) {
  return { writeDb: write as Kysely<WriteSide>, readDb: read as Kysely<ReadModelTables> };
}
