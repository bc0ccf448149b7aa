import { setTimeout as sleep } from 'node:timers/promises';
import { logOffset } from '@mindflow/core/bus';
import { AppError } from '@mindflow/core/errors';
import { latestUserEvent } from '@mindflow/core/eventstore';
import { searchReadPoint } from '@mindflow/core/search';
import type { EventStoreDb, ReadDb } from '../database.js';

/** Where the read model stands for one user. */
export interface ReadPoint {
  /** The global position of the newest of the user's events applied (what X-Position says). */
  readonly position: number;
  /** Its commit-order key: what "has it applied my write" compares (positions are not commit-ordered). */
  readonly key: string;
  /** The user's time zone, for "today" (UTC until their profile is projected). */
  readonly timezone: string;
}

/** The read model's point for a user, and their time zone. */
export async function readPoint(db: ReadDb, userId: string): Promise<ReadPoint> {
  const row = await db
    .selectFrom('profile_view')
    .select(['position', 'read_key', 'timezone'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return {
    position: row === undefined ? 0 : Number(row.position),
    key: row?.read_key ?? '',
    timezone: row?.timezone ?? 'UTC',
  };
}

/** A projection a read may wait for, and how to ask where it stands for a user. */
export interface ReadSource {
  /** What it is, for the 503's message. */
  readonly name: string;
  point(db: ReadDb, userId: string): Promise<ReadPoint>;
}

/** The read model (PostgreSQL views, and PostgreSQL search). */
export const readModel: ReadSource = { name: 'the read model', point: readPoint };

/**
 * The Elasticsearch search index: the newest of the user's events it has applied and made
 * visible (the search projection records it once its write has been refreshed).
 */
export const searchIndex: ReadSource = {
  name: 'the search index',
  point: async (db, userId) => {
    const [model, search] = await Promise.all([readPoint(db, userId), searchReadPoint(db, userId)]);
    return { position: search?.position ?? 0, key: search?.key ?? '', timezone: model.timezone };
  },
};

/**
 * The read point once `source` reflects every event of the user's up to `minPosition`,
 * polling with a growing pause for at most `waitMs`; UNAVAILABLE (503, Retry-After) after that.
 * The event store says which of the user's events that takes (the newest at or before it in
 * commit order), so a position of someone else's write, or one past all of yours, waits for
 * nothing it need not.
 */
export async function awaitReadPoint(
  db: ReadDb,
  events: EventStoreDb,
  userId: string,
  minPosition: number,
  waitMs: number,
  source: ReadSource = readModel,
): Promise<ReadPoint> {
  const deadline = Date.now() + waitMs;
  const [target, first] = await Promise.all([latestUserEvent(events, userId, minPosition), source.point(db, userId)]);
  if (target === undefined) return first;
  const targetKey = logOffset(target);
  // A read point recorded before keys were (read migration 0007) has no key until the user's
  // next event is applied: compare positions then, as before.
  const reached = (point: ReadPoint) => (point.key === '' ? point.position >= target.position : point.key >= targetKey);
  let point = first;
  let pause = 5;
  while (!reached(point)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AppError(
        'UNAVAILABLE',
        `${source.name} has not reached position ${minPosition} yet (it is at ${point.position}); retry shortly`,
        { headers: { 'retry-after': '1' } },
      );
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, 100);
    point = await source.point(db, userId);
  }
  return point;
}
