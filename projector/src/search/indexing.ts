import type { Client } from '@elastic/elasticsearch';
import { absentEntry, evolveEntry, type EntryState } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readStream, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import { applyIndexChanges, deleteUserDocuments, type IndexChange } from '@mindflow/core/search';
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
}

/** The entry as it stood after `version` (its stream folded up to there), and when it was created. */
async function entryAt<W extends EventStoreTables>(
  options: IndexTarget<W>,
  streamId: string,
  version: number,
): Promise<{ state: EntryState; createdAt: Date }> {
  const events = await readStream(options.writeDb, streamId);
  let state = absentEntry;
  for (const event of events) {
    if (event.streamVersion > version) break;
    state = evolveEntry(state, await options.decode(event));
  }
  return { state, createdAt: events[0]?.occurredAt ?? new Date(0) };
}

/**
 * Applies events to the index: for each entry they touch, the entry as of the last of them,
 * folded from its stream, indexed (or deleted when it is deleted) with that event's position as
 * external version; erasure deletes every document of the user. Older versions are refused by
 * Elasticsearch, so replays change nothing.
 */
export async function indexEvents<W extends EventStoreTables>(
  options: IndexTarget<W>,
  events: readonly RecordedEvent[],
): Promise<void> {
  const latest = new Map<string, RecordedEvent>();
  const erased = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'UserErased' && event.userId !== null) erased.set(event.userId, event.globalPosition);
    if (entryEvents.has(event.type)) latest.set(event.streamId, event);
  }
  const changes: IndexChange[] = [];
  for (const [streamId, event] of latest) {
    if (event.userId === null || erased.has(event.userId)) continue;
    const { state, createdAt } = await entryAt(options, streamId, event.streamVersion);
    if (state.status === 'active') {
      changes.push({
        kind: 'upsert',
        version: event.globalPosition,
        document: {
          id: state.entryId,
          userId: event.userId,
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
          updatedAt: event.occurredAt.toISOString(),
        },
      });
    } else if (state.status === 'deleted') {
      changes.push({ kind: 'delete', id: state.entryId, version: event.globalPosition });
    }
  }
  await applyIndexChanges(options.client, options.index, changes);
  for (const [userId, position] of erased) await deleteUserDocuments(options.client, options.index, userId, position);
}

/** The search projection on Elasticsearch, as a bus subscriber (offsets in the read database). */
export function searchIndexing<W extends EventStoreTables, R extends RuntimeTables>(
  options: SearchIndexingOptions<W, R>,
): HostedProjection {
  const runtime = options.runtime ?? standaloneServices();
  return hostExternalProjection(options.name ?? 'search', options.readDb, runtime, (deliveries) =>
    indexEvents(
      options,
      deliveries.map((delivery) => delivery.event),
    ),
  );
}
