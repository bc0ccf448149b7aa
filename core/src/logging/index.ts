import { pino, type DestinationStream, type Logger, type LoggerOptions, type LevelWithSilent } from 'pino';

export type { DestinationStream, Logger } from 'pino';

export interface LoggingConfig {
  readonly level: LevelWithSilent;
  /** Human-readable lines instead of JSON (for a terminal). */
  readonly pretty: boolean;
}

/**
 * The one way to make a logger: structured JSON (pino) on stdout, pretty-printed when asked.
 * With `extra` (e.g. a log shipper's stream), JSON lines also go there; not when pretty.
 */
export function createLogger(config: LoggingConfig, name: string, extra?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level: config.level,
    serializers: { err: safeError, error: safeError, req: requestLine },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.accessToken'],
      censor: '[redacted]',
    },
    ...(config.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname',
            },
          },
        }
      : {}),
  };
  if (extra === undefined || config.pretty) return pino(options);
  // The logger's own level filters; each stream takes every line it is given.
  return pino(
    options,
    pino.multistream([
      { stream: process.stdout, level: 'trace' },
      { stream: extra, level: 'trace' },
    ]),
  );
}

/**
 * Fields of a database error that quote the data it was given: PostgreSQL's `detail` ("Failing
 * row contains (…)"), `where` ("JSON data, line 1: …", the statement's parameters) and
 * `internalQuery`. Rows hold decrypted text in the read model, so these never reach a log line.
 */
const quotingFields = ['detail', 'where', 'internalQuery', 'parameters'] as const;

/** pino's error serializer (with causes), minus the fields that quote data. */
function safeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return withoutQuotes(pino.stdSerializers.errWithCause(value));
}

function withoutQuotes(serialized: Record<string, unknown>): Record<string, unknown> {
  const copy = Object.fromEntries(
    Object.entries(serialized).filter(([field]) => !(quotingFields as readonly string[]).includes(field)),
  );
  if (typeof copy.cause === 'object' && copy.cause !== null) {
    copy.cause = withoutQuotes(copy.cause as Record<string, unknown>);
  }
  return copy;
}

/**
 * A request as log lines show it: method, path and id, never the query string. Query strings
 * carry bearer credentials (blob-link signatures), search words and e-mail addresses.
 */
function requestLine(request: unknown): unknown {
  if (typeof request !== 'object' || request === null) return request;
  const { method, url, id } = request as { method?: unknown; url?: unknown; id?: unknown };
  return {
    method,
    url: typeof url === 'string' ? url.replace(/[?#].*$/s, '') : url,
    ...(id === undefined ? {} : { id }),
  };
}
