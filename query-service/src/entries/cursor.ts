import { AppError } from '@mindflow/core/errors';
import { Uuid } from '@mindflow/core/events';
import { Value } from '@sinclair/typebox/value';

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

/** Whether a cursor part is an entry id. */
export const isUuid = (value: unknown): value is string => Value.Check(Uuid, value);
