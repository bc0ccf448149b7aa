import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import type { Logger } from '@mindflow/core/logging';
import type { WriteTables } from '@mindflow/core/write-model';
import { sql, type Kysely } from 'kysely';
import type { UploadSettings } from './settings.js';

export interface UploadSweeper {
  /** Sweeps expired uploads now, at most `maxPerRun`; how many were swept. */
  sweep(): Promise<number>;
  /** Sweeps every `sweepEveryMs` until stopped. */
  start(): void;
  /** Stops sweeping, once a sweep under way ends. */
  stop(): Promise<void>;
}

/** Uploads swept per transaction, and per run (the rest wait for the next run). */
const batchSize = 100;
const maxPerRun = 1_000;

/**
 * Removes what signed upload links leave behind once they expire (plus a grace for a PUT begun
 * just before): the staging object of every upload, and the object moved for an upload never
 * recorded (a completion cut short). Several command services may sweep at once: each takes
 * rows the others have not locked (skip locked), and deletes a row only once its objects are.
 */
export function createUploadSweeper(
  deps: { readonly db: Kysely<WriteTables>; readonly blobs: BlobStore; readonly logger: Logger },
  settings: Pick<UploadSettings, 'sweepEveryMs' | 'sweepGraceSeconds'>,
): UploadSweeper {
  const sweepBatch = () =>
    deps.db.transaction().execute(async (trx) => {
      const expired = await trx
        .selectFrom('attachment_uploads')
        .select(['id', 'user_id', 'completed_at'])
        .where('expires_at', '<', sql<Date>`now() - make_interval(secs => ${settings.sweepGraceSeconds})`)
        .orderBy('expires_at')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const upload of expired) {
        await deps.blobs.delete(blobKeys.staging(upload.user_id, upload.id));
        if (upload.completed_at === null) await deps.blobs.delete(blobKeys.attachment(upload.user_id, upload.id));
      }
      if (expired.length > 0) {
        await trx
          .deleteFrom('attachment_uploads')
          .where(
            'id',
            'in',
            expired.map((upload) => upload.id),
          )
          .execute();
      }
      return expired.length;
    });
  const sweep = async () => {
    let swept = 0;
    for (;;) {
      const count = await sweepBatch();
      swept += count;
      if (count < batchSize || swept >= maxPerRun) break;
    }
    if (swept > 0) deps.logger.info({ swept }, 'expired attachment uploads swept');
    return swept;
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  // The next sweep is planned when one ends: sweeps never overlap.
  const plan = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep()
        .then(() => undefined)
        .catch((error: unknown) => {
          deps.logger.error({ err: error }, 'expired attachment uploads could not be swept; trying again later');
        })
        .finally(plan);
    }, settings.sweepEveryMs);
    timer.unref();
  };
  return {
    sweep,
    start: plan,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
