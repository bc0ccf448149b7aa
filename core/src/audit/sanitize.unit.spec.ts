import t from 'tap';
import { maxDepth, maxItems, redacted, sanitizeForLog, sanitizePath, sanitizeQuery, truncated } from './sanitize.js';

const canary = 'canary-7f3a9c';

t.test('passwords, tokens and keys are redacted, whatever their field is called', async (t) => {
  const body = {
    email: `${canary}@example.com`,
    password: canary,
    currentPassword: canary,
    newPassword: canary,
    refreshToken: canary,
    accessToken: canary,
    token: canary,
    idempotencyKey: canary,
    headers: { authorization: `Bearer ${canary}`, 'idempotency-key': canary },
    somethingNew: canary,
  };
  const sanitized = sanitizeForLog(body);
  t.notMatch(JSON.stringify(sanitized), canary);
  t.match(sanitized, { password: redacted, refreshToken: redacted, headers: { authorization: redacted } });
});

t.test('journal text is redacted: title, content, location, weather, tags, search words', async (t) => {
  const entry = {
    title: canary,
    content: canary,
    location: canary,
    weather: canary,
    tags: [canary, canary],
    q: canary,
    summary: canary,
    reason: canary,
  };
  const sanitized = sanitizeForLog(entry);
  t.notMatch(JSON.stringify(sanitized), canary);
  t.same(sanitized, {
    title: redacted,
    content: redacted,
    location: redacted,
    weather: redacted,
    tags: [redacted, redacted],
    q: redacted,
    summary: redacted,
    reason: redacted,
  });
});

t.test('allowlisted fields, numbers, booleans and null are kept', async (t) => {
  const value = {
    date: '2026-11-22',
    mood: 'happy',
    isPrivate: true,
    timezone: 'Europe/Lisbon',
    language: 'pt',
    theme: 'dark',
    role: 'analyst',
    roles: ['user', 'admin'],
    from: '2026-01-01',
    to: '2026-02-01',
    limit: 20,
    cursor: 'eyJ0IjoxfQ',
    version: 3,
    status: 'active',
    userId: 'u-1',
    entryId: 'e-1',
    count: 7,
    ratio: 0.5,
    nothing: null,
    settings: { autoSave: false, privateMode: true, emailWeeklyInsights: false },
  };
  t.same(sanitizeForLog(value), value);
});

t.test('an allowlisted field keeps only short strings', async (t) => {
  t.same(sanitizeForLog({ mood: 'x'.repeat(201) }), { mood: redacted });
  t.same(sanitizeForLog({ mood: 'x'.repeat(200) }), { mood: 'x'.repeat(200) });
  t.same(sanitizeForLog({ mood: 'ha\u0000ppy' }), { mood: 'happy' }, 'no NUL (PostgreSQL cannot store it)');
});

t.test('a string with no field (top level, odd keys) is redacted', async (t) => {
  t.equal(sanitizeForLog(canary), redacted);
  t.same(sanitizeForLog([canary]), [redacted]);
});

t.test('keys that do not look like field names are renamed: they may be data', async (t) => {
  const token = 'eyJhbGciOiJIUzI1NiJ9';
  const uuid = '6f1c2b1e-8a4b-4c7e-9a3d-2b5e7c9d0f11';
  const oddKeys = sanitizeForLog({
    [`Bearer ${canary}`]: 1,
    [token]: true,
    [uuid]: { mood: 'happy' },
    [`${canary}@example.com`]: null,
    'a.b': 'x',
    $where: 2,
    ['x'.repeat(41)]: 3,
  });
  for (const secret of [canary, token, uuid]) t.notMatch(JSON.stringify(oddKeys), secret);
  t.same(oddKeys, {
    '[key 1]': 1,
    '[key 2]': true,
    '[key 3]': { mood: 'happy' },
    '[key 4]': null,
    '[key 5]': redacted,
    '[key 6]': 2,
    '[key 7]': 3,
  });
  t.same(Object.keys(sanitizeForLog({ sha256: 1, 'x-request-id': 2, snake_case: 3 }) as object), [
    'sha256',
    'x-request-id',
    'snake_case',
  ]);
});

t.test('non-JSON values: undefined and functions left out, non-finite numbers null, bytes redacted', async (t) => {
  t.same(sanitizeForLog({ a: undefined, b: () => 1, c: Number.NaN, d: 10n, e: Buffer.from(canary) }), {
    c: null,
    d: 10,
    e: redacted,
  });
  t.same(sanitizeForLog([undefined]), [null]);
  t.same(sanitizeForLog({ date: new Date('2026-11-22T00:00:00Z') }), { date: '2026-11-22T00:00:00.000Z' });
});

t.test('a __proto__ key stays a plain key', async (t) => {
  const sanitized = sanitizeForLog(JSON.parse('{"__proto__": {"role": "admin"}}'));
  t.equal(Object.getPrototypeOf(sanitized), Object.prototype);
  t.same(Object.keys(sanitized as object), ['__proto__']);
});

t.test(`nesting deeper than ${maxDepth} is truncated`, async (t) => {
  const deep = { a: { b: { c: { d: { e: { f: { mood: 'happy' } } } } } } };
  t.same(sanitizeForLog(deep), { a: { b: { c: { d: { e: truncated } } } } });
  t.same(sanitizeForLog([[[[[[1]]]]]]), [[[[[truncated]]]]]);
});

t.test(`arrays and objects keep ${maxItems} items and say how many more there were`, async (t) => {
  const long = Array.from({ length: 120 }, (_, i) => i);
  t.same(sanitizeForLog(long), [...long.slice(0, maxItems), `[${120 - maxItems} more]`]);
  const wide = Object.fromEntries(long.map((i) => [`k${i}`, i]));
  const sanitized = sanitizeForLog(wide) as Record<string, unknown>;
  t.equal(Object.keys(sanitized).length, maxItems + 1);
  t.equal(sanitized[truncated], 120 - maxItems);
});

t.test('a query is always an object', async (t) => {
  t.same(sanitizeQuery(undefined), {});
  t.same(sanitizeQuery('q=x'), {});
  t.same(sanitizeQuery({ q: canary, mood: ['happy', 'sad'], limit: 20 }), {
    q: redacted,
    mood: ['happy', 'sad'],
    limit: 20,
  });
});

t.test('a path loses its query string and fragment; url fields keep only their path', async (t) => {
  t.equal(sanitizePath(`/v1/search?q=${canary}`), '/v1/search');
  t.equal(sanitizePath(`/v1/entries#${canary}`), '/v1/entries');
  t.equal(sanitizePath('/v1/entries'), '/v1/entries');
  t.same(sanitizeForLog({ req: { method: 'GET', url: `/v1/search?q=${canary}` } }), {
    req: { method: 'GET', url: '/v1/search' },
  });
  t.same(sanitizeForLog({ url: `https://user:${canary}@example.com/x` }), { url: redacted });
});
