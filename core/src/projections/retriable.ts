import { InfrastructureError } from '../errors/index.js';

/** Socket and DNS failures of Node and undici: the peer is away, not the request wrong. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * PostgreSQL SQLSTATEs worth waiting out: connection exceptions (08), insufficient resources
 * (53), operator intervention (57P01-57P05: shutdown, crash, cannot connect now), statement
 * timeout (57014), serialization failure and deadlock (40001, 40P01).
 */
function retriablePostgres(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    ['57014', '40001', '40P01'].includes(code)
  );
}

/** Error names of the engines' clients that mean "not reachable now" (Elasticsearch, MongoDB, ioredis, AWS SDK, kafkajs). */
const transientNames = new Set([
  // kafkajs (its KafkaJSNumberOfRetriesExceeded carries one of these as its cause)
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  // @elastic/elasticsearch
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
  // mongodb
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  // ioredis
  'MaxRetriesPerRequestError',
  // AWS SDK (S3)
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'ThrottlingException',
]);

/** Messages of clients that throw plain errors when their connection is gone (pg, ioredis). */
const transientMessages = [
  /connection terminated/i,
  /connection is closed/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /stream isn't writeable/i,
  // ioredis, when a command gets no answer within its commandTimeout (a silent or stopped server)
  /^command timed out$/i,
  /socket (hang up|closed)/i,
];

const field = (value: object, key: string): unknown =>
  key in value ? (value as Record<string, unknown>)[key] : undefined;

function retriableItself(error: object): boolean | undefined {
  if (error instanceof InfrastructureError) return error.retriable;
  const code = field(error, 'code');
  if (typeof code === 'string') {
    if (networkCodes.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && field(error, 'severity') !== undefined) return retriablePostgres(code);
  }
  const name = field(error, 'name');
  if (typeof name === 'string' && transientNames.has(name)) return true;
  // Elasticsearch ResponseError: meta.statusCode; AWS SDK: $metadata.httpStatusCode and $retryable.
  const meta = field(error, 'meta');
  const status =
    (typeof meta === 'object' && meta !== null ? field(meta, 'statusCode') : undefined) ??
    (() => {
      const metadata = field(error, '$metadata');
      return typeof metadata === 'object' && metadata !== null ? field(metadata, 'httpStatusCode') : undefined;
    })() ??
    field(error, 'statusCode');
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  if (field(error, '$retryable') !== undefined) return true;
  const hasLabel = field(error, 'hasErrorLabel');
  if (typeof hasLabel === 'function') {
    const labelled = (label: string): unknown => Reflect.apply(hasLabel, error, [label]);
    if (labelled('RetryableWriteError') === true || labelled('ResetPool') === true) return true;
  }
  const message = field(error, 'message');
  if (typeof message === 'string' && transientMessages.some((pattern) => pattern.test(message))) return true;
  return undefined;
}

/**
 * Whether an error is an infrastructure failure that may pass if tried again: a connection
 * refused or reset, a timeout, PostgreSQL SQLSTATE classes 08 and 53, 57P0x, 57014, 40001 and
 * 40P01, Elasticsearch 429/5xx and connection errors, MongoDB network errors and time-outs,
 * Redis connection errors, S3 5xx and network errors, Kafka brokers out of reach. The cause chain (and the errors of an
 * AggregateError) are searched too. Anything else (a bug, a bad event, a constraint) is not.
 */
export function isRetriable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 8) return false;
  const itself = retriableItself(error);
  if (itself !== undefined) return itself;
  if (error instanceof AggregateError && error.errors.some((inner) => isRetriable(inner, depth + 1))) return true;
  return isRetriable(field(error, 'cause'), depth + 1);
}

/**
 * Whether an error says the data itself cannot be stored, so that no retry can succeed:
 * PostgreSQL's SQLSTATE class 22 (data exception: text the type refuses, a number out of
 * range, JSON that is not valid). The cause chain is searched too.
 */
export function isBadData(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 8) return false;
  const code = field(error, 'code');
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && field(error, 'severity') !== undefined) return true;
  return isBadData(field(error, 'cause'), depth + 1);
}

/**
 * Whether a retriable error is a live PostgreSQL server's answer about one statement
 * (serialization failure 40001, deadlock 40P01, statement timeout 57014), not a connection
 * lost or a server going away: it may be the statement's (the event's) own, and keep failing.
 * The cause chain is searched too.
 */
export function isStatementFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 8) return false;
  const code = field(error, 'code');
  if (
    typeof code === 'string' &&
    field(error, 'severity') !== undefined &&
    ['40001', '40P01', '57014'].includes(code)
  ) {
    return true;
  }
  return isStatementFailure(field(error, 'cause'), depth + 1);
}
