import type { Kysely } from 'kysely';
import type { ReadModelTables } from './read-model/tables.js';
import type { WriteSide } from './service.js';

// The databases as the projector sees them; their schemas are what migrations/ made them.

export function writeSide(db: Kysely<unknown>): Kysely<WriteSide> {
  return db as Kysely<WriteSide>;
}

export function readModel(db: Kysely<unknown>): Kysely<ReadModelTables> {
  return db as Kysely<ReadModelTables>;
}

export function projectorDatabases(write: Kysely<unknown>, read: Kysely<unknown>) {
  return { writeDb: writeSide(write), readDb: readModel(read) };
}
