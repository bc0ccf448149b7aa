import type { AnalyticsTables } from '@mindflow/core/analytics';
import type { RuntimeTables } from '@mindflow/core/projections';

/** The analytics database as the projection sees it: its tables and the runtime's own. */
export type AnalyticsProjectionTables = AnalyticsTables & RuntimeTables;
