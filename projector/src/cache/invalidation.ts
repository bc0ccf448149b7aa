import { logOffset } from '@mindflow/core/bus';
import { cacheKeys, type Cache } from '@mindflow/core/cache';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
import {
  hostExternalProjection,
  standaloneServices,
  type RuntimeServices,
  type HostedProjection,
  type RuntimeTables,
} from '@mindflow/core/projections';

/**
 * What an event makes stale: the cached answers built from what it changes. The user's mark
 * rises to the event's position first, so that an answer computed before the read model applied
 * the event, and stored after this ran, is still seen as stale.
 */
async function invalidate(cache: Cache, event: RecordedEvent): Promise<void> {
  const userId = event.userId;
  if (userId === null) return;
  const mark = cacheKeys.userPosition(userId);
  await cache.raise(
    mark.key,
    logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
    mark.ttlSeconds,
  );
  const profileKeys = [cacheKeys.profile(userId).key, cacheKeys.streaks(userId).key];
  if (event.type === 'UserErased') {
    await cache.delete(...profileKeys, cacheKeys.recentJournals(userId).key);
    await cache.deletePrefix(cacheKeys.moodTrendPrefix(userId));
    return;
  }
  if (event.type.startsWith('Entry') || event.type.startsWith('Attachment') || event.type === 'ThumbnailGenerated') {
    await cache.delete(...profileKeys, cacheKeys.recentJournals(userId).key);
    await cache.deletePrefix(cacheKeys.moodTrendPrefix(userId));
    return;
  }
  if (
    event.type.startsWith('User') ||
    ['SettingsUpdated', 'RemindersSet', 'ConsentRecorded', 'RoleGranted', 'RoleRevoked'].includes(event.type)
  ) {
    await cache.delete(...profileKeys);
  }
}

/**
 * Keeps the cache honest: on every event, removes the cached answers it makes stale. Deleting
 * and raising are idempotent, so effects at least once are exactly right; a flushed cache
 * loses nothing.
 */
export function cacheInvalidation<DB extends RuntimeTables>(
  cache: Cache,
  readDb: Kysely<DB>,
  runtime: RuntimeServices = standaloneServices(),
): HostedProjection {
  return hostExternalProjection('cache', readDb, runtime, async (deliveries) => {
    for (const delivery of deliveries) await invalidate(cache, delivery.event);
  });
}
