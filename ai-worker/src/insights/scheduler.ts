import type { UserKeyring } from '@mindflow/core/crypto';
import { newEventId } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { sql } from 'kysely';
import { appendDerived } from '@mindflow/core/write-model';
import type { WorkerDb } from '../database.js';
import type { InsightWriter } from '../providers/types.js';
import { gatherBrief, type InsightPeriod } from './brief.js';
import { insightStream } from '@mindflow/core/domain';

export interface InsightDeps {
  readonly db: WorkerDb;
  readonly keyring: UserKeyring;
  readonly writer: InsightWriter;
  readonly logger: Logger;
}

export interface InsightRun {
  /** Scheduled periods looked at (written or, without entries, passed over). */
  readonly periods: number;
  /** Insights appended (scheduled and requested). */
  readonly written: number;
}

/**
 * Writes every insight that is due at `now`: each scheduled period that has ended in its
 * user's time zone (one after another, so a worker that was down catches up), then the
 * requests waiting. Each is one transaction that holds its schedule or request row: that row
 * lock is the lease, so other workers skip it (SKIP LOCKED) and a crash hands it back. The
 * unique (user, kind, period) of insight_periods is the second guard.
 */
export async function writeDueInsights(deps: InsightDeps, now: Date = new Date()): Promise<InsightRun> {
  let periods = 0;
  let written = 0;
  for (;;) {
    const outcome = await nextScheduled(deps, now);
    if (outcome === 'none') break;
    periods += 1;
    if (outcome === 'written') written += 1;
  }
  while (await nextRequested(deps, now)) written += 1;
  return { periods, written };
}

/** The end (exclusive) of the period of `kind` that starts at `from`. */
const periodEnd = (kind: unknown, from: unknown) =>
  sql<string>`(case ${kind} when 'weekly' then ${from}::date + 7 else (${from}::date + interval '1 month')::date end)`;

async function nextScheduled(deps: InsightDeps, now: Date): Promise<'none' | 'written' | 'passed'> {
  return deps.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('insight_schedule as schedule')
      .innerJoin('users', 'users.id', 'schedule.user_id')
      .innerJoin('user_settings as settings', 'settings.user_id', 'schedule.user_id')
      .select([
        'schedule.user_id',
        'schedule.kind',
        sql<string>`schedule.next_from::text`.as('from'),
        sql<string>`(${periodEnd(sql.ref('schedule.kind'), sql.ref('schedule.next_from'))} - 1)::text`.as('to'),
        sql<string>`${periodEnd(sql.ref('schedule.kind'), sql.ref('schedule.next_from'))}::text`.as('next'),
        'users.deleted_at',
        'settings.private_mode',
      ])
      .where(
        sql<boolean>`(${periodEnd(sql.ref('schedule.kind'), sql.ref('schedule.next_from'))}::timestamp at time zone users.timezone) <= ${now}`,
      )
      .orderBy('schedule.next_from')
      .limit(1)
      .forUpdate('schedule')
      .skipLocked()
      .execute();
    const row = due[0];
    if (row === undefined) return 'none';
    await trx
      .updateTable('insight_schedule')
      .set({ next_from: row.next })
      .where('user_id', '=', row.user_id)
      .where('kind', '=', row.kind)
      .execute();
    // Private mode keeps everything from the AI; an erased or deleted account gets nothing.
    if (row.private_mode || row.deleted_at !== null) return 'passed';
    const period: InsightPeriod = { userId: row.user_id, kind: row.kind, from: row.from, to: row.to };
    return (await writeInsight(deps, trx, period, { insightId: newEventId(), scheduled: true, now }))
      ? 'written'
      : 'passed';
  });
}

async function nextRequested(deps: InsightDeps, now: Date): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('insight_requests as request')
      .innerJoin('user_settings as settings', 'settings.user_id', 'request.user_id')
      .innerJoin('users', 'users.id', 'request.user_id')
      .select([
        'request.insight_id',
        'request.user_id',
        'request.kind',
        sql<string>`request.period_from::text`.as('from'),
        sql<string>`request.period_to::text`.as('to'),
        'settings.private_mode',
        'users.deleted_at',
      ])
      .orderBy('request.requested_at')
      .limit(1)
      .forUpdate('request')
      .skipLocked()
      .execute();
    const row = request[0];
    if (row === undefined) return false;
    await trx.deleteFrom('insight_requests').where('insight_id', '=', row.insight_id).execute();
    if (row.private_mode || row.deleted_at !== null) return true;
    const kind = row.kind === 'weekly' || row.kind === 'monthly' || row.kind === 'yearly' ? row.kind : 'custom';
    await writeInsight(
      deps,
      trx,
      { userId: row.user_id, kind, from: row.from, to: row.to },
      { insightId: row.insight_id, scheduled: false, now },
    );
    return true;
  });
}

/**
 * Gathers the brief, has the writer word it, and appends InsightGenerated. A scheduled period
 * without entries writes nothing; a request is always answered.
 */
async function writeInsight(
  deps: InsightDeps,
  trx: WorkerDb,
  period: InsightPeriod,
  options: { insightId: string; scheduled: boolean; now: Date },
): Promise<boolean> {
  const brief = await gatherBrief(trx, period);
  if (options.scheduled && brief.stats.entries === 0) return false;
  if (options.scheduled) {
    const claimed = await trx
      .insertInto('insight_periods')
      .values({
        user_id: period.userId,
        kind: period.kind,
        period_from: period.from,
        period_to: period.to,
        insight_id: options.insightId,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('insight_id')
      .executeTakeFirst();
    if (claimed === undefined) return false;
  }
  const started = Date.now();
  const prose = await deps.writer.write(brief);
  deps.logger.debug({ kind: period.kind, writtenBy: prose.writtenBy, ms: Date.now() - started }, 'insight written');
  await appendDerived(trx, deps.keyring, {
    streamId: insightStream(options.insightId),
    userId: period.userId,
    type: 'InsightGenerated',
    data: {
      insightId: options.insightId,
      kind: period.kind,
      from: period.from,
      to: period.to,
      summary: prose.summary,
      stats: { ...brief.stats, suggestions: prose.suggestions, writtenBy: prose.writtenBy },
    },
    at: options.now,
  });
  return true;
}

/** Runs `writeDueInsights` every `intervalSeconds` (and once at start) until stopped; runs never overlap. */
export function startInsightScheduler(deps: InsightDeps, intervalSeconds: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= writeDueInsights(deps)
      .then((run) => {
        if (run.written > 0) deps.logger.info(run, 'insights written');
      })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'insight run failed'))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, intervalSeconds * 1000);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
