import type { AuditStore } from '@mindflow/core/audit';
import { fromWire, logOffset } from '@mindflow/core/bus';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readAll, startOfLog, type Checkpoint, type RecordedEvent } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import {
  createProjectionMetrics,
  floorPartition,
  lockProjection,
  deliverUntilPast,
  saveOffsets,
  type ErasureFence,
  type RuntimeTables,
} from '@mindflow/core/projections';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { logDeliveries } from '../rebuild.js';
import type { WriteSide } from '../service.js';
import { auditProjectionName, auditTrail } from './projection.js';

export interface AuditRebuildOptions<R extends RuntimeTables> {
  readonly store: AuditStore;
  readonly writeDb: Kysely<WriteSide>;
  /** The read database: the audit trail's offsets and dead letters. */
  readonly readDb: Kysely<R>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /** Skips the events that follow their user's UserErased, as the live trail does. */
  readonly erasure: ErasureFence;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Tries before an event that keeps failing is dead-lettered (3 unless told). */
  readonly maxAttempts?: number;
  /** Called after each batch: events read, and the total counted at the start. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AuditRebuildResult {
  /** Events read from the event store. */
  readonly events: number;
  /** Records the trail lacked and the rebuild appended. */
  readonly appended: number;
  /** Dead letters of the trail the rebuild superseded (marked resolved). */
  readonly resolved: number;
  /** Events that failed again: the trail's dead letters now. */
  readonly deadLetters: number;
  readonly seconds: number;
}

/** Where the rebuild keeps its own offsets and dead letters while it runs. */
export const auditRebuildName = `${auditProjectionName}:rebuild`;

/**
 * Rebuilds the audit trail from the event store, in place: every audited event is projected
 * again, through the live trail's own code, and appended to the audit store, which skips the
 * events it already holds (one record per event id). So the rebuild only adds what is missing
 * (events dead-lettered, skipped while the store was away, or older than the store): it never
 * removes, rewrites or re-chains a record, and leaves alone the records no event makes
 * (queries and exports of the audit log).
 *
 * Why in place rather than a new collection swapped in: audit records are evidence. Their
 * hashes and chain positions may already be quoted in an export or an investigation, their
 * retention runs from when they were recorded, legal holds and erasure have been applied to
 * them, and some records are not derived from events at all. A rebuilt copy would re-record
 * everything today, in new chains with new hashes, restarting retention (and bringing back
 * records the sweeper had removed). So: records are added, never replaced; an event older than
 * the audit retention gets none (its record would already have been removed); events after
 * their user's UserErased are skipped; a record of an erased user is put under a pseudonym as
 * soon as it is appended (with a salt of its own: the subject's is gone).
 *
 * Runs beside the live trail: both append idempotently and the chain takes concurrent writers.
 * It reads the log up to its head at the start (what follows is the live trail's), so it ends
 * however fast events come. It runs under a name of its own (its offsets and dead letters); an
 * engine away is waited out, an event that keeps failing is dead-lettered. At the end, in one
 * transaction, the trail's offsets move up to where the rebuild stands (never back), the
 * trail's dead letters the rebuild got past are resolved, and those that failed again become the
 * trail's. The trail's lock serialises that step with another rebuild's; the live trail takes
 * none (its appends are idempotent and its offsets only move forward), so an event it
 * dead-letters at that very moment, though the rebuild recorded it, stays listed (replaying it
 * adds nothing).
 */
