import type { Client } from '@elastic/elasticsearch';
import { absentEntry, evolveEntry, type EntryState } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readStream, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import {
  applyIndexChanges,
  deleteUserDocuments,
  recordSearchReadPoints,
  type IndexChange,
  type IndexRefresh,
} from '@mindflow/core/search';
import type { Kysely } from 'kysely';
import {
  hostExternalProjection,
  standaloneServices,
  type RuntimeServices,
  type HostedProjection,
  type RuntimeTables,
} from '@mindflow/core/projections';

const entryEvents = new Set(['EntryCreated', 'EntryUpdated', 'EntryDeleted', 'EntryRestored']);

/** Where and how events become documents. */
export interface IndexTarget<W extends EventStoreTables> {
  readonly client: Client;
  /** Where documents go: the alias in production, a new index during a reindex. */
  readonly index: string;
  readonly writeDb: Kysely<W>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
}

export interface SearchIndexingOptions<W extends EventStoreTables, R extends RuntimeTables> extends IndexTarget<W> {
  readonly readDb: Kysely<R>;
  /** The projection's name (and so its offsets); `search` by default. */
  readonly name?: string;
  /** Metrics, logs, the erasure fence and the failure policy of the runtime hosting it. */
  readonly runtime?: RuntimeServices;
  /** Run before each batch: makes sure the index exists (see searchIndexEnsurer). */
  readonly ensureIndex?: () => Promise<void>;
}

/**
 * The entry as its stream now stands (folded to the head), when it was created, and the head
 * event: whichever of its events is delivered, and in whatever order, the document written is
 * the newest, versioned by the head's position.
 */
async function entryNow<W extends EventStoreTables>(
  options: IndexTarget<W>,
  streamId: string,
): Promise<{ state: EntryState; createdAt: Date; head: RecordedEvent | undefined }> {
  const events = await readStream(options.writeDb, streamId);
  let state = absentEntry;
  for (const event of events) state = evolveEntry(state, await options.decode(event));
  return { state, createdAt: events[0]?.occurredAt ?? new Date(0), head: events.at(-1) };
}

/**
 * Applies events to the index: each entry they touch, as its stream now stands, indexed (or
 * deleted when it is deleted) with its newest event's position as external version; erasure
 * deletes every document of the user. Elasticsearch refuses a version at or below the one it
 * holds, so replays, redeliveries and older events arriving late change nothing.
 */
export async function indexEvents<W extends EventStoreTables>(
  options: IndexTarget<W>,
  events: readonly RecordedEvent[],
  refresh: IndexRefresh = false,
): Promise<void> {
  const streams = new Map<string, string>();
  const erased = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'UserErased' && event.userId !== null) erased.set(event.userId, event.globalPosition);
    if (entryEvents.has(event.type) && event.userId !== null) streams.set(event.streamId, event.userId);
  }
  const changes: IndexChange[] = [];
  for (const [streamId, userId] of streams) {
    if (erased.has(userId)) continue;
    const { state, createdAt, head } = await entryNow(options, streamId);
    if (head === undefined) continue;
    if (state.status === 'active') {
      changes.push({
        kind: 'upsert',
        version: head.globalPosition,
        document: {
          id: state.entryId,
          userId,
          title: state.title,
          content: state.content,
          mood: state.mood,
          tags: state.tags,
          location: state.location,
          weather: state.weather,
          date: state.date,
          wordCount: state.wordCount,
          isPrivate: state.isPrivate,
          createdAt: createdAt.toISOString(),
          updatedAt: head.occurredAt.toISOString(),
        },
      });
    } else if (state.status === 'deleted') {
      changes.push({ kind: 'delete', id: state.entryId, version: head.globalPosition });
    }
  }
  await applyIndexChanges(options.client, options.index, changes, refresh);
  for (const [userId, position] of erased)
    await deleteUserDocuments(options.client, options.index, userId, position, refresh);
}

/**
 * The search projection on Elasticsearch, as a bus subscriber (offsets in the read database).
 * Its writes return once a refresh shows them (`wait_for`), and only then does it record each
 * user's read point, so that X-Min-Position on a search waits for what it can see.
 */
export function searchIndexing<W extends EventStoreTables, R extends RuntimeTables>(
  options: SearchIndexingOptions<W, R>,
): HostedProjection {
  const runtime = options.runtime ?? standaloneServices();
  return hostExternalProjection(options.name ?? 'search', options.readDb, runtime, async (deliveries) => {
    await options.ensureIndex?.();
    const events = deliveries.map((delivery) => delivery.event);
    await indexEvents(options, events, 'wait_for');
    await recordSearchReadPoints(options.readDb, events);
  });
}
