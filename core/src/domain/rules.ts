import { AppError } from '../errors/index.js';
import type { EventData, EventCatalog } from '../events/definition.js';
import type { MindflowEvents } from '../events/index.js';

/** An event as the domain decides it: type and data; the envelope is added by the caller. */
export type DomainEvent<C extends EventCatalog = MindflowEvents> = {
  [T in keyof C & string]: { readonly type: T; readonly data: EventData<C, T> };
}[keyof C & string];

/**
 * A broken rule on a field of a request that matched its schema: a 422 VALIDATION_RULE naming
 * the field and the reason (a request that does not match its schema is a 400 before this).
 */
export function ruleViolation(path: string, message: string): AppError {
  return new AppError('VALIDATION_RULE', `${path}: ${message}`, { details: [{ path, message }] });
}
