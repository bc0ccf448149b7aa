import type { Breaker } from '../breaker/index.js';
import type { AuditStore } from './types.js';

/**
 * The audit store as request handlers use it (compliance reads, the record of each query):
 * its calls go through the engine's breaker, so they fail within its timeout, and at once while
 * it is open (503 ENGINE_UNAVAILABLE). The audit projection keeps the store itself: its writes
 * wait an outage out. Streams are not guarded: they start after the query's record was written.
 */
export function guardedAuditStore(store: AuditStore, breaker: Breaker | undefined): AuditStore {
  if (breaker === undefined) return store;
  return {
    ...store,
    append: (records) => breaker.run(() => store.append(records)),
    list: (filter, limit, cursor) => breaker.run(() => store.list(filter, limit, cursor)),
    count: (filter) => breaker.run(() => store.count(filter)),
    chainHeads: (from, to) => breaker.run(() => store.chainHeads(from, to)),
    holds: () => breaker.run(() => store.holds()),
  };
}
