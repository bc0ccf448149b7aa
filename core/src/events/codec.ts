import { OptionalKind, Type, TypeGuard, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isSealed, openValue, sealValue } from '../crypto/index.js';
import { asText } from '../domain/text.js';
import type { NewEvent, RecordedEvent } from '../eventstore/index.js';
import type { EventCatalog, EventData } from './definition.js';

/** Metadata fields that are personal data, sealed like the personal fields of data. */
const personalMetadata = ['ip', 'userAgent'] as const;

/** An event's data or metadata does not match its schema (or its type is unknown). */
export class InvalidEvent extends Error {
  readonly eventType: string;
  readonly problems: readonly string[];

  constructor(eventType: string, problems: readonly string[]) {
    super(`invalid ${eventType} event: ${problems.join('; ')}`);
    this.name = 'InvalidEvent';
    this.eventType = eventType;
    this.problems = problems;
  }
}

export type EventToAppend<C extends EventCatalog> = {
  [T in keyof C & string]: Omit<NewEvent, 'type' | 'schemaVersion' | 'data'> & { type: T; data: EventData<C, T> };
}[keyof C & string];

export type DecodedEvent<C extends EventCatalog> = {
  [T in keyof C & string]: Omit<RecordedEvent, 'type' | 'data'> & {
    type: T;
    data: EventData<C, T>;
    /** Personal fields whose key was destroyed: their value is null, for good. */
    erased: readonly string[];
  };
}[keyof C & string];

export interface EventCodec<C extends EventCatalog> {
  /** Validates an event and seals its personal fields with the owner's key, ready to append. */
  encode(event: EventToAppend<C>, dataKey: Buffer | undefined): NewEvent;
  /**
   * Opens a stored event: personal fields decrypted (or null and listed in `erased` when the
   * key is gone), data upcast to the current version and validated.
   */
  decode(event: RecordedEvent, dataKey: Buffer | undefined): DecodedEvent<C>;
}

interface Compiled {
  readonly current: ValidateFunction;
  /** The same schema where every personal field may also be null (erased). */
  readonly erasable: ValidateFunction;
}

/**
 * Events are checked by Ajv with the rules the HTTP validators apply (JSON Schema's: a string's
 * length in code points, formats as ajv-formats has them), so that whatever a request's schema
 * let in, the event made of it is judged alike. (TypeBox's own compiler counts UTF-16 code
 * units: an emoji counted twice made a valid request fail as an invalid event, a 500.)
 */
function eventValidator(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

export function createEventCodec<C extends EventCatalog>(catalog: C): EventCodec<C> {
  const compiled = new Map<string, Compiled>();
  const ajv = eventValidator();
  for (const [type, definition] of Object.entries(catalog)) {
    const erasable = definition.personal
      .filter((path) => !(path in definition.erasedAs))
      .reduce<TSchema>((schema, path) => withNullable(schema, path.split('.')), definition.schema);
    compiled.set(type, { current: ajv.compile(definition.schema), erasable: ajv.compile(erasable) });
  }
  const lookup = (type: string) => {
    const definition = catalog[type];
    const checks = compiled.get(type);
    if (definition === undefined || checks === undefined) throw new InvalidEvent(type, ['unknown event type']);
    return { definition, checks };
  };
  const problems = (check: ValidateFunction) =>
    (check.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'invalid'}`);

  return {
    encode(event, dataKey) {
      const { definition, checks } = lookup(event.type);
      if (!checks.current(event.data)) throw new InvalidEvent(event.type, problems(checks.current));
      const data = structuredClone(event.data) as Record<string, unknown>;
      const metadata = { ...event.metadata } as Record<string, unknown>;
      const seal = (target: Record<string, unknown>, path: string, prefix: string) =>
        transform(target, path.split('.'), (value) => {
          if (dataKey === undefined) {
            throw new InvalidEvent(event.type, [`${prefix}${path} is personal data but there is no key to seal it`]);
          }
          return sealValue(dataKey, value, `${event.eventId}/${prefix}${path}`);
        });
      for (const path of definition.personal) seal(data, path, 'data.');
      for (const path of personalMetadata) seal(metadata, path, 'metadata.');
      return { ...event, schemaVersion: definition.version, data, metadata };
    },

    decode(event, dataKey) {
      const { definition, checks } = lookup(event.type);
      const erased: string[] = [];
      // Every sealed value is opened wherever it is (the personal paths of older versions may
      // differ from today's), as text: one sealed before the door checked text may hold U+0000
      // or a lone surrogate, which no store takes (asText: U+FFFD). Without the key it becomes
      // null and is listed as erased. An object
      // that holds no sealed value is passed on as it is; one that does is copied, never changed.
      const open = (value: unknown, path: string): unknown => {
        if (isSealed(value)) {
          if (dataKey !== undefined) return asText(openValue(dataKey, value, `${event.eventId}/${path}`));
          erased.push(path);
          return path.startsWith('data.') && path.slice(5) in definition.erasedAs
            ? structuredClone(definition.erasedAs[path.slice(5)])
            : null;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
        let copy: Record<string, unknown> | undefined;
        for (const [key, inner] of Object.entries(value)) {
          if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) continue;
          const opened = open(inner, `${path}.${key}`);
          if (opened !== inner) (copy ??= { ...value })[key] = opened;
        }
        return copy ?? value;
      };
      let data = open(event.data, 'data') as Record<string, unknown>;
      const metadata = open(event.metadata, 'metadata') as Record<string, unknown>;
      // Upcasters may change what they are given, nested objects too: never the recorded event's.
      if (event.schemaVersion < definition.version) data = structuredClone(data);
      for (let version = event.schemaVersion; version < definition.version; version++) {
        const upcast = definition.upcasters[version];
        if (upcast === undefined) throw new InvalidEvent(event.type, [`no upcaster from version ${version}`]);
        data = upcast(data);
      }
      const check = erased.length === 0 ? checks.current : checks.erasable;
      if (!check(data)) throw new InvalidEvent(event.type, problems(check));
      return {
        ...event,
        schemaVersion: definition.version,
        data,
        metadata,
        erased: erased.sort(),
      };
    },
  };
}

/** Replaces the value at `path` (when present) with `change(value)`, in place. */
function transform(
  target: Record<string, unknown>,
  path: readonly string[],
  change: (value: unknown) => unknown,
): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in target) || target[head] === undefined) return;
  if (rest.length === 0) {
    target[head] = change(target[head]);
    return;
  }
  const next = target[head];
  if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
    transform(next as Record<string, unknown>, rest, change);
  }
}

/** `schema` with the property at `path` also allowed to be null (keeping it optional if it was). */
function withNullable(schema: TSchema, path: readonly string[]): TSchema {
  const [head, ...rest] = path;
  if (head === undefined || !TypeGuard.IsObject(schema)) return schema;
  const property = schema.properties[head];
  if (property === undefined) return schema;
  const replaced = rest.length > 0 ? withNullable(property, rest) : Type.Union([property, Type.Null()]);
  const kept = OptionalKind in property && rest.length === 0 ? Type.Optional(replaced) : replaced;
  return { ...schema, properties: { ...schema.properties, [head]: kept } };
}
