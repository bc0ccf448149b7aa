export { createClusterHub, serveClusterHub } from './cluster-hub.js';
export { createMemoryHub } from './memory-hub.js';
export { createRedisHub } from './redis-hub.js';
export {
  liveChannel,
  liveRegistryKey,
  liveUpdateTypes,
  type LiveHub,
  type LiveUpdate,
  type LiveUpdateType,
} from './types.js';
export { liveEventTypes, liveUpdateOf } from './updates.js';
