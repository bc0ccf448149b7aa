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
    // Delegated one by one, not spread: a store still opening has no capabilities to copy yet.
    get capabilities() {
      return store.capabilities;
    },
    retention: store.retention,
    stream: (filter) => store.stream(filter),
    chainRecords: (from, to) => store.chainRecords(from, to),
    placeHold: (hold) => store.placeHold(hold),
    liftHold: (userId) => store.liftHold(userId),
    pseudonymize: (userId) => store.pseudonymize(userId),
    sweep: (now) => store.sweep(now),
    appendApplicationLogs: (lines) => store.appendApplicationLogs(lines),
    appendApiRequests: (requests) => store.appendApiRequests(requests),
    readLogs: (collection, limit) => store.readLogs(collection, limit),
    close: () => store.close(),
    append: (records) => breaker.run(() => store.append(records)),
    list: (filter, limit, cursor) => breaker.run(() => store.list(filter, limit, cursor)),
    count: (filter) => breaker.run(() => store.count(filter)),
    chainHeads: (from, to) => breaker.run(() => store.chainHeads(from, to)),
    holds: () => breaker.run(() => store.holds()),
  };
}
