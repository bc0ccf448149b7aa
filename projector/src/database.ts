import type { MailDeliveriesTables } from '@mindflow/core/mail';
import type { Kysely } from 'kysely';
import type { AnalyticsProjectionTables } from './analytics/tables.js';
import type { ReadModelTables } from './read-model/tables.js';
import type { WriteSide } from './service.js';

// The databases as the projector sees them; their schemas are what migrations/ made them.

export function writeSide<DB>(db: Kysely<DB>): Kysely<WriteSide> {
  return db as unknown as Kysely<WriteSide>;
}

/** The read database as the mail projection sees it: the messages sent. */
export function mailSide<DB>(db: Kysely<DB>): Kysely<MailDeliveriesTables> {
  return db as unknown as Kysely<MailDeliveriesTables>;
}

export function readModel(db: Kysely<unknown>): Kysely<ReadModelTables> {
  return db as Kysely<ReadModelTables>;
}

export function analyticsModel(db: Kysely<unknown>): Kysely<AnalyticsProjectionTables> {
  return db as Kysely<AnalyticsProjectionTables>;
}

export function projectorDatabases(write: Kysely<unknown>, read: Kysely<unknown>, analytics: Kysely<unknown>) {
  return { writeDb: writeSide(write), readDb: readModel(read), analyticsDb: analyticsModel(analytics) };
}
