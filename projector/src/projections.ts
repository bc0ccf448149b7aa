import type { Kysely } from 'kysely';
import { analyticsProjection } from './analytics/projection.js';
import type { AnalyticsStore } from './analytics/store.js';
import type { AnalyticsProjectionTables } from './analytics/tables.js';
import { readModelProjection } from './read-model/projection.js';
import type { ReadModelTables } from './read-model/tables.js';
import type { Projection, RuntimeTables } from '@mindflow/core/projections';

export interface ProjectionDatabases {
  readonly readDb: Kysely<ReadModelTables>;
  readonly analyticsDb: Kysely<AnalyticsProjectionTables>;
}

/** A projection with the database it writes to, as the runtime sees both: its own tables only. */
export interface BoundProjection {
  readonly projection: Projection<RuntimeTables>;
  readonly db: Kysely<RuntimeTables>;
}

export function bindProjection<DB extends RuntimeTables>(projection: Projection<DB>, db: Kysely<DB>): BoundProjection {
  // Kysely is invariant in its tables; the projection still sees its own through the same object.
  return { projection: projection as unknown as Projection<RuntimeTables>, db: db as unknown as Kysely<RuntimeTables> };
}

/**
 * Every projection into PostgreSQL with its database: the read model, and analytics on the
 * store its database was migrated for (see `analyticsStore`).
 */
export function databaseProjections(databases: ProjectionDatabases, analytics: AnalyticsStore): BoundProjection[] {
  return [
    bindProjection(readModelProjection, databases.readDb),
    bindProjection(analyticsProjection(analytics), databases.analyticsDb),
  ];
}
