import {
  decideTemplate,
  templateStream,
  type Mood,
  type TemplateCommand,
  type TemplateState,
} from '@mindflow/core/domain';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { runOwnedCommand, type OwnedResult } from '../owned/owned-command.js';
import type { Recorder, RequestContext } from '../recorder.js';

/** A template command as a route asks it: a new template's count of templates is taken by the service. */
export type TemplateRequest =
  | Exclude<TemplateCommand, { type: 'CreateTemplate' }>
  | Omit<Extract<TemplateCommand, { type: 'CreateTemplate' }>, 'templates'>;

/**
 * Runs a template command on the caller's template (If-Match checked against its version),
 * keeps the templates row in step and records the events on its stream.
 */
export async function runTemplateCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command: TemplateRequest,
  expectedVersion: number | undefined,
  context: RequestContext,
): Promise<OwnedResult> {
  return runOwnedCommand(recorder, trx, userId, expectedVersion, context, {
    table: 'templates',
    what: 'template',
    id: command.templateId,
    streamId: templateStream(command.templateId),
    version: (row) => row.version,
    state: (row): TemplateState =>
      row === undefined
        ? { status: 'absent' }
        : {
            status: row.removed_at === null ? 'active' : 'removed',
            userId,
            name: row.name,
            title: row.title,
            content: row.content,
            tags: row.tags,
            mood: row.mood as Mood | null,
          },
    decide: async (state, owned) =>
      decideTemplate(command.type === 'CreateTemplate' ? { ...command, templates: await owned() } : command, state),
    keep: async (event, version) => {
      if (event.type === 'TemplateCreated') {
        const { templateId, name, title, content, tags, mood } = event.data;
        await trx
          .insertInto('templates')
          .values({ id: templateId, user_id: userId, name, title, content, tags, mood, version, removed_at: null })
          .execute();
      } else if (event.type === 'TemplateChanged') {
        await trx
          .updateTable('templates')
          .set({ ...event.data.changes, version })
          .where('id', '=', command.templateId)
          .execute();
      } else if (event.type === 'TemplateRemoved') {
        await trx
          .updateTable('templates')
          .set({ removed_at: context.now, version })
          .where('id', '=', command.templateId)
          .execute();
      }
    },
  });
}
