import { Type } from '@sinclair/typebox';

/** What every command answers: the aggregate, its new version, the position of its last event. */
export const CommandResult = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  position: Type.Integer({ description: 'send as X-Min-Position to read your own write (0: nothing changed)' }),
});

/** The headers commands read. */
export const commandHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'the version you read, e.g. "3"' })),
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
