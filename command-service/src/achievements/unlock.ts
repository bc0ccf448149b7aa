import {
  achievementStream,
  decideAchievements,
  goalStanding,
  localDate,
  type AchievementProgress,
  type GoalKind,
  type WritingStats,
} from '@mindflow/core/domain';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import type { Recorder, RequestContext } from '../recorder.js';
import { readWritten } from '../entries/repository.js';

/**
 * Unlocks, in the command's own transaction, the achievements its `progress` earns: each is
 * claimed in user_achievements (so two commands at once cannot both unlock it) and recorded as
 * AchievementUnlocked on the writer's achievements stream, at the command's time. Nothing is
 * ever locked again.
 */
export async function unlockAchievements(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  progress: AchievementProgress,
  context: RequestContext,
): Promise<void> {
  const unlocked = await trx.selectFrom('user_achievements').select('code').where('user_id', '=', userId).execute();
  const earned = decideAchievements(progress, new Set(unlocked.map((row) => row.code))).flatMap((event) =>
    event.type === 'AchievementUnlocked' ? [event] : [],
  );
  if (earned.length === 0) return;
  const claimed = await trx
    .insertInto('user_achievements')
    .values(earned.map((event) => ({ user_id: userId, code: event.data.code, unlocked_at: context.now })))
    .onConflict((conflict) => conflict.columns(['user_id', 'code']).doNothing())
    .returning('code')
    .execute();
  const fresh = earned.filter((event) => claimed.some((row) => row.code === event.data.code));
  if (fresh.length === 0) return;
  await recorder.record(trx, {
    streamId: achievementStream(userId),
    expectedVersion: 'any',
    userId,
    events: fresh,
    context,
  });
}

/**
 * What a writer's entries have reached: the totals the entry commands keep (user_streaks), and
 * whether one of their goals is met today (their own day: only then are their entries read).
 * An entry command passes the totals it has just kept (`stats`), which are then not read again.
 */
export async function entryProgress(
  trx: Kysely<WriteTables>,
  userId: string,
  now: Date,
  stats?: WritingStats,
): Promise<AchievementProgress> {
  const totals =
    stats === undefined
      ? await trx
          .selectFrom('user_streaks')
          .select(['total_entries', 'total_words', 'longest_streak'])
          .where('user_id', '=', userId)
          .executeTakeFirst()
      : {
          total_entries: stats.totalEntries,
          total_words: stats.totalWords,
          longest_streak: stats.longestStreak,
        };
  const goals = await trx
    .selectFrom('goals')
    .select(['kind', 'target'])
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .execute();
  let met = false;
  if (goals.length > 0) {
    const { entries, timezone } = await readWritten(trx, userId, now);
    const today = localDate(now, timezone);
    met = goals.some(
      (goal) => goalStanding({ kind: goal.kind as GoalKind, target: goal.target }, entries, today).achieved,
    );
  }
  return {
    entries: totals?.total_entries ?? 0,
    words: totals?.total_words ?? 0,
    streak: totals?.longest_streak ?? 0,
    goals: met ? 1 : 0,
  };
}
