import { ruleViolation } from '@mindflow/core/domain';
import { Uuid } from '@mindflow/core/events';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * A page cursor as the document states it: base64url (RFC 4648 §5, no padding), 1 to
 * `maxLength` characters. One of another form is a 400; one of this form that no page gave
 * out is a 422 VALIDATION_RULE (decodeCursor).
 */
export function Cursor(maxLength: number, description = 'nextCursor of the previous page, unchanged') {
  return Type.String({ pattern: `^[A-Za-z0-9_-]{1,${String(maxLength)}}$`, description });
}

/**
 * Opaque page cursors: the sort key of the last item returned, as base64url JSON. Clients pass
 * them back unchanged; anything else is refused (see Cursor).
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
    throw ruleViolation('/cursor', 'must be a nextCursor returned by a previous page');
  }
  return key;
}

/** Whether a cursor part is an entry id. */
export const isUuid = (value: unknown): value is string => Value.Check(Uuid, value);
