export { deliverUntilPast, hostProjection, type HostOptions, type HostedProjection } from './host.js';
export { hostExternalProjection, standaloneServices } from './external.js';
export {
  deadLetter,
  failurePolicy,
  maxOutageBackoffMs,
  ProjectionRetry,
  type FailurePolicy,
  type RuntimeServices,
  type Verdict,
} from './failures.js';
export { isRetriable, isStatementFailure } from './retriable.js';
export { createErasureFence, type ErasureFence } from './erasure.js';
export { appliedUpTo, floorPartition, lockProjection, readOffsets, saveOffsets } from './offsets.js';
export { createProjectionMetrics, type ProjectionMetrics } from './metrics.js';
export type { Projection } from './projection.js';
export type { RuntimeTables } from './tables.js';
export { createDecoder } from './decoder.js';
export { defaultLagLimit, eventStoreHead, measureLag, type LagSource, type ProjectionLag } from './lag.js';
export {
  defaultLagLimits,
  overLimits,
  watchLag,
  type LagLimits,
  type LagWatch,
  type LagWatchOptions,
} from './lag-watch.js';
