import type { Client } from '@elastic/elasticsearch';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import {
  readAll,
  startOfLog,
  type Checkpoint,
  type EventStoreTables,
  type RecordedEvent,
} from '@mindflow/core/eventstore';
import { createNextSearchIndex, swapSearchIndex } from '@mindflow/core/search';
import type { Kysely } from 'kysely';
import { indexEvents } from './indexing.js';

export interface ReindexOptions<W extends EventStoreTables> {
  readonly client: Client;
  readonly alias: string;
  readonly writeDb: Kysely<W>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  readonly batchSize?: number;
  /** Called after each batch with the events indexed so far. */
  readonly onProgress?: (indexed: number, phase: 'fill' | 'catch-up') => void;
}

/**
 * Rebuilds the search index from the event store with no downtime: fills a new versioned index
 * while the live projection keeps writing through the alias, swaps the alias to it in one step,
 * then reads the events that arrived meanwhile into it once more. Versions are event
 * positions, so what the live projection also wrote is refused as a duplicate: nothing is lost,
 * nothing is applied twice. Returns the new index.
 */
export async function reindexSearch<W extends EventStoreTables>(options: ReindexOptions<W>): Promise<string> {
  const index = await createNextSearchIndex(options.client, options.alias);
  const target = { ...options, index };
  let indexed = 0;
  const fill = async (from: Checkpoint, phase: 'fill' | 'catch-up') => {
    let checkpoint = from;
    for (;;) {
      const events = await readAll(options.writeDb, checkpoint, options.batchSize ?? 2_000);
      const last = events.at(-1);
      if (last === undefined) return checkpoint;
      await indexEvents(target, events);
      indexed += events.length;
      options.onProgress?.(indexed, phase);
      checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
    }
  };
  const filled = await fill(startOfLog, 'fill');
  await options.client.indices.refresh({ index });
  await swapSearchIndex(options.client, options.alias, index);
  await fill(filled, 'catch-up');
  return index;
}
