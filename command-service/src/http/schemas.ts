import { Type } from '@sinclair/typebox';

/** What every command answers: the aggregate, its new version, the position of its last event. */
export const CommandResult = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  position: Type.Integer({ description: 'send as X-Min-Position to read your own write (0: nothing changed)' }),
});

const IfMatch = Type.String({
  pattern: '^(W/)?"?[0-9]{1,9}"?$',
  description: 'the version you read, e.g. "3" (a stale one is 412 PRECONDITION_FAILED)',
});
const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'a key of your own, unique per request (a UUID, say): a retry with the same key and the same request gets the first answer again, with `Idempotent-Replayed: true`; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED',
});

/** The headers commands read. */
export const commandHeaders = Type.Object({
  'if-match': Type.Optional(IfMatch),
  'idempotency-key': Type.Optional(IdempotencyKey),
});

/** The headers of a command that must name the version it changes (without If-Match: 428). */
export const versionedCommandHeaders = Type.Object({
  'if-match': IfMatch,
  'idempotency-key': Type.Optional(IdempotencyKey),
});
