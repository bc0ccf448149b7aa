import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Kysely, Selectable } from 'kysely';
import type { ReadModelTables } from './tables.js';
import { anyOf, recordset, unnested } from './unnested.js';

type Db = Kysely<ReadModelTables>;
type Event = DecodedEvent<MindflowEvents>;
type EntryEvent = Extract<Event, { type: (typeof entryEventTypes)[number] }>;
type Journal = ReadModelTables['journal_view'];
/** The columns of an entry's view row that its own events write (not attachments, not the search vector). */
type EntryRow = Omit<Selectable<Journal>, 'attachments'>;
/** A version in an entry's history; its changes an object, as the JSON of a recordset carries them. */
interface HistoryRow {
  readonly entry_id: string;
  readonly version: number;
  readonly user_id: string;
  readonly at: Date;
  readonly actor_id: string | null;
  readonly kind: string;
  readonly changes: Record<string, unknown>;
}
const historyColumns = ['entry_id', 'version', 'user_id', 'at', 'actor_id', 'kind', 'changes'] as const;
type CalendarOp =
  | {
      readonly kind: 'place';
      readonly userId: string;
      readonly date: string;
      readonly mood: string | null;
      readonly entryId: string;
    }
  | { readonly kind: 'remove'; readonly userId: string; readonly entryId: string };

const entryEventTypes = ['EntryCreated', 'EntryUpdated', 'EntryDeleted', 'EntryRestored'] as const;
const entryColumns = [
  'entry_id',
  'user_id',
  'entry_date',
  'title',
  'content',
  'mood',
  'tags',
  'location',
  'weather',
  'is_private',
  'word_count',
  'reading_time',
  'author_name',
  'author_photo',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
  'prompt_id',
] as const;
/** Rows or ids per statement (each statement takes them as one parameter). */
const chunkSize = 5_000;

/** Whether `event` is one the fold takes: an entry's creation, edit, deletion or restoration. */
export function isEntryEvent(event: Event): event is EntryEvent {
  return (entryEventTypes as readonly string[]).includes(event.type);
}

/**
 * An entry's events of one batch, folded in memory and written set-based: its view rows, its
 * history, the tag counts and the mood calendar each take one statement per batch (per thousand
 * rows) instead of several per event. The fold replays the events in their order over the rows
 * as they stood (read at once, locked), so it leaves exactly what applying them one by one
 * would: a version at or below the row's changes nothing but the history; a deleted entry is in
 * no calendar or count; the calendar keeps, for each day, the last entry placed on it.
 *
 * The caller keeps the order between the fold and the events it does not take: it flushes
 * before any event that reads or writes what the fold holds back (a profile change, an
 * attachment, an erasure).
 */
export class EntryFold {
  private pending: EntryEvent[] = [];
  private readonly users = new Set<string>();

  constructor(private readonly db: Db) {}

  add(event: EntryEvent): void {
    this.pending.push(event);
    this.users.add(userOf(event));
  }

  /** Whether an event of `userId` waits in the fold. */
  holds(userId: string | null): boolean {
    return userId !== null && this.users.has(userId);
  }

