import { decideGoal, goalStream, type GoalCommand, type GoalKind, type GoalState } from '@mindflow/core/domain';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import type { Recorder, RequestContext } from '../recorder.js';
import { entryProgress, unlockAchievements } from '../achievements/unlock.js';
import { runOwnedCommand, type OwnedResult } from '../owned/owned-command.js';

/** A goal command as a route asks it: a new goal's count of goals is taken by the service. */
export type GoalRequest =
  Exclude<GoalCommand, { type: 'SetGoal' }> | Omit<Extract<GoalCommand, { type: 'SetGoal' }>, 'goals'>;

/**
 * Runs a goal command on the caller's goal (If-Match checked against its version), keeps the
 * goals row in step, records the events on the goal's stream, and unlocks what it earns: a
 * goal set (or lowered) to what today has reached already is met now.
 */
export async function runGoalCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command: GoalRequest,
  expectedVersion: number | undefined,
  context: RequestContext,
): Promise<OwnedResult> {
  const result = await runOwnedCommand(recorder, trx, userId, expectedVersion, context, {
    table: 'goals',
    what: 'goal',
    id: command.goalId,
    streamId: goalStream(command.goalId),
    version: (row) => row.version,
    state: (row): GoalState =>
      row === undefined
        ? { status: 'absent' }
        : {
            status: row.removed_at === null ? 'active' : 'removed',
            userId,
            kind: row.kind as GoalKind,
            target: row.target,
          },
    decide: async (state, owned) =>
      decideGoal(command.type === 'SetGoal' ? { ...command, goals: await owned() } : command, state),
    keep: async (event, version) => {
      if (event.type === 'GoalSet') {
        const { goalId, kind, target } = event.data;
        await trx
          .insertInto('goals')
          .values({ id: goalId, user_id: userId, kind, target, version, removed_at: null })
          .execute();
      } else if (event.type === 'GoalChanged') {
        await trx
          .updateTable('goals')
          .set({ target: event.data.target, version })
          .where('id', '=', command.goalId)
          .execute();
      } else if (event.type === 'GoalRemoved') {
        await trx
          .updateTable('goals')
          .set({ removed_at: context.now, version })
          .where('id', '=', command.goalId)
          .execute();
      }
    },
  });
  if (result.position === 0) return result;
  await unlockAchievements(recorder, trx, userId, await entryProgress(trx, userId, context.now), context);
  return result;
}
