import { decideGoal, goalStream, type GoalCommand, type GoalKind, type GoalState } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import type { Recorder, RequestContext } from '../recorder.js';
import { entryProgress, unlockAchievements } from '../achievements/unlock.js';
import { checkExpectedVersion } from '../http/expected-version.js';

export interface GoalResult {
  readonly id: string;
  readonly version: number;
  readonly position: number;
}

/** The caller's goal, locked; absent when it is another writer's or does not exist (404 either way). */
async function lockGoal(
  trx: Kysely<WriteTables>,
  userId: string,
  goalId: string,
): Promise<{ state: GoalState; version: number }> {
  const row = await trx.selectFrom('goals').selectAll().where('id', '=', goalId).forUpdate().executeTakeFirst();
  if (row === undefined) return { state: { status: 'absent' }, version: 0 };
  if (row.user_id !== userId) throw new AppError('NOT_FOUND', 'no such goal');
  return {
    state: {
      status: row.removed_at === null ? 'active' : 'removed',
      userId,
      kind: row.kind as GoalKind,
      target: row.target,
    },
    version: row.version,
  };
}

/**
 * Runs a goal command: decides its events from the goal as it stands (If-Match checked against
 * its version), keeps the goals row in step and records the events on the goal's stream.
 */
export async function runGoalCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command: GoalCommand | Omit<Extract<GoalCommand, { type: 'SetGoal' }>, 'goals'>,
  expectedVersion: number | undefined,
  context: RequestContext,
): Promise<GoalResult> {
  const { state, version } = await lockGoal(trx, userId, command.goalId);
  if (state.status !== 'absent') checkExpectedVersion('goal', expectedVersion, version);
  let decided = command as GoalCommand;
  if (command.type === 'SetGoal') {
    const counted = await trx
      .selectFrom('goals')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    decided = { ...command, goals: Number(counted.n) };
  }
  const events = decideGoal(decided, state);
  if (events.length === 0) return { id: command.goalId, version, position: 0 };
  const next = version + 1;
  for (const event of events) {
    if (event.type === 'GoalSet') {
      const { goalId, kind, target } = event.data;
      await trx
        .insertInto('goals')
        .values({ id: goalId, user_id: userId, kind, target, version: next, removed_at: null })
        .execute();
    } else if (event.type === 'GoalChanged') {
      await trx
        .updateTable('goals')
        .set({ target: event.data.target, version: next })
        .where('id', '=', command.goalId)
        .execute();
    } else if (event.type === 'GoalRemoved') {
      await trx
        .updateTable('goals')
        .set({ removed_at: context.now, version: next })
        .where('id', '=', command.goalId)
        .execute();
    }
  }
  const appended = await recorder.record(trx, {
    streamId: goalStream(command.goalId),
    expectedVersion: version,
    userId,
    events,
    context,
  });
  // A goal set (or lowered) to what today has reached already is met now.
  await unlockAchievements(recorder, trx, userId, await entryProgress(trx, userId, context.now), context);
  return { id: command.goalId, version: next, position: appended.position };
}
