import type { AnalyticsTables, MoodEventRow } from '@mindflow/core/analytics';
import { moodScores, type Mood } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Kysely, Selectable } from 'kysely';
import { createAnalystViews } from '@mindflow/migrations';
import type { Projection } from '@mindflow/core/projections';
import { noChanges, type AnalyticsChanges } from './changes.js';
import type { AnalyticsStore } from './store.js';
import type { AnalyticsProjectionTables } from './tables.js';

type Db = Kysely<AnalyticsProjectionTables>;
type Event = DecodedEvent<MindflowEvents>;
type Of<T extends Event['type']> = Extract<Event, { type: T }>;
type EntryMood = Selectable<AnalyticsTables['entry_moods']>;
type Writer = Selectable<AnalyticsTables['analytics_users']>;

const unknownWriter = (userId: string): Writer => ({
  user_id: userId,
  language: 'unknown',
  timezone: 'unknown',
  stream_version: 0,
});

const activityOf: Partial<Record<Event['type'], AnalyticsChanges['activity'][number]['kind']>> = {
  UserLoggedIn: 'login',
  UserLoggedOut: 'logout',
  EntryCreated: 'entry_created',
  EntryUpdated: 'entry_updated',
  EntryDeleted: 'entry_deleted',
  SettingsUpdated: 'settings_updated',
  RemindersSet: 'settings_updated',
  UserProfileUpdated: 'profile_updated',
};

/**
 * Analytics: each entry's mood as a changelog of signed rows (an edit retracts the old row
 * and adds the new one, a delete retracts, a restore adds back), the writers' activity, and
 * the figures of their insights, with the writer's language and time zone for cohorts. No
 * text ever: no titles, contents, themes or summaries.
 *
 * Each batch loads the state it needs (writers, entries) once, folds its events in order,
 * and hands the rows to the store in a few statements.
 */
export function analyticsProjection(
  store: AnalyticsStore,
  now: () => Date = () => new Date(),
): Projection<AnalyticsProjectionTables> {
  return {
    name: 'analytics',
    tables: [
      'analytics_users',
      'entry_moods',
      'mood_events',
      'user_activity_events',
      'journal_insights',
      ...(store.strategy === 'partitions' ? ['mood_daily_summary', 'user_weekly_activity'] : []),
    ],
    apply: async (trx, events) => {
      const batch = await loadState(trx, events);
      for (const event of events) fold(batch, event);
      await saveState(trx, batch);
      await store.write(trx, batch.changes, now());
    },
    afterSwap: (trx) => createAnalystViews(trx),
  };
}

interface Batch {
  readonly writers: Map<string, Writer>;
  readonly entries: Map<string, EntryMood>;
  readonly changedWriters: Set<string>;
  readonly changedEntries: Set<string>;
  readonly changes: AnalyticsChanges;
}

const entryIdOf = (event: Event): string | undefined =>
  'entryId' in event.data && typeof event.data.entryId === 'string' ? event.data.entryId : undefined;

async function loadState(trx: Db, events: readonly Event[]): Promise<Batch> {
  const userIds = [...new Set(events.flatMap((event) => (event.userId === null ? [] : [event.userId])))];
  const entryIds = [...new Set(events.flatMap((event) => entryIdOf(event) ?? []))];
  const writers =
    userIds.length === 0
      ? []
      : await trx.selectFrom('analytics_users').selectAll().where('user_id', 'in', userIds).execute();
  const entries =
    entryIds.length === 0
      ? []
      : await trx.selectFrom('entry_moods').selectAll().where('entry_id', 'in', entryIds).execute();
  return {
    writers: new Map(writers.map((row) => [row.user_id, row])),
    entries: new Map(entries.map((row) => [row.entry_id, row])),
    changedWriters: new Set(),
    changedEntries: new Set(),
    changes: noChanges(),
  };
}

async function saveState(trx: Db, batch: Batch): Promise<void> {
  const writers = [...batch.changedWriters].flatMap((id) => batch.writers.get(id) ?? []);
  if (writers.length > 0) {
    await trx
      .insertInto('analytics_users')
      .values(writers)
      .onConflict((c) =>
        c
          .column('user_id')
          .doUpdateSet((eb) => ({
            language: eb.ref('excluded.language'),
            timezone: eb.ref('excluded.timezone'),
            stream_version: eb.ref('excluded.stream_version'),
          }))
          .where('analytics_users.stream_version', '<', (eb) => eb.ref('excluded.stream_version')),
      )
      .execute();
  }
  const entries = [...batch.changedEntries].flatMap((id) => batch.entries.get(id) ?? []);
  if (entries.length > 0) {
    await trx
      .insertInto('entry_moods')
      .values(entries)
      .onConflict((c) =>
        c.column('entry_id').doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          day: eb.ref('excluded.day'),
          mood: eb.ref('excluded.mood'),
          mood_score: eb.ref('excluded.mood_score'),
          analyzed_score: eb.ref('excluded.analyzed_score'),
          analyzed_version: eb.ref('excluded.analyzed_version'),
          tags: eb.ref('excluded.tags'),
          word_count: eb.ref('excluded.word_count'),
          deleted: eb.ref('excluded.deleted'),
        })),
      )
      .execute();
  }
  for (const userId of batch.changes.erased) {
    await trx.deleteFrom('entry_moods').where('user_id', '=', userId).execute();
    await trx.deleteFrom('analytics_users').where('user_id', '=', userId).execute();
  }
}

