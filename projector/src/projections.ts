import { readModelProjection } from './read-model/projection.js';
import type { ReadModelTables } from './read-model/tables.js';
import type { Projection } from './runtime/projection.js';

/** Every projection into the read database, by name. */
export const readProjections: readonly Projection<ReadModelTables>[] = [readModelProjection];
