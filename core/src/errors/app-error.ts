import { errorCodes, type ErrorCode } from './codes.js';

/** An error a client may see: a stable code, its HTTP status, a human message, optional details. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly unknown[] | undefined;
  /** Response headers the error calls for, e.g. Retry-After on a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly unknown[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * A failure of an engine (database, broker, index…). `retriable` says whether trying again
 * may succeed (a timeout, a dropped connection) or cannot (a constraint, a bad query).
 */
export class InfrastructureError extends Error {
  readonly engine: string;
  readonly retriable: boolean;

  constructor(engine: string, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'InfrastructureError';
    this.engine = engine;
    this.retriable = options.retriable;
  }
}
