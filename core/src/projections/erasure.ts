import { logOffset } from '../bus/index.js';
import type { EventStoreTables, RecordedEvent } from '../eventstore/index.js';
import { sql, type Kysely } from 'kysely';

/**
 * Knows where each erased user's UserErased stands in the log, so that no projection applies
 * an event of that user positioned after it (defence in depth: the event store refuses such
 * appends too). Events before it are applied as usual: audit and analytics keep them.
 */
export interface ErasureFence {
  /** The ids of those `events` that come after their user's UserErased in commit order. */
  superseded(events: readonly RecordedEvent[]): Promise<ReadonlySet<string>>;
}

const commitKey = (event: Pick<RecordedEvent, 'transactionId' | 'globalPosition'>) =>
  logOffset({ transactionId: event.transactionId, position: event.globalPosition });

/**
 * The fence over the write database's events. An erasure is final, so a known one is cached
 * for good (up to `cacheSize` users); users not known erased are looked up once per call, in
 * one query for all of them.
 */
export function createErasureFence<DB extends EventStoreTables>(
  writeDb: Kysely<DB>,
  cacheSize = 100_000,
): ErasureFence {
  const erasedAt = new Map<string, string>();
  const remember = (userId: string, key: string) => {
    if (erasedAt.size >= cacheSize) erasedAt.clear();
    const known = erasedAt.get(userId);
    if (known === undefined || key < known) erasedAt.set(userId, key);
  };
  return {
    async superseded(events) {
      for (const event of events) {
        if (event.type === 'UserErased' && event.userId !== null) remember(event.userId, commitKey(event));
      }
      const unknown = [
        ...new Set(
          events.flatMap((event) => (event.userId === null || erasedAt.has(event.userId) ? [] : [event.userId])),
        ),
      ];
      if (unknown.length > 0) {
        const rows = await sql<{ user_id: string; transaction_id: string; global_position: string }>`
          select user_id, transaction_id::text as transaction_id, global_position::text as global_position
          from events where type = 'UserErased' and user_id = any(${unknown}::uuid[])`.execute(writeDb);
        for (const row of rows.rows) {
          remember(
            row.user_id,
            commitKey({ transactionId: row.transaction_id, globalPosition: Number(row.global_position) }),
          );
        }
      }
      const superseded = new Set<string>();
      for (const event of events) {
        const erased = event.userId === null ? undefined : erasedAt.get(event.userId);
        if (erased !== undefined && commitKey(event) > erased) superseded.add(event.eventId);
      }
      return superseded;
    },
  };
}
