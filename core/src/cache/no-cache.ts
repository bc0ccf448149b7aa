import type { Cache } from './types.js';

/**
 * A cache that keeps nothing: for a query-service that runs alone without Redis, where no
 * projector in the same process could tell an in-process cache what went stale.
 */
export function createNoCache(): Cache {
  return {
    get: async () => undefined,
    getMany: async (keys) => keys.map(() => undefined),
    set: async () => undefined,
    getBytes: async (keys) => keys.map(() => undefined),
    setBytes: async () => undefined,
    raise: async () => undefined,
    delete: async () => undefined,
    deletePrefix: async () => undefined,
  };
}