  /** Writes what the fold holds, and empties it. */
  async flush(): Promise<void> {
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    this.users.clear();

    const rows = await this.rowsBefore(events);
    const stored = new Set(rows.keys());
    const authors = await this.authorsOf(events);
    const history: HistoryRow[] = [];
    const tagDeltas = new Map<string, { userId: string; tag: string; delta: number }>();
    const countTags = (userId: string, tags: readonly string[], delta: 1 | -1) => {
      for (const tag of tags) {
        const key = `${userId}\u0000${tag}`;
        const entry = tagDeltas.get(key) ?? { userId, tag, delta: 0 };
        entry.delta += delta;
        tagDeltas.set(key, entry);
      }
    };
    const calendar: CalendarOp[] = [];
    const changed = new Set<string>();

    for (const event of events) {
      const userId = userOf(event);
      const { entryId } = event.data;
      history.push(historyRow(event, userId));
      const before = rows.get(entryId);
      if (event.type === 'EntryCreated') {
        if (before !== undefined) continue; // applied before
        const { data } = event;
        const author = authors.get(userId);
        rows.set(entryId, {
          entry_id: entryId,
          user_id: userId,
          entry_date: data.date,
          title: data.title,
          content: data.content,
          mood: data.mood,
          tags: data.tags,
          location: data.location,
          weather: data.weather,
          is_private: data.isPrivate,
          word_count: data.wordCount,
          reading_time: data.readingTime,
          author_name: author?.display_name ?? null,
          author_photo: author?.photo_url ?? null,
          version: event.streamVersion,
          created_at: event.occurredAt,
          updated_at: event.occurredAt,
          deleted_at: null,
          prompt_id: data.promptId ?? null,
        });
        changed.add(entryId);
        countTags(userId, data.tags, 1);
        calendar.push({ kind: 'place', userId, date: data.date, mood: data.mood, entryId });
        continue;
      }
      if (before === undefined) throw new Error(`${event.type} ${event.eventId}: entry ${entryId} has no view row yet`);
      if (before.version >= event.streamVersion) continue; // a redelivery, or an older version late
      changed.add(entryId);
      if (event.type === 'EntryUpdated') {
        const { changes } = event.data;
        const after: EntryRow = {
          ...before,
          ...(changes.date === undefined ? {} : { entry_date: changes.date }),
          ...(changes.title === undefined ? {} : { title: changes.title }),
          ...(changes.content === undefined ? {} : { content: changes.content }),
          ...(changes.mood === undefined ? {} : { mood: changes.mood }),
          ...(changes.tags === undefined ? {} : { tags: changes.tags }),
          ...(changes.location === undefined ? {} : { location: changes.location }),
          ...(changes.weather === undefined ? {} : { weather: changes.weather }),
          ...(changes.isPrivate === undefined ? {} : { is_private: changes.isPrivate }),
          ...(changes.wordCount === undefined ? {} : { word_count: changes.wordCount }),
          ...(changes.readingTime === undefined ? {} : { reading_time: changes.readingTime }),
          version: event.streamVersion,
          updated_at: event.occurredAt,
        };
        rows.set(entryId, after);
        if (before.deleted_at !== null) continue; // a deleted entry is in no calendar or count
        if (changes.tags !== undefined) {
          countTags(userId, before.tags, -1);
          countTags(userId, changes.tags, 1);
        }
        if (changes.date !== undefined || changes.mood !== undefined) {
          calendar.push({ kind: 'remove', userId, entryId });
          calendar.push({ kind: 'place', userId, date: after.entry_date, mood: after.mood, entryId });
        }
        continue;
      }
      const deleted = event.type === 'EntryDeleted';
      rows.set(entryId, {
        ...before,
        deleted_at: deleted ? event.occurredAt : null,
        version: event.streamVersion,
        updated_at: event.occurredAt,
      });
      countTags(userId, before.tags, deleted ? -1 : 1);
      calendar.push(
        deleted
          ? { kind: 'remove', userId, entryId }
          : { kind: 'place', userId, date: before.entry_date, mood: before.mood, entryId },
      );
    }

    await this.writeRows(
      [...changed].map((entryId) => rows.get(entryId)).filter((row) => row !== undefined),
      stored,
    );
    for (const part of chunks(history)) {
      await this.db
        .insertInto('entry_history')
        .columns(historyColumns)
        .expression(recordset('entry_history', historyColumns, part))
        .onConflict((conflict) => conflict.columns(['entry_id', 'version']).doNothing())
        .execute();
    }
    await this.writeTagCounts([...tagDeltas.values()].filter((entry) => entry.delta !== 0));
    await this.writeCalendar(calendar);
  }

  /** The view rows of the entries the events name, as they stand, locked for the batch. */
  private async rowsBefore(events: readonly EntryEvent[]): Promise<Map<string, EntryRow>> {
    const ids = [...new Set(events.map((event) => event.data.entryId))];
    const rows = new Map<string, EntryRow>();
    for (const part of chunks(ids)) {
      const found = await this.db
        .selectFrom('journal_view')
        .select(entryColumns)
        .where('entry_id', '=', anyOf(part, 'uuid'))
        .forUpdate()
        .execute();
      for (const row of found) rows.set(row.entry_id, row);
    }
    return rows;
  }

