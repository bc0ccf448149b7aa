import type { Kysely } from 'kysely';
import { readAll, readerHoldBack, startOfLog, type EventStoreTables, type RecordedEvent } from '../eventstore/index.js';
import { waitFor } from './index.js';

/**
 * Every committed event of the store, in commit order, once readAll can hand them all out.
 * readAll stops below the oldest transaction running anywhere on the server: tests of other
 * files on the same server can hold it back for a while, and a single read would then see
 * only a prefix of what the test wrote.
 */
export async function readWholeLog<DB extends EventStoreTables>(
  db: Kysely<DB>,
  timeoutMs = 60_000,
): Promise<readonly RecordedEvent[]> {
  await waitFor(
    async () => ((await readerHoldBack(db)).events === 0 ? true : undefined),
    timeoutMs,
    'every committed event to be readable in commit order',
  );
  return readAll(db, startOfLog, Number.MAX_SAFE_INTEGER);
}
