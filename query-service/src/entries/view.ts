import { Mood } from '@mindflow/core/events';
import type { ReadViews } from '@mindflow/core/read-model';
import { Type, type Static } from '@sinclair/typebox';
import type { Selectable } from 'kysely';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** An entry as the client sees it. */
export const EntryView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  date: Type.String({ format: 'date' }),
  title: Type.String(),
  content: Type.String({ description: 'Markdown' }),
  mood: Nullable(Mood),
  tags: Type.Array(Type.String()),
  location: Nullable(Type.String()),
  weather: Nullable(Type.String()),
  isPrivate: Type.Boolean(),
  wordCount: Type.Integer(),
  readingTime: Type.Integer({ description: 'seconds' }),
  attachments: Type.Array(Type.Unknown()),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  promptId: Type.Optional(Type.String({ description: 'the prompt it was written from' })),
});
export type EntryView = Static<typeof EntryView>;

type JournalRow = Selectable<ReadViews['journal_view']>;

/** The columns an entry view is made of. */
export const entryColumns = [
  'entry_id',
  'entry_date',
  'title',
  'content',
  'mood',
  'tags',
  'location',
  'weather',
  'is_private',
  'word_count',
  'reading_time',
  'attachments',
  'version',
  'created_at',
  'updated_at',
  'prompt_id',
] as const;

export function toEntryView(row: Pick<JournalRow, (typeof entryColumns)[number]>): EntryView {
  return {
    id: row.entry_id,
    date: row.entry_date,
    // Erased entries keep their row with no text.
    title: row.title ?? '',
    content: row.content ?? '',
    mood: row.mood as EntryView['mood'],
    tags: row.tags,
    location: row.location,
    weather: row.weather,
    isPrivate: row.is_private,
    wordCount: row.word_count,
    readingTime: row.reading_time,
    attachments: row.attachments,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.prompt_id === null ? {} : { promptId: row.prompt_id }),
  };
}
