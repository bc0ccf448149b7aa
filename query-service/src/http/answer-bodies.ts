/**
 * How much of a stored answer a lookup reads first: its meta line (read point, time zone, tag,
 * ETag; about 200 bytes) and, for a short answer, all of it.
 */
export const answerHeadBytes = 1_024;

/**
 * The body of each cached answer this process has lately built or read, by cache key, with its
 * ETag. The ETag is the hash of the body, so a body kept here under the ETag that Redis holds is
 * the one Redis holds: a hit reads only the head of the stored answer (answerHeadBytes) and sends
 * the body from here, instead of carrying a 20 KB page from Redis on every request (each one new
 * memory outside the heap, which V8 reclaimed with a full mark-sweep every second or so).
 * Whether the answer is still right is decided from the head, read from Redis every time, as
 * before. One body per key (the latest), bounded in bytes (bodies, keys and the map's own
 * share): the least lately stored go first.
 */
export interface AnswerBodies {
  get(key: string, etag: string): Buffer | undefined;
  put(key: string, etag: string, body: Buffer): void;
}

/** What an entry holds: its body, its key, and about as much again for the map and its ETag. */
const size = (key: string, body: Buffer) => body.length + 2 * key.length + 128;

export function answerBodies(maxBytes: number): AnswerBodies {
  const bodies = new Map<string, { readonly etag: string; readonly body: Buffer }>();
  let held = 0;
  return {
    get: (key, etag) => {
      const kept = bodies.get(key);
      return kept?.etag === etag ? kept.body : undefined;
    },
    put: (key, etag, body) => {
      const kept = bodies.get(key);
      if (kept?.etag === etag || body.length > maxBytes / 16) return;
      if (kept !== undefined) {
        bodies.delete(key);
        held -= size(key, kept.body);
      }
      // A copy in memory of its own: `body` may be a view of a larger buffer (a socket read),
      // and Buffer.from would take a short one from Node's shared 8 KB pool, kept whole.
      const own = Buffer.allocUnsafeSlow(body.length);
      body.copy(own);
      bodies.set(key, { etag, body: own });
      held += size(key, own);
      for (const [oldest, entry] of bodies) {
        if (held <= maxBytes) break;
        bodies.delete(oldest);
        held -= size(oldest, entry.body);
      }
    },
  };
}
