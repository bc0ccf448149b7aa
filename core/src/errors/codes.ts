/**
 * Every error code a client can see, with its HTTP status and what it means.
 * The README's error table is generated from nothing but this list, and a test fails
 * when a code is thrown anywhere that is not listed here.
 */
export const errorCodes = {
  VALIDATION_FAILED: {
    status: 400,
    description: 'The request does not match its schema (as /openapi.json states it); `details` lists each problem.',
  },
  MALFORMED_REQUEST: {
    status: 400,
    description: 'The body could not be parsed (invalid JSON, wrong content type).',
  },
  UNAUTHENTICATED: {
    status: 401,
    description: 'No valid access token was given.',
  },
  FORBIDDEN: {
    status: 403,
    description: 'The caller lacks the role the operation needs.',
  },
  NOT_FOUND: {
    status: 404,
    description: 'No such route, or no such resource owned by the caller.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The route exists but not with this method.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    description: 'The body stopped arriving, or took too long (docs/security.md); nothing was stored.',
  },
  CONFLICT: {
    status: 409,
    description: 'The operation conflicts with the current state (e.g. a second entry for a date).',
  },
  PRECONDITION_FAILED: {
    status: 412,
    description: 'The `If-Match` version is stale.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    description: 'The body or upload exceeds its limit.',
  },
  ARCHIVE_LIMIT_EXCEEDED: {
    status: 413,
    description: "An import's unpacked size, compression ratio or file count passes its caps; nothing was stored.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The content type is not accepted here.',
  },
  VALIDATION_RULE: {
    status: 422,
    description:
      'The request matches its schema but breaks a rule no schema states (an end before its start, a period too long, a common password, a cursor this API did not give out); `details` names the field.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    description: 'The `Idempotency-Key` was already used for a different request.',
  },
  PRECONDITION_REQUIRED: { status: 428, description: 'The update needs an `If-Match: "<version>"` header.' },
  RATE_LIMITED: {
    status: 429,
    description: 'Too many requests; retry after `Retry-After` seconds.',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    description:
      'The account has as many live update streams open as it may (`GET /v1/stream`); close one first, or retry after `Retry-After` seconds.',
  },
  INTERNAL: {
    status: 500,
    description: 'An unexpected failure; the request id in the logs tells what.',
  },
  UNAVAILABLE: {
    status: 503,
    description: 'A dependency is unreachable or a projection is behind; retry later.',
  },
  ENGINE_UNAVAILABLE: {
    status: 503,
    description:
      'An engine the route needs (search, the audit store) did not answer in time or its circuit breaker is open; retry after `Retry-After` seconds.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof errorCodes;
