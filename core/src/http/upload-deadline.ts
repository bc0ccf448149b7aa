import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.js';

/** How long an upload's body may take to arrive. */
export interface UploadDeadline {
  /** No byte for this long: the upload is answered 408 and dropped. */
  readonly idleMs: number;
  /** The body still arriving after this long: the same. */
  readonly totalMs: number;
}

export const defaultUploadDeadline: UploadDeadline = Object.freeze({ idleMs: 30_000, totalMs: 30 * 60_000 });

/**
 * Runs `work`, which reads the request's body, so that the request is always answered: when
 * the body stops arriving (a multipart body without its closing boundary, a Content-Length
 * never reached) for `idleMs`, or is still arriving after `totalMs`, the answer is 408
 * REQUEST_TIMEOUT and the connection is closed once it is sent; `work`, whose body then ends
 * in error, cleans up after itself as on any error. Once the whole body has arrived, `work`
 * takes the time it needs. Progress is read from the socket's byte count, so the body's
 * stream is left to its reader.
 */
export async function withinUploadDeadline<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  deadline: UploadDeadline,
  work: () => Promise<T>,
): Promise<T> {
  const raw = request.raw;
  const started = Date.now();
  let seen = raw.socket.bytesRead;
  let lastProgress = started;
  let watch: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    const check = () => {
      if (raw.complete) return;
      const now = Date.now();
      if (raw.socket.bytesRead !== seen) {
        seen = raw.socket.bytesRead;
        lastProgress = now;
      }
      const stalled = now - lastProgress >= deadline.idleMs;
      if (stalled || now - started >= deadline.totalMs) {
        reply.header('connection', 'close');
        reply.raw.once('finish', () => raw.destroy());
        reject(
          new AppError(
            'REQUEST_TIMEOUT',
            stalled
              ? `the upload stopped: no byte arrived for ${String(deadline.idleMs / 1000)} s`
              : `the upload took longer than ${String(deadline.totalMs / 1000)} s`,
          ),
        );
        return;
      }
      watch = setTimeout(check, Math.min(1_000, deadline.idleMs / 4));
    };
    check();
  });
  const working = work();
  // Once timed out, what the cut body does to `work` is no one's answer any more.
  working.catch(() => undefined);
  try {
    return await Promise.race([working, timedOut]);
  } finally {
    clearTimeout(watch);
  }
}
