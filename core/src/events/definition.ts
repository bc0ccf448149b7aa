import type { Static, TObject } from '@sinclair/typebox';

/**
 * One event type: its current schema version and data schema, which fields of its data are
 * personal (sealed with the owner's key; dotted for nested, e.g. "changes.title"), and the
 * upcasters that bring data of each older version one step up.
 */
export interface EventDefinition<S extends TObject = TObject> {
  readonly version: number;
  readonly schema: S;
  readonly personal: readonly string[];
  /** What an erased personal field reads as instead of null (e.g. tags: an empty list). */
  readonly erasedAs: Readonly<Record<string, unknown>>;
  readonly upcasters: Readonly<Record<number, (data: Record<string, unknown>) => Record<string, unknown>>>;
}

export type EventCatalog = Readonly<Record<string, EventDefinition>>;

/** The data of one event type, at its current version. */
export type EventData<C extends EventCatalog, T extends keyof C> = Static<C[T]['schema']>;

export function defineEvent<S extends TObject>(
  schema: S,
  options: Partial<Omit<EventDefinition<S>, 'schema'>> = {},
): EventDefinition<S> {
  return {
    version: options.version ?? 1,
    schema,
    personal: options.personal ?? [],
    erasedAs: options.erasedAs ?? {},
    upcasters: options.upcasters ?? {},
  };
}
