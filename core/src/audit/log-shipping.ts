import type { DestinationStream } from 'pino';
import { createBatchWriter } from './batch-writer.js';
import { sanitizeRecord } from './sanitize.js';
import { storableText, toText } from '../domain/text.js';
import type { ApplicationLog, AuditStore } from './types.js';

export interface LogShipperOptions {
  /** Where the lines go (`application_logs`). */
  readonly store: Pick<AuditStore, 'appendApplicationLogs'>;
  /** The service whose logs these are, e.g. `projector`. */
  readonly service: string;
  /** How long a line waits at most before its batch is written, in ms (1000). */
  readonly flushMs?: number;
  /** Most lines per write (200); a full batch is written at once. */
  readonly maxBatch?: number;
  /** Most lines waiting (10,000); beyond it they are dropped and counted. */
  readonly maxBuffered?: number;
}

/** Ships a logger's lines to the store: give `stream` to the logger (see createLogger's `extra`). */
export interface LogShipper {
  /** A pino destination: takes JSON lines, never throws. */
  readonly stream: DestinationStream;
  /** Writes the lines waiting; never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops shipping. */
  close(): Promise<void>;
  /** How many lines were not shipped: not JSON, buffer full or write failed. */
  dropped(): number;
}

/** pino's numeric levels and their labels. */
const levelLabels: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const maxMessageLength = 2000;
const maxRequestIdLength = 128;

/**
 * A log shipper: each JSON line written to `stream` becomes an `ApplicationLog` (its fields
 * other than time, level, msg and reqId sanitized into `context`, so no secret or journal text
 * is stored), buffered and written to `application_logs` in batches. A failed write drops its
 * batch without a word (a log line about it would come back here): `dropped()` counts them.
 */
export function createLogShipper(options: LogShipperOptions): LogShipper {
  const { store, service } = options;
  let unparsed = 0;
  const writer = createBatchWriter<ApplicationLog>({
    write: (lines) => store.appendApplicationLogs(lines),
    flushMs: options.flushMs ?? 1000,
    maxBatch: options.maxBatch ?? 200,
    maxBuffered: options.maxBuffered ?? 10_000,
  });
  const stream: DestinationStream = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        const log = parseLogLine(line, service);
        if (log === undefined) unparsed += 1;
        else writer.add(log);
      }
    },
  };
  return {
    stream,
    flush: () => writer.flush(),
    close: () => writer.close(),
    dropped: () => unparsed + writer.dropped(),
  };
}

/** A pino JSON line as an `ApplicationLog` of `service`; undefined when it is not a JSON object. */
export function parseLogLine(line: string, service: string): ApplicationLog | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { time, level, msg, reqId, name: _name, v: _v, ...rest } = parsed as Record<string, unknown>;
  return {
    time: timeOf(time),
    level: levelOf(level),
    service,
    message: messageOf(msg),
    requestId: typeof reqId === 'string' || typeof reqId === 'number' ? clip(String(reqId), maxRequestIdLength) : null,
    context: sanitizeRecord(rest),
  };
}

/** A line's message: its `msg` when that is a string, a number or a boolean (never an object). */
function messageOf(msg: unknown): string {
  if (typeof msg === 'string') return clip(msg, maxMessageLength);
  return typeof msg === 'number' || typeof msg === 'boolean' ? String(msg) : '';
}

/** A pino level (a number, or a label when a formatter wrote one) as its label. */
export function levelOf(level: unknown): string {
  if (typeof level === 'number') return levelLabels[level] ?? String(level);
  if (typeof level === 'string' && Object.values(levelLabels).includes(level)) return level;
  return 'info';
}

/** A pino time (epoch ms, or an ISO string) as a Date; now when there is none. */
function timeOf(time: unknown): Date {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date(Number.NaN);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

/** `text` as a log keeps it (`storableText`), at most `max` characters (half a pair cut at the end as U+FFFD). */
function clip(text: string, max: number): string {
  const clean = storableText(text);
  return clean.length > max ? toText(`${clean.slice(0, max - 1)}…`) : clean;
}
