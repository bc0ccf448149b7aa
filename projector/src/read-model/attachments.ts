import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { sql, type Kysely } from 'kysely';
import type { ReadModelTables } from './tables.js';

type Db = Kysely<ReadModelTables>;
type Event = DecodedEvent<MindflowEvents>;
type Of<T extends Event['type']> = Extract<Event, { type: T }>;

/** An entry's attachments as its view lists them (never the storage key: downloads are signed links). */
export async function attachmentAdded(db: Db, event: Of<'AttachmentAdded'>): Promise<void> {
  const { entryId, attachmentId, fileName, contentType, size } = event.data;
  const item = JSON.stringify([
    {
      id: attachmentId,
      fileName: event.erased.includes('data.fileName') ? null : fileName,
      contentType,
      size,
      thumbnail: false,
      addedAt: event.occurredAt,
    },
  ]);
  await db
    .updateTable('journal_view')
    .set({ attachments: sql`attachments || ${item}::jsonb` })
    .where('entry_id', '=', entryId)
    .where(sql<boolean>`not attachments @> ${JSON.stringify([{ id: attachmentId }])}::jsonb`)
    .execute();
}

export async function attachmentRemoved(db: Db, event: Of<'AttachmentRemoved'>): Promise<void> {
  await db
    .updateTable('journal_view')
    .set({
      attachments: sql`coalesce((select jsonb_agg(item) from jsonb_array_elements(attachments) item
                                  where item->>'id' <> ${event.data.attachmentId}), '[]'::jsonb)`,
    })
    .where('entry_id', '=', event.data.entryId)
    .execute();
}

export async function thumbnailGenerated(db: Db, event: Of<'ThumbnailGenerated'>): Promise<void> {
  await db
    .updateTable('journal_view')
    .set({
      attachments: sql`(select jsonb_agg(case when item->>'id' = ${event.data.attachmentId}
                                         then item || '{"thumbnail": true}'::jsonb else item end)
                          from jsonb_array_elements(attachments) item)`,
    })
    .where('entry_id', '=', event.data.entryId)
    .where(sql<boolean>`jsonb_array_length(attachments) > 0`)
    .execute();
}
