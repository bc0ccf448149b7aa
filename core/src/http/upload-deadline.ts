import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.js';

/** How long an upload's body may take to arrive. */
export interface UploadDeadline {
  /** No byte for this long: the upload is answered 408 and dropped. */
  readonly idleMs: number;
  /** The body still arriving after this long: the same. */
  readonly totalMs: number;
}

export const defaultUploadDeadline: UploadDeadline = Object.freeze({ idleMs: 30_000, totalMs: 30 * 60_000 });

/** A JSON body (at most the body limit, 1 MiB) gets as long without a byte, and 2 min in all. */
export const defaultBodyDeadline: UploadDeadline = Object.freeze({ idleMs: 30_000, totalMs: 2 * 60_000 });

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
  let stop: () => void = () => undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    stop = watchBody(request.raw, deadline, (error) => {
      closeAfterAnswer(request, reply);
      reject(error);
    });
  });
  const working = work();
  // Once timed out, what the cut body does to `work` is no one's answer any more.
  working.catch(() => undefined);
  try {
    return await Promise.race([working, timedOut]);
  } finally {
    stop();
  }
}

/**
 * Watches a request's body arrive (from the socket's byte count, so its stream is left to its
 * reader): calls `expired` once with a REQUEST_TIMEOUT error when no byte has arrived for
 * `idleMs` or the body still arrives after `totalMs`. Stops once the body is complete, or when
 * the returned function is called.
 */
export function watchBody(
  raw: IncomingMessage,
  deadline: UploadDeadline,
  expired: (error: AppError) => void,
): () => void {
  const started = Date.now();
  let seen = raw.socket.bytesRead;
  let lastProgress = started;
  let watch: NodeJS.Timeout | undefined;
  const check = () => {
    if (raw.complete) return;
    const now = Date.now();
    if (raw.socket.bytesRead !== seen) {
      seen = raw.socket.bytesRead;
      lastProgress = now;
    }
    const stalled = now - lastProgress >= deadline.idleMs;
    if (stalled || now - started >= deadline.totalMs) {
      expired(
        new AppError(
          'REQUEST_TIMEOUT',
          stalled
            ? `the body stopped: no byte arrived for ${String(deadline.idleMs / 1000)} s`
            : `the body took longer than ${String(deadline.totalMs / 1000)} s to arrive`,
        ),
      );
      return;
    }
    watch = setTimeout(check, Math.min(1_000, deadline.idleMs / 4));
  };
  check();
  return () => clearTimeout(watch);
}

/** The connection closes once the answer is sent: the rest of a cut body is never read. */
function closeAfterAnswer(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  reply.raw.once('finish', () => request.raw.destroy());
}

/**
 * Every request body the server parses itself (JSON; multipart bodies are read by their routes,
 * within withinUploadDeadline) either arrives or is answered 408 REQUEST_TIMEOUT: a body that
 * stops short of its Content-Length, or never starts, is not left waiting for Node's own
 * five-minute request timeout (which answers no JSON).
 */
export function installBodyDeadline(app: FastifyInstance, deadline: UploadDeadline): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const type = request.headers['content-type'] ?? '';
    if (request.raw.complete || !hasBody(request) || type.startsWith('multipart/')) return payload;
    const stop = watchBody(request.raw, deadline, (error) => {
      closeAfterAnswer(request, reply);
      // The parser reading the payload answers with it (see fastify's rawBody).
      payload.emit('error', error);
    });
    for (const event of ['end', 'error', 'close']) payload.once(event, stop);
    // Answered without reading the body (a 405, a 415): nothing is left to answer.
    for (const event of ['finish', 'close']) reply.raw.once(event, stop);
    return payload;
  });
}

/**
 * Whether a body follows the request's head (RFC 9112 §6.3: only a Transfer-Encoding or a
 * Content-Length announces one). A request without one has nothing to wait for, and nothing
 * reads its payload, so a watch would only end at its deadline: requests made in process
 * (`inject`) never mark themselves complete.
 */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
