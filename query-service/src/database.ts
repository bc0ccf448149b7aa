import type { AnalyticsTables } from '@mindflow/core/analytics';
import type { EventStoreTables } from '@mindflow/core/eventstore';
import type { ReadViews } from '@mindflow/core/read-model';
import type { Kysely } from 'kysely';

export type ReadDb = Kysely<ReadViews>;

/**
 * The read database, typed. Its schema is what migrations/src/read made it; this is the one
 * place that says so to the type system.
 */
export function readDatabase(db: Kysely<unknown>): ReadDb {
  return db as ReadDb;
}

export type EventStoreDb = Kysely<EventStoreTables>;

/** The write database, of which reads only ask the event store where a user's events stand. */
export function eventStoreDatabase(db: Kysely<unknown>): EventStoreDb {
  return db as EventStoreDb;
}

/** The analytics database, of which the query side reads only the analyst views (and audits there). */
export function analyticsDatabase(db: Kysely<unknown>): Kysely<AnalyticsTables> {
  return db as Kysely<AnalyticsTables>;
}
