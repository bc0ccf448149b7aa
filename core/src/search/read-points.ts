import { sql, type Kysely } from 'kysely';
import { logOffset } from '../bus/embedded-bus.js';
import type { RecordedEvent } from '../eventstore/index.js';

/** Where the search index stands for one user: the newest of their events applied and visible. */
export interface SearchReadPoint {
  /** The highest global position of their events applied (positions are not commit-ordered). */
  readonly position: number;
  /** Its commit-order key (transaction, position): what "has it applied my write" compares. */
  readonly key: string;
}

/**
 * Records, for each user with events in `events`, the newest of them (its key) and the highest
 * position among them as applied to the search index (read migration 0011, table search_read_points); an erased user's point goes. Call it
 * only once the index shows the events (its refresh has happened): X-Min-Position waits on it.
 * Works on any database holding the table (raw SQL: Kysely's table types are invariant).
 */
export async function recordSearchReadPoints<DB>(db: Kysely<DB>, events: readonly RecordedEvent[]): Promise<void> {
  const newest = new Map<string, { position: number; key: string }>();
  const erased = new Set<string>();
  for (const event of events) {
    if (event.userId === null) continue;
    if (event.type === 'UserErased') erased.add(event.userId);
    // Positions are not commit-ordered: the highest is kept apart from the newest key, so that
    // the point is the same however the events were cut into batches (the read model does so too).
    const key = logOffset({ transactionId: event.transactionId, position: event.globalPosition });
    const known = newest.get(event.userId);
    newest.set(event.userId, {
      position: Math.max(known?.position ?? 0, event.globalPosition),
      key: known === undefined || key > known.key ? key : known.key,
    });
  }
  for (const [userId, point] of [...newest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (erased.has(userId)) {
      await sql`delete from search_read_points where user_id = ${userId}`.execute(db);
      continue;
    }
    await sql`
      insert into search_read_points (user_id, position, read_key) values (${userId}, ${point.position}, ${point.key})
      on conflict (user_id) do update set position = greatest(search_read_points.position, excluded.position),
                                          read_key = greatest(search_read_points.read_key, excluded.read_key)
    `.execute(db);
  }
}

/** The search index's read point for a user; undefined before any of their events was applied. */
export async function searchReadPoint<DB>(db: Kysely<DB>, userId: string): Promise<SearchReadPoint | undefined> {
  const { rows } = await sql<{ position: string; read_key: string }>`
    select position, read_key from search_read_points where user_id = ${userId}`.execute(db);
  const row = rows[0];
  return row === undefined ? undefined : { position: Number(row.position), key: row.read_key };
}
