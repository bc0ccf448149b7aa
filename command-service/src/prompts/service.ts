import { decidePrompt, promptStream, type PromptCommand, type PromptState } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import type { Recorder, RequestContext } from '../recorder.js';

/** Decides a prompt command on the caller's prompt as it stands, keeps the prompts row in step, records the events. */
export async function runPromptCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command:
    Exclude<PromptCommand, { type: 'AddPrompt' }> | Omit<Extract<PromptCommand, { type: 'AddPrompt' }>, 'prompts'>,
  context: RequestContext,
) {
  const row = await trx
    .selectFrom('prompts')
    .selectAll()
    .where('id', '=', command.promptId)
    .forUpdate()
    .executeTakeFirst();
  if (row !== undefined && row.user_id !== userId) throw new AppError('NOT_FOUND', 'no such prompt');
  const state: PromptState =
    row === undefined ? { status: 'absent' } : { status: row.removed_at === null ? 'active' : 'removed' };
  let decided = command as PromptCommand;
  if (command.type === 'AddPrompt') {
    const counted = await trx
      .selectFrom('prompts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    decided = { ...command, prompts: Number(counted.n) };
  }
  const events = decidePrompt(decided, state);
  for (const event of events) {
    if (event.type === 'PromptAdded') {
      const { promptId, text, theme } = event.data;
      await trx
        .insertInto('prompts')
        .values({ id: promptId, user_id: userId, text, theme, removed_at: null })
        .execute();
    } else if (event.type === 'PromptRemoved') {
      await trx.updateTable('prompts').set({ removed_at: context.now }).where('id', '=', command.promptId).execute();
    }
  }
  const version = row === undefined ? 0 : 1;
  const appended = await recorder.record(trx, {
    streamId: promptStream(command.promptId),
    expectedVersion: version,
    userId,
    events,
    context,
  });
  return { id: command.promptId, version: version + events.length, position: appended.position };
}
