import type { Migration } from 'kysely';

/** mindflow_write: the event store and the normalized tables that enforce invariants. */
export const writeMigrations: Record<string, Migration> = {};
