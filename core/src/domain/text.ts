/**
 * Why a string cannot be stored as text, or undefined when it can. Two things that are valid in
 * JSON and JavaScript are not text PostgreSQL (text, jsonb), Elasticsearch or MongoDB accept:
 * U+0000, and a lone surrogate (`"\ud800"`: half of a UTF-16 pair, not a Unicode character).
 */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain U+0000';
  if (loneSurrogate.test(value)) return 'must be well-formed Unicode (a lone surrogate is not a character)';
  return undefined;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const notText = new RegExp(`\u0000|${loneSurrogate.source}`, 'g');

/**
 * `value` with every string and key in it made text: each U+0000 and lone surrogate becomes
 * U+FFFD, as a bound value reaches PostgreSQL. For what was stored before the door checked it
 * (a value sealed back then): every reader may then write what it reads.
 */
export function asText(value: unknown): unknown {
  if (typeof value === 'string') return toText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(asText);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [toText(key), asText(inner)]));
}

/** `value` with each U+0000 and lone surrogate as U+FFFD: text every store takes. */
export function toText(value: string): string {
  return textProblem(value) === undefined ? value : value.replace(notText, '\ufffd');
}

/**
 * `value` as text for a log, which keeps what it can of what it was given: without U+0000 (dropped,
 * not marked), and each lone surrogate as U+FFFD.
 */
export function storableText(value: string): string {
  return toText(value.includes('\u0000') ? value.replaceAll('\u0000', '') : value);
}

/**
 * The JSON pointer of the first string or key in parsed JSON `value` that is not text, with why;
 * undefined when every one is. Only arrays and records are walked (not a stream, a buffer).
 */
export function findBadText(value: unknown, path = ''): { path: string; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem === undefined ? undefined : { path: path === '' ? '/' : path, problem };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && !isRecord(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const here = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const keyProblem = textProblem(key);
    if (keyProblem !== undefined) return { path: here, problem: `key ${keyProblem}` };
    const found = findBadText(inner, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A plain object: from JSON, or a query string parser's prototype-free dictionary. */
function isRecord(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null;
}

/**
 * A text's length as every limit of the platform counts it: in code points, as JSON Schema's
 * `maxLength` does (an emoji is one, a letter with a combining accent two), so that what a
 * request's schema lets in, no rule of the domain or of an event refuses.
 */
export function textLength(value: string): number {
  // Code units, less the second unit of each surrogate pair (text has no lone surrogates).
  let pairs = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) pairs += 1;
  }
  return value.length - pairs;
}
