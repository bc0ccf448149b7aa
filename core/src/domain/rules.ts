import { AppError } from '../errors/index.js';
import type { EventData, EventCatalog } from '../events/definition.js';
import type { MindflowEvents } from '../events/index.js';

/** An event as the domain decides it: type and data; the envelope is added by the caller. */
export type DomainEvent<C extends EventCatalog = MindflowEvents> = {
  [T in keyof C & string]: { readonly type: T; readonly data: EventData<C, T> };
}[keyof C & string];

/** A broken domain rule on a field: a 400 naming the field and the reason. */
export function ruleViolation(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path}: ${message}`, { details: [{ path, message }] });
}
