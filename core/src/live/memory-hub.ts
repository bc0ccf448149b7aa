import { EventEmitter } from 'node:events';
import type { LiveHub, LiveUpdate } from './types.js';

/** The hub of one process (npm start): every service runs in it, so every stream is here. */
export function createMemoryHub(now: () => number = Date.now): LiveHub {
  const updates = new EventEmitter();
  updates.setMaxListeners(0);
  const open = new Map<string, Map<string, number>>();
  const live = (userId: string) => {
    const streams = open.get(userId) ?? new Map<string, number>();
    for (const [connectionId, staleAt] of streams) if (staleAt <= now()) streams.delete(connectionId);
    open.set(userId, streams);
    return streams;
  };
  return {
    kind: 'memory',
    async publish(userId, update) {
      updates.emit(userId, update);
    },
    async listen(userId, listener) {
      const deliver = (update: LiveUpdate) => listener(update);
      updates.on(userId, deliver);
      return async () => {
        updates.off(userId, deliver);
      };
    },
    async open(userId, connectionId, cap, staleMs) {
      const streams = live(userId);
      if (streams.size >= cap) return false;
      streams.set(connectionId, now() + staleMs);
      return true;
    },
    async touch(userId, connectionId, staleMs) {
      const streams = live(userId);
      if (streams.has(connectionId)) streams.set(connectionId, now() + staleMs);
    },
    async close(userId, connectionId) {
      const streams = live(userId);
      streams.delete(connectionId);
      if (streams.size === 0) open.delete(userId);
    },
    async openCount(userId) {
      const count = live(userId).size;
      if (count === 0) open.delete(userId);
      return count;
    },
    async shutdown() {
      updates.removeAllListeners();
    },
  };
}
