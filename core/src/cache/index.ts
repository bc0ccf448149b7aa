export type { Cache } from './types.js';
export { createMemoryCache } from './memory-cache.js';
export { createNoCache } from './no-cache.js';
export { createRedisCache } from './redis-cache.js';
export { cacheKeys } from './keys.js';
