import { builtInTemplate, promptLibrary, ruleViolation, type EntryInput, type Mood } from '@mindflow/core/domain';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';

/** A new entry's body: title and content may be left to a template. */
export type EntryBody = Omit<EntryInput, 'title' | 'content'> & {
  readonly title?: string | undefined;
  readonly content?: string | undefined;
  readonly templateId?: string | undefined;
};

/**
 * The entry a body asks for: with `templateId` (one of the writer's templates, or a built-in one
 * in their language), the fields the body leaves out (title, content, tags, mood) are the
 * template's; without one, title and content are required.
 */
export async function fromTemplate(trx: Kysely<WriteTables>, userId: string, body: EntryBody): Promise<EntryInput> {
  const { templateId, ...given } = body;
  if (given.promptId !== undefined) await checkPrompt(trx, userId, given.promptId);
  if (templateId === undefined) {
    // A rule the schema leaves to the domain: a well-formed body without them is 422.
    if (given.title === undefined) throw ruleViolation('title', 'is required without a templateId');
    if (given.content === undefined) throw ruleViolation('content', 'is required without a templateId');
    return { ...given, title: given.title, content: given.content };
  }
  const own = await trx
    .selectFrom('templates')
    .select(['title', 'content', 'tags', 'mood'])
    .where('id', '=', templateId)
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  const language =
    own === undefined
      ? ((await trx.selectFrom('users').select('language').where('id', '=', userId).executeTakeFirst())?.language ??
        'en')
      : 'en';
  const template = own ?? builtInTemplate(templateId, language);
  if (template === undefined) throw ruleViolation('templateId', 'no such template of yours');
  return {
    ...given,
    title: given.title ?? template.title,
    content: given.content ?? template.content,
    tags: given.tags ?? template.tags,
    mood: given.mood === undefined ? (template.mood as Mood | null) : given.mood,
  };
}

/** A prompt an entry may say it was written from: one of the library, or one of the writer's own. */
async function checkPrompt(trx: Kysely<WriteTables>, userId: string, promptId: string): Promise<void> {
  const known = promptId.startsWith('lib-')
    ? promptLibrary.some((prompt) => prompt.id === promptId)
    : (await trx
        .selectFrom('prompts')
        .select('id')
        .where('id', '=', promptId)
        .where('user_id', '=', userId)
        .executeTakeFirst()) !== undefined;
  if (!known) throw ruleViolation('promptId', 'no such prompt');
}
