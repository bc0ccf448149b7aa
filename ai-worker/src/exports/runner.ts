import type { Logger } from '@mindflow/core/logging';
import { notificationIdOf, notificationStream } from '@mindflow/core/domain';
import { appendDerived } from '@mindflow/core/write-model';
import { sql } from 'kysely';
import { buildExport, type ExportDeps } from './build.js';

/** A job left running this long (its worker died) is taken up again. */
const staleMinutes = 30;

/**
 * Builds the next queued export, if any: the claim (queued → running) commits first, under
 * SKIP LOCKED, so workers never build the same job; progress is written as it goes; the job
 * ends completed (with its object) or failed (with the error). Returns whether there was one.
 */
export async function runNextExport(deps: ExportDeps, logger: Logger): Promise<boolean> {
  const job = await deps.db.transaction().execute(async (trx) => {
    const next = await trx
      .selectFrom('data_exports')
      .select(['id', 'user_id'])
      .where((eb) =>
        eb.or([
          eb('status', '=', 'queued'),
          eb.and([
            eb('status', '=', 'running'),
            eb('requested_at', '<', sql<Date>`now() - make_interval(mins => ${staleMinutes})`),
          ]),
        ]),
      )
      .orderBy('requested_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (next === undefined) return undefined;
    await trx.updateTable('data_exports').set({ status: 'running', done: 0 }).where('id', '=', next.id).execute();
    return { exportId: next.id, userId: next.user_id };
  });
  if (job === undefined) return false;
  let written = 0;
  try {
    const { key, manifest } = await buildExport(deps, job, async (done, total) => {
      // Every 100 items and at the end: progress costs an update, not one per file.
      if (done - written < 100 && done < total) return;
      written = done;
      await deps.db.updateTable('data_exports').set({ done, total }).where('id', '=', job.exportId).execute();
    });
    // Completed, and its writer told (in the app, and on their open streams), in one transaction.
    await deps.db.transaction().execute(async (trx) => {
      const completedAt = new Date();
      await trx
        .updateTable('data_exports')
        .set({ status: 'completed', object_key: key, completed_at: completedAt })
        .where('id', '=', job.exportId)
        .execute();
      const notificationId = notificationIdOf(job.exportId, 'export-ready');
      await appendDerived(trx, deps.keyring, {
        streamId: notificationStream(notificationId),
        expectedVersion: 'any',
        actorId: 'ai-worker',
        userId: job.userId,
        type: 'NotificationRaised',
        data: {
          notificationId,
          kind: 'export-ready',
          severity: null,
          title: 'Your data export is ready to download',
          subjectId: job.exportId,
        },
        at: completedAt,
      });
    });
    logger.info({ exportId: job.exportId, files: manifest.files.length }, 'export built');
  } catch (error) {
    logger.error({ err: error, exportId: job.exportId }, 'export failed');
    await deps.db
      .updateTable('data_exports')
      .set({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
      .where('id', '=', job.exportId)
      .execute();
  }
  return true;
}

/** Looks for queued exports every `intervalSeconds` and builds them one after another until stopped. */
export function startExportRunner(deps: ExportDeps, logger: Logger, intervalSeconds = 2): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= (async () => {
      while (await runNextExport(deps, logger));
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'export run failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
