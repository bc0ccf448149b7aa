import type { AuditRetention, AuditStore } from '../audit/index.js';
import { EngineUnavailableError } from '../breaker/index.js';
import type { Background } from './background.js';

/**
 * The audit store of a serving process while it opens in the background (MongoDB may be away
 * at start; see serve). Until it is open:
 * - log lines and API request records wait for it (their writers buffer, bounded, and count
 *   what they drop);
 * - every other call fails at once with EngineUnavailableError (retriable: the audit
 *   projection waits it out with back-off, a compliance read answers 503 ENGINE_UNAVAILABLE).
 * Once open, every call goes to the store. Closing it stops the opening.
 */
export function auditStoreOpening(
  opening: Background<AuditStore>,
  engine: string,
  retention: AuditRetention,
): AuditStore {
  const open = (): AuditStore => {
    const store = opening.current();
    if (store === undefined) throw new EngineUnavailableError(engine, 'the audit store is not open yet', 1);
    return store;
  };
  return {
    get capabilities() {
      return open().capabilities;
    },
    retention,
    append: async (records) => open().append(records),
    list: async (filter, limit, cursor) => open().list(filter, limit, cursor),
    count: async (filter) => open().count(filter),
    stream: (filter) => later(() => open().stream(filter)),
    chainRecords: (from, to) => later(() => open().chainRecords(from, to)),
    chainHeads: async (from, to) => open().chainHeads(from, to),
    placeHold: async (hold) => open().placeHold(hold),
    liftHold: async (userId) => open().liftHold(userId),
    holds: async () => open().holds(),
    pseudonymize: async (userId) => open().pseudonymize(userId),
    sweep: async (now) => open().sweep(now),
    appendApplicationLogs: async (lines) => (await opening.started()).appendApplicationLogs(lines),
    appendApiRequests: async (requests) => (await opening.started()).appendApiRequests(requests),
    readLogs: async (collection, limit) => open().readLogs(collection, limit),
    close: () => opening.stop(),
  };
}

/** An iterable that asks for its source when iterated (so a store not open fails the iteration). */
async function* later<T>(source: () => AsyncIterable<T>): AsyncIterable<T> {
  yield* source();
}
