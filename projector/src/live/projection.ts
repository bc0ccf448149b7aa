import { setTimeout as sleep } from 'node:timers/promises';
import { logOffset } from '@mindflow/core/bus';
import { liveUpdateOf, type LiveHub, type LiveUpdate } from '@mindflow/core/live';
import {
  hostExternalProjection,
  standaloneServices,
  type HostedProjection,
  type RuntimeServices,
  type RuntimeTables,
} from '@mindflow/core/projections';
import type { Kysely } from 'kysely';

/** The name the live projection keeps its offsets and dead letters under. */
export const liveProjectionName = 'live';

export interface LiveUpdatesOptions<DB extends RuntimeTables> {
  readonly hub: LiveHub;
  /** The read model: an update goes out once it shows the event (bounded by `waitMs`). */
  readonly readDb: Kysely<DB>;
  readonly runtime?: RuntimeServices;
  /** How long an update waits for the read model before it goes out anyway (default 5 s). */
  readonly waitMs?: number;
}

/**
 * Live updates: each of a user's events that changes what their pages show goes to their open
 * streams as `{ type, id, position }` (ids only). It goes out once the read model has applied
 * it, so a client that reads on the update sees it; should the read model lag more than
 * `waitMs`, it goes out anyway, and a read with X-Min-Position set to its position waits for it.
 * Hosted like every projection: a Redis outage is waited out, and nothing is published twice
 * for a batch whose offsets were saved. Delivery to a stream is at most once: a client that
 * reconnects with Last-Event-ID is replayed what it missed from the event store.
 */
export function liveUpdates<DB extends RuntimeTables>(options: LiveUpdatesOptions<DB>): HostedProjection {
  const runtime = options.runtime ?? standaloneServices();
  const waitMs = options.waitMs ?? 5_000;
  const db = options.readDb as unknown as Kysely<{ profile_view: { user_id: string; read_key: string | null } }>;

  /** Waits until the read model has applied each user's newest event of the batch (bounded). */
  const readModelHas = async (newest: Map<string, string>) => {
    const deadline = Date.now() + waitMs;
    for (let pause = 5; newest.size > 0 && Date.now() < deadline; pause = Math.min(100, pause * 2)) {
      const rows = await db
        .selectFrom('profile_view')
        .select(['user_id', 'read_key'])
        .where('user_id', 'in', [...newest.keys()])
        .execute();
      for (const row of rows) {
        const key = newest.get(row.user_id);
        if (key !== undefined && row.read_key !== null && row.read_key >= key) newest.delete(row.user_id);
      }
      if (newest.size > 0) await sleep(pause);
    }
  };

  return hostExternalProjection(liveProjectionName, options.readDb, runtime, async (deliveries) => {
    const updates: { userId: string; update: LiveUpdate }[] = [];
    const newest = new Map<string, string>();
    for (const { event } of deliveries) {
      const update = liveUpdateOf(event);
      if (update === undefined || event.userId === null) continue;
      updates.push({ userId: event.userId, update });
      newest.set(event.userId, logOffset({ transactionId: event.transactionId, position: event.globalPosition }));
    }
    if (updates.length === 0) return;
    await readModelHas(newest);
    for (const { userId, update } of updates) await options.hub.publish(userId, update);
  });
}
