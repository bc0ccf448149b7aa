import {
  decideTemplate,
  templateStream,
  type Mood,
  type TemplateCommand,
  type TemplateState,
} from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';
import { checkExpectedVersion } from '../http/expected-version.js';
import type { Recorder, RequestContext } from '../recorder.js';

/** The caller's template, locked; absent when it does not exist, 404 when it is another writer's. */
async function lockTemplate(trx: Kysely<WriteTables>, userId: string, templateId: string) {
  const row = await trx.selectFrom('templates').selectAll().where('id', '=', templateId).forUpdate().executeTakeFirst();
  if (row === undefined) return { state: { status: 'absent' } as TemplateState, version: 0 };
  if (row.user_id !== userId) throw new AppError('NOT_FOUND', 'no such template');
  const state: TemplateState = {
    status: row.removed_at === null ? 'active' : 'removed',
    userId,
    name: row.name,
    title: row.title,
    content: row.content,
    tags: row.tags,
    mood: row.mood as Mood | null,
  };
  return { state, version: row.version };
}

/**
 * Runs a template command: decides its events from the template as it stands (If-Match checked
 * against its version), keeps the templates row in step and records the events on its stream.
 */
export async function runTemplateCommand(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  command:
    | Exclude<TemplateCommand, { type: 'CreateTemplate' }>
    | Omit<Extract<TemplateCommand, { type: 'CreateTemplate' }>, 'templates'>,
  expectedVersion: number | undefined,
  context: RequestContext,
): Promise<{ id: string; version: number; position: number }> {
  const { state, version } = await lockTemplate(trx, userId, command.templateId);
  if (state.status !== 'absent') checkExpectedVersion('template', expectedVersion, version);
  let decided = command as TemplateCommand;
  if (command.type === 'CreateTemplate') {
    const counted = await trx
      .selectFrom('templates')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow();
    decided = { ...command, templates: Number(counted.n) };
  }
  const events = decideTemplate(decided, state);
  if (events.length === 0) return { id: command.templateId, version, position: 0 };
  const next = version + 1;
  for (const event of events) {
    if (event.type === 'TemplateCreated') {
      const { templateId, name, title, content, tags, mood } = event.data;
      await trx
        .insertInto('templates')
        .values({ id: templateId, user_id: userId, name, title, content, tags, mood, version: next, removed_at: null })
        .execute();
    } else if (event.type === 'TemplateChanged') {
      await trx
        .updateTable('templates')
        .set({ ...event.data.changes, version: next })
        .where('id', '=', command.templateId)
        .execute();
    } else if (event.type === 'TemplateRemoved') {
      await trx
        .updateTable('templates')
        .set({ removed_at: context.now, version: next })
        .where('id', '=', command.templateId)
        .execute();
    }
  }
  const appended = await recorder.record(trx, {
    streamId: templateStream(command.templateId),
    expectedVersion: version,
    userId,
    events,
    context,
  });
  return { id: command.templateId, version: next, position: appended.position };
}
