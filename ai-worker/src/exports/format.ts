import { Type, type Static } from '@sinclair/typebox';

/** The export's format: its name and version are in manifest.json; a breaking change bumps the version. */
export const exportFormat = { name: 'mindflow-export', version: 1 } as const;

/** One entry of entries.json (schema/entries.v1.json is this, as JSON Schema). */
export const ExportedEntry = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    date: Type.String({ format: 'date' }),
    title: Type.String(),
    content: Type.String({ description: 'Markdown' }),
    mood: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    location: Type.Union([Type.String(), Type.Null()]),
    weather: Type.Union([Type.String(), Type.Null()]),
    isPrivate: Type.Boolean(),
    wordCount: Type.Integer(),
    readingTime: Type.Integer({ description: 'seconds' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    attachments: Type.Array(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          fileName: Type.String(),
          contentType: Type.String(),
          size: Type.Integer(),
          path: Type.String({ description: 'where the file is in the ZIP' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ExportedEntry = Static<typeof ExportedEntry>;

export const ExportedEntries = Type.Array(ExportedEntry, {
  $id: 'https://mindflow.example/schema/entries.v1.json',
  title: 'MindFlow entries, export format 1',
});

/** manifest.json: every other file of the ZIP with its size and SHA-256. */
export const Manifest = Type.Object({
  format: Type.Literal(exportFormat.name),
  version: Type.Literal(exportFormat.version),
  exportId: Type.String(),
  userId: Type.String(),
  exportedAt: Type.String({ format: 'date-time' }),
  files: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() })),
});
export type Manifest = Static<typeof Manifest>;

/** An entry as Markdown with YAML front matter (strings JSON-quoted, which YAML reads as they are). */
export function entryMarkdown(entry: ExportedEntry): string {
  const front = [
    `id: ${entry.id}`,
    `date: ${entry.date}`,
    `title: ${JSON.stringify(entry.title)}`,
    `mood: ${entry.mood === null ? 'null' : JSON.stringify(entry.mood)}`,
    `tags: ${JSON.stringify(entry.tags)}`,
    `location: ${entry.location === null ? 'null' : JSON.stringify(entry.location)}`,
    `weather: ${entry.weather === null ? 'null' : JSON.stringify(entry.weather)}`,
    `private: ${String(entry.isPrivate)}`,
    `words: ${String(entry.wordCount)}`,
    `created: ${entry.createdAt}`,
    `updated: ${entry.updatedAt}`,
    `attachments: ${JSON.stringify(entry.attachments.map((attachment) => attachment.path))}`,
  ];
  return `---\n${front.join('\n')}\n---\n\n# ${entry.title}\n\n${entry.content}\n`;
}
