import type { ReadViews } from '@mindflow/core/read-model';
import type { RuntimeTables } from '@mindflow/core/projections';

/** The read database as the read-model projection sees it: its views and the runtime's tables. */
export interface ReadModelTables extends RuntimeTables, ReadViews {}
