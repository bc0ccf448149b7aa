import { Readable } from 'node:stream';
import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import type { UserKeyring } from '@mindflow/core/crypto';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Projection } from '@mindflow/core/projections';
import sharp, { type OutputInfo } from 'sharp';
import { appendDerived } from '@mindflow/core/write-model';
import type { WorkerDb, WorkerTables } from '../database.js';
import { attachmentStream } from '@mindflow/core/domain';

type Event = DecodedEvent<MindflowEvents>;

/** Thumbnails fit in this square, as WebP. */
export const thumbnailSize = 320;
/** Images with more pixels than this are not decoded (a decompression bomb is refused). */
const maxInputPixels = 100_000_000;

const images = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Thumbnails of image attachments, made after the upload (never in its request) and recorded
 * by ThumbnailGenerated on the attachment's stream. Hosted on the write database: the event,
 * the attachment's thumbnail key and the consumer's offsets commit together; the thumbnail
 * object is written first, so a retry only writes it again.
 */
export function thumbnailProjection(keyring: UserKeyring, blobs: BlobStore): Projection<WorkerTables> {
  return {
    name: 'thumbnails',
    tables: [],
    apply: async (db, events) => {
      for (const event of events) {
        if (event.type === 'AttachmentAdded' && images.has(event.data.contentType))
          await thumbnail(db, keyring, blobs, event);
      }
    },
  };
}

async function thumbnail(
  db: WorkerDb,
  keyring: UserKeyring,
  blobs: BlobStore,
  event: Extract<Event, { type: 'AttachmentAdded' }>,
): Promise<void> {
  const { attachmentId, entryId, storageKey } = event.data;
  const attachment = await db
    .selectFrom('attachments')
    .select(['user_id', 'thumbnail_key', 'deleted_at'])
    .where('id', '=', attachmentId)
    .executeTakeFirst();
  // Removed since, or done before: nothing to do.
  if (attachment === undefined) return;
  if (attachment.deleted_at !== null || attachment.thumbnail_key !== null) return;
  const source = await blobs.get(storageKey);
  if (source === undefined) return;
  const resize = sharp({ limitInputPixels: maxInputPixels, failOn: 'error' })
    .rotate()
    .resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 });
  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await source.pipe(resize).toBuffer({ resolveWithObject: true });
  } catch {
    // Not a decodable image after all (its signature was right, its body not): no thumbnail.
    source.destroy();
    return;
  }
  const key = blobKeys.thumbnail(attachment.user_id, attachmentId);
  await blobs.put(key, Readable.from([output.data]), { contentType: 'image/webp' });
  await db.updateTable('attachments').set({ thumbnail_key: key }).where('id', '=', attachmentId).execute();
  await appendDerived(db, keyring, {
    streamId: attachmentStream(attachmentId),
    userId: attachment.user_id,
    type: 'ThumbnailGenerated',
    data: { entryId, attachmentId, storageKey: key, width: output.info.width, height: output.info.height },
    cause: event,
    at: event.occurredAt,
  });
}
