import { AppError } from '@mindflow/core/errors';

/**
 * Opaque page cursors: the sort key of the last item returned, as base64url JSON. Clients pass
 * them back unchanged; anything else is VALIDATION_FAILED.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends readonly unknown[]>(cursor: string, accepts: (key: unknown) => key is T): T {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!accepts(key)) {
    throw new AppError('VALIDATION_FAILED', 'the cursor is not one this API gave out', {
      details: [{ path: '/cursor', message: 'must be a nextCursor returned by a previous page' }],
    });
  }
  return key;
}

/** A date PostgreSQL takes: YYYY-MM-DD naming a real day, from year 1 on. */
export function isCalendarDate(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    value >= '0001-01-01' &&
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value
  );
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
