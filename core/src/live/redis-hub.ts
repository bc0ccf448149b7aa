import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/index.js';
import type { RedisConnection } from '../redis/index.js';
import { redisScript, runScript } from '../redis/scripts.js';
import { liveChannel, liveRegistryKey, userOfLiveChannel, type LiveHub, type LiveUpdate } from './types.js';

// The registry scripts read the server's clock (TIME), so that processes whose clocks differ
// agree on when a stream went stale. Every key they touch is declared: KEYS[1] the user's
// registry, KEYS[2] the living instances (liveInstancesKey).
const now = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;
// A stream registered by an instance that stopped renewing its place among the living (its
// process died) no longer counts, stale or not.
const dropDead = `
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
    for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      local instance = string.match(member, '^(.-)/')
      if instance and not redis.call('ZSCORE', KEYS[2], instance) then redis.call('ZREM', KEYS[1], member) end
    end`;
// The instance registering or touching a stream (its member's prefix, the second to last
// argument) lives for the last argument's milliseconds more.
const imAlive = `
    local mine = string.match(ARGV[#ARGV - 1], '^(.-)/')
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[#ARGV]), mine)`;
const scripts = {
  open: redisScript(`${now}${imAlive}
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)${dropDead}
    if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1`),
  // Added again if it was dropped meanwhile (its instance lapsed while Redis was slow): a
  // stream's touches and its close come from one process, in order, so none follows its close.
  touch: redisScript(`${now}${imAlive}
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    return 1`),
  count: redisScript(`${now}
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)${dropDead}
    return redis.call('ZCARD', KEYS[1])`),
  // The instance (ARGV[1]) lives for ARGV[2] milliseconds more.
  renew: redisScript(`${now}
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
    return 1`),
} as const;

/** `live:instances`: each living hub instance, scored with when it stops counting as alive (server ms). */
const liveInstancesKey = 'live:instances';

/**
 * The hub across processes and nodes: updates go through Redis pub/sub (channel
 * `live:user:{id}`), one subscriber connection per process for all its streams; the registry of
 * open streams is the sorted set `ws:user:{id}` (connection id → when it goes stale).
 *
 * Each registered stream is `{instance}/{connection id}`, the instance being this hub's, whose
 * place among the living (`live:instances`, scored with when it lapses) each open and touch
 * renews, and a timer too from the first open until shutdown (which removes it): when its
 * process dies, the place lapses within `aliveMs` and the streams it held stop counting against
 * their users' caps then, not once they go stale (three heartbeats). A stream dropped while its
 * process lives (its place lapsed while Redis was slow) is registered again by its next touch.
 *
 * Pub/sub delivers at most once: a message published while the subscriber connection is down
 * is gone. So when that connection drops, every stream listening here is told (`lost`) and
 * ends, and its client reconnects with Last-Event-ID and is replayed what it missed from the
 * event store.
 */
export function createRedisHub(
  connection: RedisConnection,
  logger: Logger,
  /** The subscriber connection's name (CLIENT LIST). */
  subscriberName = 'mindflow-live',
  /** How long this instance counts as alive after its last renewal. */
  aliveMs = 5_000,
): LiveHub {
  const client = connection.redis;
  const instance = randomUUID();
  const member = (connectionId: string) => `${instance}/${connectionId}`;
  let renewing: NodeJS.Timeout | undefined;
  let stopped = false;
  /**
   * Set by each open and touch, and renewed every third of its life from the first open on,
   * outside the breaker: a renewal is never failed fast for another command's timeout.
   */
  const keepAlive = () => {
    if (renewing !== undefined || stopped) return;
    renewing = setInterval(() => {
      runScript(client, scripts.renew, [liveInstancesKey], [instance, aliveMs]).catch((error: unknown) =>
        logger.debug({ err: error }, 'live updates: this instance not renewed among the living'),
      );
    }, aliveMs / 3).unref();
  };
  const listeners = new Map<string, Set<{ deliver: (update: LiveUpdate) => void; lost: () => void }>>();
  let subscriber: Redis | undefined;

  const connected = async () => {
    if (subscriber !== undefined) return subscriber;
    const created = client.duplicate({ lazyConnect: true, connectionName: subscriberName });
    subscriber = created;
    created.on('message', (channel: string, message: string) => {
      const userId = userOfLiveChannel(channel);
      let update: LiveUpdate;
      try {
        update = JSON.parse(message) as LiveUpdate;
      } catch {
        return;
      }
      for (const listener of listeners.get(userId) ?? []) listener.deliver(update);
    });
    // What was published while it was away is lost for good: every stream here ends.
    created.on('close', () => {
      const all = [...listeners.values()].flatMap((set) => [...set]);
      if (all.length > 0)
        logger.warn({ streams: all.length }, 'live updates: subscriber connection lost; ending streams');
      for (const listener of all) listener.lost();
    });
    created.on('error', () => undefined);
    await created.connect().catch((error: unknown) => {
      subscriber = undefined;
      created.disconnect();
      throw error;
    });
    return created;
  };

  return {
    kind: 'redis',
    async publish(userId, update) {
      await client.publish(liveChannel(userId), JSON.stringify(update));
    },
    async listen(userId, deliver, lost) {
      const sub = await connection.breaker.run(connected);
      const listener = { deliver, lost };
      const set = listeners.get(userId) ?? new Set();
      const first = set.size === 0;
      set.add(listener);
      listeners.set(userId, set);
      if (first) {
        await connection.breaker
          .run(() => sub.subscribe(liveChannel(userId)))
          .catch((error: unknown) => {
            set.delete(listener);
            if (set.size === 0) listeners.delete(userId);
            throw error;
          });
      }
      return async () => {
        set.delete(listener);
        if (set.size > 0 || listeners.get(userId) !== set) return;
        listeners.delete(userId);
        await sub.unsubscribe(liveChannel(userId)).catch(() => undefined);
      };
    },
    async open(userId, connectionId, cap, staleMs) {
      const opened = await connection.breaker.run(() =>
        runScript(
          client,
          scripts.open,
          [liveRegistryKey(userId), liveInstancesKey],
          [cap, staleMs, member(connectionId), aliveMs],
        ),
      );
      keepAlive();
      return Number(opened) === 1;
    },
    async touch(userId, connectionId, staleMs) {
      await connection.breaker.run(() =>
        runScript(
          client,
          scripts.touch,
          [liveRegistryKey(userId), liveInstancesKey],
          [staleMs, member(connectionId), aliveMs],
        ),
      );
    },
    async close(userId, connectionId) {
      await connection.breaker.run(() => client.zrem(liveRegistryKey(userId), member(connectionId)));
    },
    async openCount(userId) {
      return Number(
        await connection.breaker.run(() =>
          runScript(client, scripts.count, [liveRegistryKey(userId), liveInstancesKey], []),
        ),
      );
    },
    async shutdown() {
      const sub = subscriber;
      subscriber = undefined;
      listeners.clear();
      sub?.disconnect();
      stopped = true;
      if (renewing === undefined) return;
      clearInterval(renewing);
      renewing = undefined;
      // What this instance still registered stops counting at once.
      await connection.breaker.run(() => client.zrem(liveInstancesKey, instance)).catch(() => undefined);
    },
  };
}
