import type { Delivery } from '@mindflow/core/bus';
import { cacheKeys, type Cache } from '@mindflow/core/cache';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
import type { HostedProjection } from '../runtime/host.js';
import type { RuntimeTables } from '../runtime/tables.js';

/**
 * What an event makes stale: the cached answers built from what it changes. The user's mark
 * rises to the event's position first, so that an answer computed before the read model applied
 * the event, and stored after this ran, is still seen as stale.
 */
async function invalidate(cache: Cache, event: RecordedEvent): Promise<void> {
  const userId = event.userId;
  if (userId === null) return;
  const mark = cacheKeys.userPosition(userId);
  await cache.raise(mark.key, event.globalPosition, mark.ttlSeconds);
  const profile = cacheKeys.profile(userId).key;
  if (event.type.startsWith('Entry') || event.type.startsWith('Attachment') || event.type === 'ThumbnailGenerated') {
    await cache.delete(profile, cacheKeys.recentJournals(userId).key);
    await cache.deletePrefix(cacheKeys.moodTrendPrefix(userId));
    return;
  }
  if (
    event.type.startsWith('User') ||
    ['SettingsUpdated', 'ConsentRecorded', 'RoleGranted', 'RoleRevoked'].includes(event.type)
  ) {
    await cache.delete(profile);
  }
}

/**
 * Keeps the cache honest: on every event, removes the cached answers it makes stale. Deleting
 * is idempotent, so the offsets are saved after the deletions (at least once) in the read
 * database; a flushed cache loses nothing.
 */
export function cacheInvalidation<DB extends RuntimeTables>(cache: Cache, readDb: Kysely<DB>): HostedProjection {
  const name = 'cache';
  // Kysely is invariant in its tables: this only touches projection_offsets.
  const db = readDb as unknown as Kysely<RuntimeTables>;
  let lastPosition = 0;
  let lastProgressAt = Date.now();
  const offsets = async () => {
    const rows = await db
      .selectFrom('projection_offsets')
      .select(['partition', 'offset'])
      .where('projection', '=', name)
      .execute();
    return new Map(rows.map((row) => [row.partition, row.offset]));
  };
  return {
    name,
    offsets,
    lastPosition: () => lastPosition,
    lastProgressAt: () => lastProgressAt,
    async handle(batch: readonly Delivery[]) {
      const stored = await offsets();
      const changed = new Map<string, string>();
      for (const delivery of batch) {
        const applied = changed.get(delivery.partition) ?? stored.get(delivery.partition);
        if (applied !== undefined && delivery.offset <= applied) continue;
        await invalidate(cache, delivery.event);
        changed.set(delivery.partition, delivery.offset);
        lastPosition = Math.max(lastPosition, delivery.event.globalPosition);
      }
      if (changed.size > 0) {
        await db
          .insertInto('projection_offsets')
          .values([...changed].map(([partition, offset]) => ({ projection: name, partition, offset })))
          .onConflict((conflict) =>
            conflict
              .columns(['projection', 'partition'])
              .doUpdateSet((eb) => ({ offset: eb.ref('excluded.offset'), updated_at: new Date() })),
          )
          .execute();
      }
      lastProgressAt = Date.now();
    },
  };
}
