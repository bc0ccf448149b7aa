import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@mindflow/core/errors';
import { latestUserPosition } from '@mindflow/core/eventstore';
import type { EventStoreDb, ReadDb } from '../database.js';

/** Where the read model stands for one user. */
export interface ReadPoint {
  /** The global position of the newest of the user's events applied. */
  readonly position: number;
  /** The user's time zone, for "today" (UTC until their profile is projected). */
  readonly timezone: string;
}

/** The read model's position for a user, and their time zone. */
export async function readPoint(db: ReadDb, userId: string): Promise<ReadPoint> {
  const row = await db
    .selectFrom('profile_view')
    .select(['position', 'timezone'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return { position: row === undefined ? 0 : Number(row.position), timezone: row?.timezone ?? 'UTC' };
}

/**
 * The read point once the read model reflects every event of the user's up to `minPosition`,
 * polling with a growing pause for at most `waitMs`; UNAVAILABLE (503, Retry-After) after that.
 * The read model keeps a position per user, so when it is behind `minPosition` (a position of
 * another user's write, say) the event store says which of the user's events it must reach.
 */
export async function awaitReadPoint(
  db: ReadDb,
  events: EventStoreDb,
  userId: string,
  minPosition: number,
  waitMs: number,
): Promise<ReadPoint> {
  const deadline = Date.now() + waitMs;
  let point = await readPoint(db, userId);
  if (point.position >= minPosition) return point;
  const target = await latestUserPosition(events, userId, minPosition);
  let pause = 5;
  while (point.position < target) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AppError(
        'UNAVAILABLE',
        `the read model has not reached position ${minPosition} yet (it is at ${point.position}); retry shortly`,
        { headers: { 'retry-after': '1' } },
      );
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, 100);
    point = await readPoint(db, userId);
  }
  return point;
}
