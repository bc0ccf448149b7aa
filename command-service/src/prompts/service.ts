import { decidePrompt, promptStream, type PromptCommand, type PromptState } from '@mindflow/core/domain';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { runOwnedCommand, type OwnedResult } from '../owned/owned-command.js';
import type { Recorder, RequestContext } from '../recorder.js';

/** A prompt command as a route asks it: a new prompt's count of prompts is taken by the service. */
export type PromptRequest =
  Exclude<PromptCommand, { type: 'AddPrompt' }> | Omit<Extract<PromptCommand, { type: 'AddPrompt' }>, 'prompts'>;

/** Runs a prompt command on the caller's prompt, keeps the prompts row in step, records the events. */
export async function runPromptCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command: PromptRequest,
  context: RequestContext,
): Promise<OwnedResult> {
  return runOwnedCommand(recorder, trx, userId, undefined, context, {
    table: 'prompts',
    what: 'prompt',
    id: command.promptId,
    streamId: promptStream(command.promptId),
    // A prompt is added, then perhaps removed: the row is there from its first event on.
    version: (row) => (row.removed_at === null ? 1 : 2),
    state: (row): PromptState =>
      row === undefined ? { status: 'absent' } : { status: row.removed_at === null ? 'active' : 'removed' },
    decide: async (state, owned) =>
      decidePrompt(command.type === 'AddPrompt' ? { ...command, prompts: await owned() } : command, state),
    keep: async (event) => {
      if (event.type === 'PromptAdded') {
        const { promptId, text, theme } = event.data;
        await trx
          .insertInto('prompts')
          .values({ id: promptId, user_id: userId, text, theme, removed_at: null })
          .execute();
      } else if (event.type === 'PromptRemoved') {
        await trx.updateTable('prompts').set({ removed_at: context.now }).where('id', '=', command.promptId).execute();
      }
    },
  });
}
