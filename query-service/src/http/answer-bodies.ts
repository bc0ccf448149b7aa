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
 * before. One body per key (the latest), bounded in bytes: the least lately stored go first.
 */
export interface AnswerBodies {
  get(key: string, etag: string): Buffer | undefined;
  put(key: string, etag: string, body: Buffer): void;
}

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
        held -= kept.body.length;
      }
      // A copy of its own: `body` may be a view of a larger buffer (a socket read).
      bodies.set(key, { etag, body: Buffer.from(body) });
      held += body.length;
      for (const [oldest, { body: bytes }] of bodies) {
        if (held <= maxBytes) break;
        bodies.delete(oldest);
        held -= bytes.length;
      }
    },
  };
}