export async function rebuildAudit<R extends RuntimeTables>(
  options: AuditRebuildOptions<R>,
): Promise<AuditRebuildResult> {
  const { writeDb, logger } = options;
  // Kysely is invariant in its tables: this only touches the runtime's tables.
  const db = options.readDb as unknown as Kysely<RuntimeTables>;
  const started = performance.now();
  await forgetRebuild(db);
  let appended = 0;
  const store: AuditStore = {
    ...options.store,
    append: async (records) => {
      const result = await options.store.append(records);
      appended += result.appended;
      return result;
    },
  };
  const host = auditTrail({
    store,
    writeDb,
    readDb: db,
    decode: options.decode,
    name: auditRebuildName,
    runtime: {
      metrics: createProjectionMetrics(new Registry()),
      logger,
      erasure: options.erasure,
      maxAttempts: options.maxAttempts ?? 3,
    },
  });
  // The log as it stands now: what comes after is the live trail's (it resumes after wherever
  // the rebuild stops), so a rebuild ends however fast events keep coming.
  const head = (
    await sql<{ n: string; head: string | null }>`
      select count(*) as n, max(global_position) as head from events`.execute(writeDb)
  ).rows[0];
  const total = Number(head?.n ?? 0);
  const headPosition = Number(head?.head ?? 0);
  const batchSize = options.batchSize ?? 1_000;
  let checkpoint: Checkpoint = startOfLog;
  let done = 0;
  for (let reached = false; !reached;) {
    const events = await readAll(writeDb, checkpoint, batchSize);
    const last = events.at(-1);
    if (last === undefined) break;
    await deliverUntilPast(host, logDeliveries(events));
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
    done += events.length;
    reached = events.some((event) => event.globalPosition >= headPosition);
    options.onProgress?.(done, Math.max(total, done));
  }
  const settled = await db.transaction().execute(async (trx) => {
    await lockProjection(trx, auditProjectionName, 'public');
    return settle(trx, logOffset(checkpoint));
  });
  const seconds = (performance.now() - started) / 1000;
  const result = { events: done, appended, ...settled, seconds };
  logger.info({ projection: auditProjectionName, ...result }, 'audit trail rebuilt');
  return result;
}

/**
 * The end of a rebuild that got to `offset`: the trail resumes after it (its offsets never move
 * back), its open dead letters at or before it are resolved unless they failed in the rebuild
 * too, and the rebuild's own dead letters become the trail's.
 */
async function settle(trx: Kysely<RuntimeTables>, offset: string): Promise<{ resolved: number; deadLetters: number }> {
  await saveOffsets(trx, auditProjectionName, new Map([[floorPartition, offset]]));
  const failed = await trx
    .selectFrom('dead_letters')
    .select(['event_id', 'event', 'error', 'attempts'])
    .where('projection', '=', auditRebuildName)
    .execute();
  const failedAgain = new Set(failed.map((row) => row.event_id));
  const open = await trx
    .selectFrom('dead_letters')
    .select(['id', 'event_id', 'event'])
    .where('projection', '=', auditProjectionName)
    .where('replayed_at', 'is', null)
    .execute();
  const superseded = open
    .filter((row) => !failedAgain.has(row.event_id))
    .filter((row) => {
      const event = fromWire(JSON.stringify(row.event));
      return logOffset({ transactionId: event.transactionId, position: event.globalPosition }) <= offset;
    })
    .map((row) => row.id);
  if (superseded.length > 0)
    await trx.updateTable('dead_letters').set({ replayed_at: new Date() }).where('id', 'in', superseded).execute();
  for (const row of failed) {
    await trx
      .insertInto('dead_letters')
      .values({
        projection: auditProjectionName,
        event_id: row.event_id,
        event: JSON.stringify(row.event),
        error: row.error,
        attempts: row.attempts,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['projection', 'event_id'])
          .doUpdateSet({ error: row.error, attempts: row.attempts, replayed_at: null }),
      )
      .execute();
  }
  await forgetRebuild(trx);
  return { resolved: superseded.length, deadLetters: failed.length };
}

/** Removes the rebuild's own offsets and dead letters (those of an interrupted run too). */
async function forgetRebuild(db: Kysely<RuntimeTables>): Promise<void> {
  await db.deleteFrom('projection_offsets').where('projection', '=', auditRebuildName).execute();
  await db.deleteFrom('dead_letters').where('projection', '=', auditRebuildName).execute();
}
