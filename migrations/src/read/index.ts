import type { Migration } from 'kysely';
import * as textSearchExtensions from './0001-text-search-extensions.js';

/** mindflow_read: the denormalized read model and the embedded full-text search. */
export const readMigrations: Record<string, Migration> = {
  '0001-text-search-extensions': textSearchExtensions,
};
