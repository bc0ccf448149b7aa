import type { UserKeyring, UserKeysTables } from '../crypto/index.js';
import { createEventCodec, mindflowEvents, type DecodedEvent, type MindflowEvents } from '../events/index.js';
import type { RecordedEvent } from '../eventstore/index.js';
import type { Kysely } from 'kysely';

/**
 * Opens events for projections: each user's data key from the write database, cached briefly
 * (a destroyed key stops opening new deliveries within `ttlMs`). A UserErased drops the
 * user's key at once and for good: nothing of that user is opened by this decoder again.
 */
export function createDecoder<DB extends UserKeysTables>(
  keyring: UserKeyring,
  writeDb: Kysely<DB>,
  ttlMs = 30_000,
): (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>> {
  const codec = createEventCodec(mindflowEvents);
  const cache = new Map<string, { key: Buffer | undefined; until: number }>();
  return async (event) => {
    if (event.userId === null) return codec.decode(event, undefined);
    if (event.type === 'UserErased') {
      if (cache.size > 10_000) cache.clear();
      cache.set(event.userId, { key: undefined, until: Number.POSITIVE_INFINITY });
      return codec.decode(event, undefined);
    }
    const cached = cache.get(event.userId);
    if (cached !== undefined && cached.until > Date.now()) return codec.decode(event, cached.key);
    const key = await keyring.existingKeyFor(writeDb, event.userId);
    if (cache.size > 10_000) cache.clear();
    cache.set(event.userId, { key, until: Date.now() + ttlMs });
    return codec.decode(event, key);
  };
}