  /** Each creating user's name and photo, which an entry's view row carries. */
  private async authorsOf(events: readonly EntryEvent[]) {
    const users = [...new Set(events.filter((event) => event.type === 'EntryCreated').map(userOf))];
    const authors = new Map<string, { display_name: string | null; photo_url: string | null }>();
    if (users.length === 0) return authors;
    const found = await this.db
      .selectFrom('profile_view')
      .select(['user_id', 'display_name', 'photo_url'])
      .where('user_id', '=', anyOf(users, 'uuid'))
      .execute();
    for (const row of found) authors.set(row.user_id, row);
    return authors;
  }

  /** New rows inserted, stored ones overwritten with what their events made of them. */
  private async writeRows(rows: readonly EntryRow[], stored: ReadonlySet<string>): Promise<void> {
    const created = rows.filter((row) => !stored.has(row.entry_id));
    for (const part of chunks(created)) {
      await this.db
        .insertInto('journal_view')
        .columns(entryColumns)
        .expression(recordset('journal_view', entryColumns, part))
        .onConflict((conflict) => conflict.column('entry_id').doNothing())
        .execute();
    }
    for (const part of chunks(rows.filter((row) => stored.has(row.entry_id)))) {
      await this.db
        .insertInto('journal_view')
        .columns(entryColumns)
        .expression(recordset('journal_view', entryColumns, part))
        .onConflict((conflict) =>
          conflict.column('entry_id').doUpdateSet((eb) => ({
            entry_date: eb.ref('excluded.entry_date'),
            title: eb.ref('excluded.title'),
            content: eb.ref('excluded.content'),
            mood: eb.ref('excluded.mood'),
            tags: eb.ref('excluded.tags'),
            location: eb.ref('excluded.location'),
            weather: eb.ref('excluded.weather'),
            is_private: eb.ref('excluded.is_private'),
            word_count: eb.ref('excluded.word_count'),
            reading_time: eb.ref('excluded.reading_time'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
            deleted_at: eb.ref('excluded.deleted_at'),
          })),
        )
        .execute();
    }
  }

  /** Each (user, tag) moved by its net count: additions in one upsert, removals in one update. */
  private async writeTagCounts(deltas: readonly { userId: string; tag: string; delta: number }[]): Promise<void> {
    const added = deltas.filter((entry) => entry.delta > 0);
    for (const part of chunks(added)) {
      const rows = part.map(({ userId, tag, delta }) => ({ user_id: userId, tag, count: delta }));
      await this.db
        .insertInto('tag_counts')
        .columns(['user_id', 'tag', 'count'])
        .expression(recordset('tag_counts', ['user_id', 'tag', 'count'], rows))
        .onConflict((conflict) =>
          conflict
            .columns(['user_id', 'tag'])
            .doUpdateSet((eb) => ({ count: eb('tag_counts.count', '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
    const removed = deltas.filter((entry) => entry.delta < 0);
    if (removed.length === 0) return;
    // Not an upsert: a negative count proposed for insertion breaks the check even on conflict.
    for (const part of chunks(removed)) {
      const moved = unnested('moved', {
        user_id: { values: part.map((entry) => entry.userId), type: 'uuid' },
        tag: { values: part.map((entry) => entry.tag), type: 'text' },
        delta: { values: part.map((entry) => entry.delta), type: 'int' },
      });
      await this.db
        .updateTable('tag_counts')
        .from(moved)
        .set((eb) => ({ count: eb('tag_counts.count', '+', eb.ref('moved.delta')) }))
        .whereRef('tag_counts.user_id', '=', 'moved.user_id')
        .whereRef('tag_counts.tag', '=', 'moved.tag')
        .execute();
    }
    const users = [...new Set(removed.map((entry) => entry.userId))];
    await this.db.deleteFrom('tag_counts').where('user_id', '=', anyOf(users, 'uuid')).where('count', '=', 0).execute();
  }

  /**
   * The calendar as the operations leave it, in their order: a day holds the last entry placed
   * on it, and an entry removed leaves whatever day holds it. Only the days touched are written.
   */
  private async writeCalendar(ops: readonly CalendarOp[]): Promise<void> {
    if (ops.length === 0) return;
    const days = new Map<string, { userId: string; date: string; mood: string | null; entryId: string } | null>();
    const dayOf = (userId: string, date: string) => `${userId}\u0000${date}`;
    // The days each entry was found or placed on: a removal looks at those, not at every day.
    const daysOfEntry = new Map<string, string[]>();
    const holds = (entryId: string, key: string) => {
      const keys = daysOfEntry.get(entryId);
      if (keys === undefined) daysOfEntry.set(entryId, [key]);
      else keys.push(key);
    };
    const removed = new Map(ops.flatMap((op) => (op.kind === 'remove' ? [[op.entryId, op.userId] as const] : [])));
    for (const part of chunks([...removed])) {
      const entryIds = part.map(([entryId]) => entryId);
      const userIds = [...new Set(part.map(([, userId]) => userId))];
      // By its users' days too: the key's prefix, where the entry alone would scan every calendar.
      const found = await this.db
        .selectFrom('mood_calendar')
        .select(['user_id', 'entry_date', 'mood', 'entry_id'])
        .where('user_id', '=', anyOf(userIds, 'uuid'))
        .where('entry_id', '=', anyOf(entryIds, 'uuid'))
        .execute();
      for (const row of found) {
        holds(row.entry_id, dayOf(row.user_id, row.entry_date));
        days.set(dayOf(row.user_id, row.entry_date), {
          userId: row.user_id,
          date: row.entry_date,
          mood: row.mood,
          entryId: row.entry_id,
        });
      }
    }
    const touched = new Set<string>();
    for (const op of ops) {
      if (op.kind === 'place') {
        const key = dayOf(op.userId, op.date);
        days.set(key, { userId: op.userId, date: op.date, mood: op.mood, entryId: op.entryId });
        holds(op.entryId, key);
        touched.add(key);
        continue;
      }
      for (const key of daysOfEntry.get(op.entryId) ?? []) {
        if (days.get(key)?.entryId !== op.entryId) continue;
        days.set(key, null);
        touched.add(key);
      }
    }
    const placed = [...touched].map((key) => days.get(key)).filter((day) => day != null);
    for (const part of chunks(placed)) {
      const rows = part.map((day) => ({
        user_id: day.userId,
        entry_date: day.date,
        mood: day.mood,
        entry_id: day.entryId,
      }));
      await this.db
        .insertInto('mood_calendar')
        .columns(calendarColumns)
        .expression(recordset('mood_calendar', calendarColumns, rows))
        .onConflict((conflict) =>
          conflict
            .columns(['user_id', 'entry_date'])
            .doUpdateSet((eb) => ({ mood: eb.ref('excluded.mood'), entry_id: eb.ref('excluded.entry_id') })),
        )
        .execute();
    }
    const emptied = [...touched].filter((key) => days.get(key) === null).map((key) => key.split('\u0000'));
    for (const part of chunks(emptied)) {
      const gone = unnested('gone', {
        user_id: { values: part.map(([userId = '']) => userId), type: 'uuid' },
        entry_date: { values: part.map(([, date = '']) => date), type: 'date' },
      });
      await this.db
        .deleteFrom('mood_calendar')
        .using(gone)
        .whereRef('mood_calendar.user_id', '=', 'gone.user_id')
        .whereRef('mood_calendar.entry_date', '=', 'gone.entry_date')
        .execute();
    }
  }
}

const calendarColumns = ['user_id', 'entry_date', 'mood', 'entry_id'] as const;

const historyKinds = {
  EntryCreated: 'created',
  EntryUpdated: 'updated',
  EntryDeleted: 'deleted',
  EntryRestored: 'restored',
};

/** A version of the entry in its history: whatever order versions arrive in, each has its row. */
function historyRow(event: EntryEvent, userId: string): HistoryRow {
  const actor = event.metadata.actorId;
  const changes =
    event.type === 'EntryCreated' ? { ...event.data } : event.type === 'EntryUpdated' ? { ...event.data.changes } : {};
  return {
    entry_id: event.data.entryId,
    version: event.streamVersion,
    user_id: userId,
    at: event.occurredAt,
    actor_id: actor !== undefined && /^[0-9a-f-]{36}$/i.test(actor) ? actor : null,
    kind: historyKinds[event.type],
    changes,
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start < items.length; start += chunkSize) parts.push(items.slice(start, start + chunkSize));
  return parts;
}

/** The user an event belongs to; an event of the read model without one is a defect. */
export function userOf(event: Event): string {
  if (event.userId === null) throw new Error(`${event.type} ${event.eventId} has no user`);
  return event.userId;
}