function fold(batch: Batch, event: Event): void {
  const userId = event.userId;
  if (userId === null) return;
  const writer = batch.writers.get(userId) ?? unknownWriter(userId);
  const kind = activityOf[event.type];
  if (kind !== undefined) {
    const entryId = entryIdOf(event);
    batch.changes.activity.push({
      event_id: event.eventId,
      time: event.occurredAt,
      user_id: userId,
      kind,
      metadata: JSON.stringify(entryId === undefined ? {} : { entryId }),
      language: writer.language,
      timezone: writer.timezone,
    });
  }
  switch (event.type) {
    case 'UserRegistered':
    case 'UserProfileUpdated': {
      // The labels follow the user's stream; an event at or below the version they reflect is old.
      if (event.streamVersion <= writer.stream_version) return;
      const changes = event.type === 'UserRegistered' ? event.data : event.data.changes;
      const { language = writer.language, timezone = writer.timezone } = changes;
      if (event.type === 'UserRegistered' || language !== writer.language || timezone !== writer.timezone)
        setWriter(batch, { user_id: userId, language, timezone, stream_version: event.streamVersion });
      return;
    }
    case 'EntryCreated': {
      entryCreated(batch, event, writer);
      return;
    }
    case 'EntryUpdated':
    case 'EntryDeleted':
    case 'EntryRestored':
    case 'EntryAnalyzed': {
      entryChanged(batch, event);
      return;
    }
    case 'InsightGenerated': {
      insightGenerated(batch, event, writer);
      return;
    }
    case 'UserErased':
      batch.changes.erased.push(userId);
      return;
    default:
      return;
  }
}

function setWriter(batch: Batch, writer: Writer): void {
  batch.writers.set(writer.user_id, writer);
  batch.changedWriters.add(writer.user_id);
}

const scoreOf = (mood: string): number | null => (mood in moodScores ? moodScores[mood as Mood] : null);

function entryCreated(batch: Batch, event: Of<'EntryCreated'>, writer: Writer): void {
  const { entryId, date, mood, tags, wordCount } = event.data;
  if (batch.entries.has(entryId)) return; // applied before
  const entry: EntryMood = {
    entry_id: entryId,
    user_id: writer.user_id,
    version: event.streamVersion,
    day: date,
    mood: mood ?? 'none',
    mood_score: scoreOf(mood ?? 'none'),
    analyzed_score: null,
    analyzed_version: null,
    tags,
    word_count: wordCount,
    language: writer.language,
    timezone: writer.timezone,
    deleted: false,
  };
  putEntry(batch, entry);
  batch.changes.moods.push(moodRow(event, entry, 1));
}

function entryChanged(
  batch: Batch,
  event: Of<'EntryUpdated' | 'EntryDeleted' | 'EntryRestored' | 'EntryAnalyzed'>,
): void {
  const before = batch.entries.get(event.data.entryId);
  if (before === undefined) return;
  let after: EntryMood;
  if (event.type === 'EntryAnalyzed') {
    if (before.analyzed_version !== null && event.data.entryVersion <= before.analyzed_version) return;
    after = { ...before, analyzed_score: event.data.sentiment.score, analyzed_version: event.data.entryVersion };
  } else {
    if (event.streamVersion <= before.version) return; // applied before
    after = { ...before, version: event.streamVersion };
    if (event.type === 'EntryDeleted') after.deleted = true;
    if (event.type === 'EntryRestored') after.deleted = false;
    if (event.type === 'EntryUpdated') {
      const { date, mood, tags, wordCount } = event.data.changes;
      if (date !== undefined) after.day = date;
      if (mood !== undefined) after.mood = mood ?? 'none';
      if (tags !== undefined) after.tags = tags;
      if (wordCount !== undefined) after.word_count = wordCount;
      after.mood_score = scoreOf(after.mood);
    }
  }
  putEntry(batch, after);
  const counted = (entry: EntryMood) => (entry.deleted ? undefined : JSON.stringify(contribution(entry)));
  if (counted(before) === counted(after)) return;
  if (!before.deleted) batch.changes.moods.push(moodRow(event, before, -1));
  if (!after.deleted) batch.changes.moods.push(moodRow(event, after, 1));
}

function putEntry(batch: Batch, entry: EntryMood): void {
  batch.entries.set(entry.entry_id, entry);
  batch.changedEntries.add(entry.entry_id);
}

/** What an entry adds to the series: the analysis's score when there is one, else its mood's. */
function contribution(entry: EntryMood) {
  return {
    day: entry.day,
    mood: entry.mood,
    mood_score: entry.analyzed_score ?? entry.mood_score,
    tags: entry.tags,
    word_count: entry.word_count,
    language: entry.language,
    timezone: entry.timezone,
  };
}

function moodRow(event: Event, entry: EntryMood, sign: 1 | -1): MoodEventRow {
  return {
    event_id: event.eventId,
    time: event.occurredAt,
    user_id: entry.user_id,
    entry_id: entry.entry_id,
    sign,
    ...contribution(entry),
  };
}

const numberOr = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** An insight's figures (never its summary or themes); its stats may be erased (null). */
function insightGenerated(batch: Batch, event: Of<'InsightGenerated'>, writer: Writer): void {
  const stats: Record<string, unknown> = event.erased.includes('data.stats') ? {} : event.data.stats;
  const moods = (typeof stats.moods === 'object' && stats.moods !== null ? stats.moods : {}) as Record<string, unknown>;
  batch.changes.insights.push({
    event_id: event.eventId,
    time: event.occurredAt,
    user_id: writer.user_id,
    insight_id: event.data.insightId,
    kind: event.data.kind,
    period_from: event.data.from,
    period_to: event.data.to,
    entries: numberOr(stats.entriesAnalyzed),
    words: numberOr(stats.totalWords),
    dominant_mood: typeof stats.dominantMood === 'string' ? stats.dominantMood : null,
    positive: numberOr(moods.positive),
    neutral: numberOr(moods.neutral),
    negative: numberOr(moods.negative),
    language: writer.language,
    timezone: writer.timezone,
  });
}
