import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createBatchWriter } from './batch-writer.js';
import { sanitizeForLog, sanitizePath, sanitizeQuery } from './sanitize.js';
import type { ApiRequest, AuditStore } from './types.js';

export interface RequestLogOptions {
  /** Where the requests go (`api_requests`). */
  readonly store: Pick<AuditStore, 'appendApiRequests'>;
  /** The service answering, e.g. `command-service`. */
  readonly service: string;
  /** Where a failed write is reported (warn). */
  readonly logger: Pick<FastifyBaseLogger, 'warn'>;
  /** Who is asking, when known: e.g. `async (r) => (await auth.callerOf(r))?.userId ?? null`. Null by default. */
  readonly userOf?: (request: FastifyRequest) => string | null | Promise<string | null>;
  /** How long a request waits at most before its batch is written, in ms (1000). */
  readonly flushMs?: number;
  /** Most requests per write (200); a full batch is written at once. */
  readonly maxBatch?: number;
  /** Most requests waiting (10,000); beyond it they are dropped and counted. */
  readonly maxBuffered?: number;
  /** Paths not logged (/healthz, /readyz, /metrics). */
  readonly skipPaths?: readonly string[];
}

/** The request log of a server. */
export interface RequestLog {
  /** Writes the requests waiting; never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops logging (the server's onClose does it). */
  close(): Promise<void>;
  /** How many requests were not logged: buffer full or write failed. */
  dropped(): number;
}

export const defaultSkipPaths: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/**
 * Logs every request `app` answers into `api_requests`: method, path (no query string), the
 * query and body sanitized (see sanitizeForLog: no passwords, tokens or journal text), status,
 * duration, response size, caller, IP and request id. Headers are never logged. Requests are
 * written in batches, after the response; a failed write is reported and dropped, never failing
 * a request. Install it on the root instance (in a child scope it sees only that scope's routes);
 * closing the server flushes it.
 */
export function installRequestLog(app: FastifyInstance, options: RequestLogOptions): RequestLog {
  const { store, service, logger } = options;
  const skip = new Set(options.skipPaths ?? defaultSkipPaths);
  const writer = createBatchWriter<ApiRequest>({
    write: (requests) => store.appendApiRequests(requests),
    flushMs: options.flushMs ?? 1000,
    maxBatch: options.maxBatch ?? 200,
    maxBuffered: options.maxBuffered ?? 10_000,
    onError: (err, lost) => {
      logger.warn({ err, lost }, 'api request log: a batch could not be written and was dropped');
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const path = sanitizePath(request.url);
    if (skip.has(path)) return;
    try {
      writer.add(await apiRequest(request, reply, path, service, options.userOf));
    } catch (err) {
      logger.warn({ err }, 'api request log: a request could not be logged');
    }
  });
  app.addHook('onClose', async () => {
    await writer.close();
  });
  return { flush: () => writer.flush(), close: () => writer.close(), dropped: () => writer.dropped() };
}

/** The record of an answered request; `time` is when it arrived. */
async function apiRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  service: string,
  userOf: RequestLogOptions['userOf'],
): Promise<ApiRequest> {
  const durationMs = reply.elapsedTime;
  return {
    time: new Date(Date.now() - durationMs),
    service,
    requestId: request.id,
    method: request.method,
    path,
    query: sanitizeQuery(request.query),
    body: sanitizeForLog(request.body) ?? null,
    status: reply.statusCode,
    durationMs,
    responseBytes: contentLength(reply.getHeader('content-length')),
    userId: await callerOf(request, userOf),
    ip: request.ip,
  };
}

/** The caller's id by `userOf`; null when unknown or when asking fails. */
async function callerOf(request: FastifyRequest, userOf: RequestLogOptions['userOf']): Promise<string | null> {
  if (userOf === undefined) return null;
  try {
    return await userOf(request);
  } catch {
    return null;
  }
}

const maxInt32 = 2 ** 31 - 1;

/** A Content-Length header's value as a number of bytes, or null without a valid one (or one over 2 GiB). */
function contentLength(header: number | string | string[] | undefined): number | null {
  const bytes = typeof header === 'number' ? header : typeof header === 'string' ? Number(header) : Number.NaN;
  return Number.isInteger(bytes) && bytes >= 0 && bytes <= maxInt32 ? bytes : null;
}
