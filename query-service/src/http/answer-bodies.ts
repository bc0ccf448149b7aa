/**
 * How much of a stored answer a lookup reads first: its meta line (read point, time zone, tag,
 * ETag; about 200 bytes) and, for a short answer, all of it.
 */
export const answerHeadBytes = 1_024;

/**
 * The bodies of cached answers this process has lately built or read, by cache key and ETag.
 * The ETag is the hash of the body, so a body found here under the ETag that Redis holds is the
 * one Redis holds: a hit reads only the head of the stored answer (answerHeadBytes) and sends
 * the body from here, instead of carrying a 20 KB page from Redis on every request (each one
 * new memory outside the heap, which V8 collected with a full mark-sweep every second or so).
 * Whether the answer is still right is decided from the head, read from Redis every time, as
 * before. Bounded in bytes; the least recently used go first.
 */
export interface AnswerBodies {
  get(key: string, etag: string): Buffer | undefined;
  put(key: string, etag: string, body: Buffer): void;
}

export function answerBodies(maxBytes: number): AnswerBodies {
  const bodies = new Map<string, Buffer>();
  let held = 0;
  const id = (key: string, etag: string) => `${key}\n${etag}`;
  return {
    get: (key, etag) => {
      const name = id(key, etag);
      const body = bodies.get(name);
      if (body !== undefined) {
        // Most recently used last: Map keeps insertion order.
        bodies.delete(name);
        bodies.set(name, body);
      }
      return body;
    },
    put: (key, etag, body) => {
      const name = id(key, etag);
      if (bodies.has(name) || body.length > maxBytes / 16) return;
      // A copy of its own: `body` may be a view of a larger buffer (a socket read).
      bodies.set(name, Buffer.from(body));
      held += body.length;
      for (const [oldest, bytes] of bodies) {
        if (held <= maxBytes) break;
        bodies.delete(oldest);
        held -= bytes.length;
      }
    },
  };
}
