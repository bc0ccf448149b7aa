import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Kysely } from 'kysely';
import type { ReadModelTables } from './tables.js';

type Db = Kysely<ReadModelTables>;
type Event = DecodedEvent<MindflowEvents>;
type Of<T extends Event['type']> = Extract<Event, { type: T }>;

/** The analysis of a newer version replaces an older one; a replayed older one changes nothing. */
export async function entryAnalyzed(db: Db, event: Of<'EntryAnalyzed'>, userId: string): Promise<void> {
  const { entryId, entryVersion, sentiment, themes, language } = event.data;
  const row = {
    entry_id: entryId,
    user_id: userId,
    entry_version: entryVersion,
    score: sentiment.score,
    label: sentiment.label,
    // Themes are personal: erased with the user's key, they are gone here too.
    themes: JSON.stringify(event.erased.includes('data.themes') ? [] : themes),
    language,
    analyzed_at: event.occurredAt,
  };
  await db
    .insertInto('entry_analysis_view')
    .values(row)
    .onConflict((conflict) =>
      conflict.column('entry_id').doUpdateSet(row).where('entry_analysis_view.entry_version', '<=', entryVersion),
    )
    .execute();
}

export async function analysisWithdrawn(db: Db, event: Of<'EntryAnalysisWithdrawn'>): Promise<void> {
  await db.deleteFrom('entry_analysis_view').where('entry_id', '=', event.data.entryId).execute();
}

export async function insightRequested(db: Db, event: Of<'InsightRequested'>, userId: string): Promise<void> {
  const { insightId, kind, from, to } = event.data;
  await db
    .insertInto('insight_view')
    .values({
      insight_id: insightId,
      user_id: userId,
      kind,
      period_from: from,
      period_to: to,
      status: 'queued',
      summary: null,
      stats: JSON.stringify(null),
      requested_at: event.occurredAt,
      generated_at: null,
    })
    .onConflict((conflict) => conflict.column('insight_id').doNothing())
    .execute();
}

export async function insightGenerated(db: Db, event: Of<'InsightGenerated'>, userId: string): Promise<void> {
  const { insightId, kind, from, to, summary, stats } = event.data;
  const generated = {
    status: 'completed' as const,
    summary,
    stats: JSON.stringify(stats),
    generated_at: event.occurredAt,
  };
  await db
    .insertInto('insight_view')
    .values({
      insight_id: insightId,
      user_id: userId,
      kind,
      period_from: from,
      period_to: to,
      requested_at: event.occurredAt,
      ...generated,
    })
    .onConflict((conflict) => conflict.column('insight_id').doUpdateSet(generated))
    .execute();
}

/** A notification raised; raised again (a redelivery), it stays as it is. */
export async function notificationRaised(db: Db, event: Of<'NotificationRaised'>, userId: string): Promise<void> {
  const { notificationId, kind, severity, title, subjectId } = event.data;
  await db
    .insertInto('notification_view')
    .values({
      notification_id: notificationId,
      user_id: userId,
      kind,
      severity,
      // The title is personal: erased with the user's key, the notification goes with them anyway.
      title,
      subject_id: subjectId,
      created_at: event.occurredAt,
      read_at: null,
    })
    .onConflict((conflict) => conflict.column('notification_id').doNothing())
    .execute();
}

/** A notification read: the first time is kept. */
export async function notificationRead(db: Db, event: Of<'NotificationRead'>): Promise<void> {
  await db
    .updateTable('notification_view')
    .set({ read_at: event.occurredAt })
    .where('notification_id', '=', event.data.notificationId)
    .where('read_at', 'is', null)
    .execute();
}
