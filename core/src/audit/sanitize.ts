import { storableText } from '../domain/text.js';

/**
 * What may be kept of a request or a log line: an allowlist, not a denylist. Numbers, booleans,
 * null and keys that look like field names pass (other keys are renamed); a string passes only
 * under a key known to hold no secret and no journal text (a date, a mood, a role, an id...),
 * and only when short. Every other string becomes `[redacted]`, so passwords, tokens,
 * idempotency keys, emails and journal text (titles, content, tags, search words) never reach
 * the logs, whatever their field is called.
 */

/** What a dropped string becomes. */
export const redacted = '[redacted]';
/** What a value nested deeper than `maxDepth` becomes. */
export const truncated = '[truncated]';

/** Field names whose short string values are kept: facts, never secrets or journal text. */
export const keptStringFields: ReadonlySet<string> = new Set([
  // journal facts that are not text
  'date',
  'mood',
  'isPrivate',
  'entryId',
  'version',
  'expectedVersion',
  // profile, settings and consent
  'timezone',
  'language',
  'theme',
  'autoSave',
  'privateMode',
  'emailWeeklyInsights',
  'emailMonthlyInsights',
  'emailReminderToWrite',
  'termsVersion',
  'privacyPolicyVersion',
  'dataProcessing',
  'marketing',
  // roles, audit and analytics queries
  'role',
  'roles',
  'userId',
  'action',
  'type',
  'kind',
  'format',
  'from',
  'to',
  'by',
  'days',
  'sort',
  'status',
  // paging (the cursor is opaque)
  'limit',
  'cursor',
  // log lines
  'method',
  'code',
  'statusCode',
  'hostname',
  'service',
  'component',
  'engine',
  'projection',
  'migration',
  'eventId',
  'signal',
]);

/** Field names holding a URL path: kept without their query string. */
const pathFields: ReadonlySet<string> = new Set(['url', 'path', 'route', 'routeUrl']);

/** Longest string kept, in characters. */
export const maxStringLength = 200;
/** Deepest nesting kept: deeper objects and arrays become `[truncated]`. */
export const maxDepth = 5;
/** Most items of an array, and most keys of an object, kept. */
export const maxItems = 50;

/** Keys kept as they are look like field names: short, a letter first, few digits, mostly lower case. */
const fieldName = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;
const maxKeyDigits = 4;

/**
 * Whether `key` looks like a field name (`mood`, `x-request-id`, `emailWeeklyInsights`) rather
 * than data used as a key: a token, an id, an email. A heuristic: random tokens have many
 * digits or many capitals; a short lower-case secret used as a key would still pass.
 */
function isFieldName(key: string): boolean {
  const digits = key.replace(/\D/g, '').length;
  const capitals = key.replace(/[^A-Z]/g, '').length;
  const letters = key.replace(/[^A-Za-z]/g, '').length;
  return fieldName.test(key) && digits <= maxKeyDigits && capitals * 3 <= letters;
}

/** The path part of a URL: what comes before `?` or `#`. */
export function sanitizePath(url: string): string {
  const end = url.search(/[?#]/);
  return storableText(end === -1 ? url : url.slice(0, end));
}

/**
 * A copy of `value` safe to store in a log: strings only under allowlisted keys (and at most
 * `maxStringLength` long), nesting at most `maxDepth`, at most `maxItems` per array or object.
 */
export function sanitizeForLog(value: unknown): unknown {
  return sanitizeValue(value, undefined, 0);
}

/** An object's fields, sanitized: always an object (empty when `value` is not one). */
export function sanitizeRecord(value: unknown): Record<string, unknown> {
  const sanitized = isRecord(value) ? sanitizeValue(value, undefined, 0) : undefined;
  return isRecord(sanitized) ? sanitized : {};
}

/** A request's query, sanitized: always an object (empty when there is no query). */
export function sanitizeQuery(query: unknown): Record<string, unknown> {
  return sanitizeRecord(query);
}

/** One value under `key` (undefined at the top and for keys not kept), `depth` levels down. */
function sanitizeValue(value: unknown, key: string | undefined, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return sanitizeString(value, key);
  if (typeof value !== 'object') return undefined; // undefined, functions, symbols
  if (value instanceof Date) return sanitizeString(value.toISOString(), key);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return redacted;
  if (depth >= maxDepth) return truncated;
  if (Array.isArray(value)) return sanitizeArray(value, key, depth);
  return sanitizeObject(value, depth);
}

/** A string under `key`: kept when the key is allowlisted and the string short, else `[redacted]`. */
function sanitizeString(value: string, key: string | undefined): string {
  if (key === undefined || value.length > maxStringLength) return redacted;
  if (keptStringFields.has(key)) return storableText(value);
  if (pathFields.has(key) && value.startsWith('/')) return sanitizePath(value);
  return redacted;
}

/** An array: its first `maxItems` items under the array's own key, then how many were left out. */
function sanitizeArray(items: readonly unknown[], key: string | undefined, depth: number): unknown[] {
  const kept = items.slice(0, maxItems).map((item) => sanitizeValue(item, key, depth + 1) ?? null);
  if (items.length > maxItems) kept.push(`[${items.length - maxItems} more]`);
  return kept;
}

/** An object: its first `maxItems` keys (those not like field names renamed), then how many were left out. */
function sanitizeObject(value: object, depth: number): Record<string, unknown> {
  const entries = Object.entries(value);
  const out: [string, unknown][] = [];
  let odd = 0;
  for (const [key, inner] of entries.slice(0, maxItems)) {
    const kept = isFieldName(key);
    const sanitized = sanitizeValue(inner, kept ? key : undefined, depth + 1);
    if (sanitized === undefined) continue;
    if (!kept) odd += 1;
    out.push([kept ? key : `[key ${odd}]`, sanitized]);
  }
  if (entries.length > maxItems) out.push([truncated, entries.length - maxItems]);
  // fromEntries defines own properties: a `__proto__` key stays a key, never a prototype
  return Object.fromEntries(out);
}

/** Whether `value` is a plain object (not an array, not null). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
