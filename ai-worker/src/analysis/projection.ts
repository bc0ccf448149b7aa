import type { UserKeyring } from '@mindflow/core/crypto';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Projection } from '@mindflow/core/projections';
import { sql } from 'kysely';
import { appendDerived } from '@mindflow/core/write-model';
import type { WorkerDb, WorkerTables } from '../database.js';
import { analyzeText } from './analyze.js';
import type { AnalysisStatus, StatusBoard } from './status.js';
import { analysisStream } from '@mindflow/core/domain';

type Event = DecodedEvent<MindflowEvents>;

/** What became of each entry in a batch, told once the batch has committed. */
export type Outcomes = Map<string, AnalysisStatus>;

/**
 * The ai-worker's consumer of the event stream, hosted like a projection on the write
 * database: its offsets, its state and the events it appends commit in one transaction, so a
 * redelivery or a crash never analyzes an entry version twice nor loses one.
 *
 * - An entry created, changed or restored is analyzed at its current version, unless it is
 *   private or its author is in private mode: then an earlier analysis is withdrawn.
 * - Private mode turned on withdraws every analysis of the user's.
 * - A registration starts the user's weekly and monthly insight schedule; an insight request
 *   is queued for the scheduler.
 */
export function analysisProjection(
  keyring: UserKeyring,
  statuses: StatusBoard,
  outcomes: () => Outcomes,
): Projection<WorkerTables> {
  return {
    name: 'ai-worker',
    tables: ['entry_analyses', 'insight_schedule', 'insight_requests'],
    apply: async (db, events) => {
      for (const event of events) await applyEvent(db, keyring, statuses, event, outcomes());
    },
  };
}

async function applyEvent(
  db: WorkerDb,
  keyring: UserKeyring,
  statuses: StatusBoard,
  event: Event,
  outcomes: Outcomes,
): Promise<void> {
  switch (event.type) {
    case 'EntryCreated':
    case 'EntryUpdated':
    case 'EntryRestored':
      await statuses.set([event.data.entryId], 'processing');
      outcomes.set(event.data.entryId, await analyzeEntry(db, keyring, event.data.entryId, event));
      return;
    case 'SettingsUpdated':
      if (event.data.privateMode && event.userId !== null) await withdrawAll(db, keyring, event.userId, event);
      return;
    case 'UserRegistered':
      if (event.userId !== null) await startSchedule(db, event.userId, event.occurredAt);
      return;
    case 'InsightRequested':
      if (event.userId === null) return;
      await db
        .insertInto('insight_requests')
        .values({
          insight_id: event.data.insightId,
          user_id: event.userId,
          kind: event.data.kind,
          period_from: event.data.from,
          period_to: event.data.to,
          requested_at: event.occurredAt,
        })
        .onConflict((conflict) => conflict.column('insight_id').doNothing())
        .execute();
      return;
    default:
      return;
  }
}

/**
 * Analyzes the entry as it stands now (a backlog of edits is analyzed once, at the newest
 * version). The insert only wins over an older version, so a replay appends nothing.
 */
async function analyzeEntry(
  db: WorkerDb,
  keyring: UserKeyring,
  entryId: string,
  cause: Event,
): Promise<AnalysisStatus> {
  const entry = await db
    .selectFrom('journal_entries as entry')
    .innerJoin('user_settings as settings', 'settings.user_id', 'entry.user_id')
    .select([
      'entry.user_id',
      'entry.version',
      'entry.title',
      'entry.content',
      'entry.is_private',
      'entry.deleted_at',
      'settings.private_mode',
    ])
    .where('entry.id', '=', entryId)
    .executeTakeFirst();
  if (entry === undefined) return 'skipped';
  if (entry.deleted_at !== null) return 'skipped';
  if (entry.is_private || entry.private_mode) {
    await withdraw(db, keyring, entryId, entry.is_private ? 'private_entry' : 'private_mode', cause);
    return 'skipped';
  }
  const analysis = analyzeText(`${entry.title}\n\n${entry.content}`);
  const stored = await db
    .insertInto('entry_analyses')
    .values({
      entry_id: entryId,
      user_id: entry.user_id,
      entry_version: entry.version,
      score: analysis.sentiment.score,
      label: analysis.sentiment.label,
      themes: JSON.stringify(analysis.themes),
      language: analysis.language,
      analyzed_at: cause.occurredAt,
    })
    .onConflict((conflict) =>
      conflict
        .column('entry_id')
        .doUpdateSet((eb) => ({
          entry_version: eb.ref('excluded.entry_version'),
          score: eb.ref('excluded.score'),
          label: eb.ref('excluded.label'),
          themes: eb.ref('excluded.themes'),
          language: eb.ref('excluded.language'),
          analyzed_at: eb.ref('excluded.analyzed_at'),
        }))
        .where('entry_analyses.entry_version', '<', entry.version),
    )
    .returning('entry_id')
    .executeTakeFirst();
  if (stored === undefined) return 'completed'; // this version was analyzed before
  await appendDerived(db, keyring, {
    streamId: analysisStream(entryId),
    userId: entry.user_id,
    type: 'EntryAnalyzed',
    data: {
      entryId,
      entryVersion: entry.version,
      sentiment: analysis.sentiment,
      themes: [...analysis.themes],
      language: analysis.language,
    },
    cause,
    at: cause.occurredAt,
  });
  return 'completed';
}

async function withdraw(
  db: WorkerDb,
  keyring: UserKeyring,
  entryId: string,
  reason: 'private_entry' | 'private_mode',
  cause: Event,
): Promise<void> {
  const removed = await db.deleteFrom('entry_analyses').where('entry_id', '=', entryId).returning('user_id').execute();
  for (const { user_id: userId } of removed) {
    await appendDerived(db, keyring, {
      streamId: analysisStream(entryId),
      userId,
      type: 'EntryAnalysisWithdrawn',
      data: { entryId, reason },
      cause,
      at: cause.occurredAt,
    });
  }
}

async function withdrawAll(db: WorkerDb, keyring: UserKeyring, userId: string, cause: Event): Promise<void> {
  const analyzed = await db.selectFrom('entry_analyses').select('entry_id').where('user_id', '=', userId).execute();
  for (const { entry_id: entryId } of analyzed) await withdraw(db, keyring, entryId, 'private_mode', cause);
}

/** The first weekly and monthly periods: those the user registered in, in their time zone. */
async function startSchedule(db: WorkerDb, userId: string, at: Date): Promise<void> {
  const user = await db.selectFrom('users').select('timezone').where('id', '=', userId).executeTakeFirst();
  if (user === undefined) return;
  const local = sql`(${at}::timestamptz at time zone ${user.timezone})`;
  await db
    .insertInto('insight_schedule')
    .values([
      { user_id: userId, kind: 'weekly', next_from: sql<string>`date_trunc('week', ${local})::date` },
      { user_id: userId, kind: 'monthly', next_from: sql<string>`date_trunc('month', ${local})::date` },
    ])
    .onConflict((conflict) => conflict.columns(['user_id', 'kind']).doNothing())
    .execute();
}
