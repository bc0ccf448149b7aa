import { unlockAchievements } from '../achievements/unlock.js';
import { AppError } from '@mindflow/core/errors';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Recorder, RequestContext } from '../recorder.js';
import type { AttachmentType } from './sniff.js';
import { attachmentStream } from '@mindflow/core/domain';

/** An entry holds at most this many attachments. */
export const maxAttachmentsPerEntry = 20;

export interface StoredAttachment {
  readonly attachmentId: string;
  readonly entryId: string;
  readonly fileName: string;
  readonly contentType: AttachmentType;
  readonly size: number;
  readonly storageKey: string;
}

/** The caller's live entry, locked, with how many attachments it has; NOT_FOUND otherwise. */
export async function lockEntryForAttachments(
  db: Kysely<WriteTables>,
  userId: string,
  entryId: string,
): Promise<{ attachments: number }> {
  const entry = await db
    .selectFrom('journal_entries')
    .select('id')
    .where('id', '=', entryId)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (entry === undefined) throw new AppError('NOT_FOUND', 'no such entry');
  const counted = await db
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('entry_id', '=', entryId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { attachments: Number(counted.n) };
}

/** Records a stored attachment: its row and AttachmentAdded, in the caller's transaction. */
export async function recordAttachment(
  trx: Kysely<WriteTables>,
  recorder: Recorder,
  userId: string,
  attachment: StoredAttachment,
  context: RequestContext,
): Promise<{ position: number }> {
  const { attachments } = await lockEntryForAttachments(trx, userId, attachment.entryId);
  if (attachments >= maxAttachmentsPerEntry) {
    throw new AppError('CONFLICT', `an entry holds at most ${String(maxAttachmentsPerEntry)} attachments`);
  }
  await trx
    .insertInto('attachments')
    .values({
      id: attachment.attachmentId,
      entry_id: attachment.entryId,
      user_id: userId,
      file_name: attachment.fileName,
      content_type: attachment.contentType,
      size_bytes: attachment.size,
      storage_key: attachment.storageKey,
    })
    .execute();
  const appended = await recorder.record(trx, {
    streamId: attachmentStream(attachment.attachmentId),
    expectedVersion: 0,
    userId,
    events: [{ type: 'AttachmentAdded', data: attachment }],
    context,
  });
  await unlockAchievements(recorder, trx, userId, { attachments: 1 }, context);
  return { position: appended.position };
}

/** Marks the caller's attachment removed and records AttachmentRemoved; NOT_FOUND when it is not theirs. */
export async function removeAttachment(
  trx: Kysely<WriteTables>,
  recorder: Recorder,
  userId: string,
  target: { entryId: string; attachmentId: string },
  context: RequestContext,
): Promise<{ version: number; position: number }> {
  const removed = await trx
    .updateTable('attachments')
    .set({ deleted_at: context.now })
    .where('id', '=', target.attachmentId)
    .where('entry_id', '=', target.entryId)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (removed === undefined) throw new AppError('NOT_FOUND', 'no such attachment');
  const appended = await recorder.record(trx, {
    streamId: attachmentStream(target.attachmentId),
    expectedVersion: 'any',
    userId,
    events: [{ type: 'AttachmentRemoved', data: target }],
    context,
  });
  return { version: appended.streamVersion, position: appended.position };
}
