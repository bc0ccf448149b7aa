import { testWriters } from '@mindflow/query-service/testing';
import { waitFor } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { aiWorkerForTest } from '../testing.js';

const ai = await aiWorkerForTest();
t.teardown(ai.close);
const { app } = ai.platform;
const db = ai.insights.db;
const [ana, bob] = await testWriters(app, 2);
if (ana === undefined || bob === undefined) throw new Error('writers');
const at = (position: number) => ({ 'x-min-position': String(position) });

interface Analysis {
  status: string;
  entryVersion: number | null;
  sentiment: { score: number; label: string } | null;
  themes: { phrase: string; count: number }[];
  language: string | null;
}

const analysisOf = async (entryId: string, writer = ana) =>
  (await writer.get(`/v1/entries/${entryId}/analysis`)).json<Analysis>();
/** The analysis once it reaches `version` (or is skipped), through the route. */
const settled = (entryId: string, until: (analysis: Analysis) => boolean) =>
  waitFor(
    async () => {
      const analysis = await analysisOf(entryId);
      return until(analysis) ? analysis : undefined;
    },
    15_000,
    `analysis of ${entryId}`,
  );
const countEvents = async (type: string, entryId: string) =>
  Number(
    (
      await sql<{
        n: string;
      }>`select count(*) as n from events where type = ${type} and data->>'entryId' = ${entryId}`.execute(db)
    ).rows[0]?.n,
  );

t.test('an entry is analyzed once per version: sentiment, themes, language, status in Redis', async (t) => {
  const entry = await ana.write({
    date: '2026-11-02',
    title: 'A wonderful Sunday',
    content: 'Went hiking with my sister and the view was beautiful. The hiking trail was quiet and I felt happy.',
  });
  const first = await settled(entry.id, (analysis) => analysis.status === 'completed');
  t.equal(first.entryVersion, 1);
  t.equal(first.sentiment?.label, 'positive');
  t.ok((first.sentiment?.score ?? 0) > 0 && (first.sentiment?.score ?? 0) <= 1);
  t.ok(
    first.themes.some((theme) => theme.phrase === 'hiking trail'),
    'noun phrases',
  );
  t.ok(first.themes.every((theme) => theme.count >= 1));
  t.equal(first.language, 'en');
  t.equal(await ai.platform.redis.get(`ai:queue:${entry.id}`), JSON.stringify('completed'), 'status in Redis');

  const changed = await ana.command(
    'PATCH',
    `/v1/entries/${entry.id}`,
    { title: 'An awful Sunday', content: 'Everything went wrong. I was miserable, exhausted and angry all day.' },
    { 'if-match': '"1"' },
  );
  const second = await settled(entry.id, (analysis) => analysis.entryVersion === changed.version);
  t.equal(second.status, 'completed');
  t.equal(second.sentiment?.label, 'negative');
  t.equal(await countEvents('EntryAnalyzed', entry.id), 2, 'one EntryAnalyzed per version');

  // Redelivery: the consumer's offsets are forgotten, so the bus hands it every event again.
  await db.deleteFrom('projection_offsets').where('projection', '=', 'ai-worker').execute();
  await waitFor(
    async () =>
      (await db
        .selectFrom('projection_offsets')
        .select('offset')
        .where('projection', '=', 'ai-worker')
        .executeTakeFirst()) ?? undefined,
    15_000,
    'the replayed offsets',
  );
  const head = Number(
    (await sql<{ head: string }>`select max(global_position) as head from events`.execute(db)).rows[0]?.head,
  );
  await waitFor(async () => (ai.worker.consumer.lastPosition() >= head ? true : undefined), 60_000, 'the replay');
  t.equal(await countEvents('EntryAnalyzed', entry.id), 2, 'a replay appends nothing');
});

t.test('private entries and private mode are never analyzed; earlier analyses are withdrawn', async (t) => {
  const secret = await ana.write({
    date: '2026-11-03',
    title: 'Private',
    content: 'Only for me, a great secret joy.',
    isPrivate: true,
  });
  const skipped = await settled(secret.id, (analysis) => analysis.status === 'skipped');
  t.same(skipped.sentiment, null);
  t.equal(await countEvents('EntryAnalyzed', secret.id), 0);

  const open = await ana.write({
    date: '2026-11-04',
    title: 'Open',
    content: 'A calm and pleasant afternoon in the garden.',
  });
  await settled(open.id, (analysis) => analysis.status === 'completed');
  const hidden = await ana.command('PATCH', `/v1/entries/${open.id}`, { isPrivate: true }, { 'if-match': '"1"' });
  const withdrawn = await waitFor(async () => {
    const analysis = (await ana.get(`/v1/entries/${open.id}/analysis`, at(hidden.position))).json<Analysis>();
    return analysis.status === 'skipped' && (await countEvents('EntryAnalysisWithdrawn', open.id)) === 1
      ? analysis
      : undefined;
  });
  t.same(withdrawn.sentiment, null, 'withdrawn when the entry became private');
  t.same(withdrawn.themes, []);

  const [carol] = await testWriters(app, 1);
  if (carol === undefined) throw new Error('writer');
  const before = await carol.write({
    date: '2026-11-05',
    title: 'Before',
    content: 'Lovely dinner with friends tonight.',
  });
  await waitFor(async () => ((await analysisOf(before.id, carol)).status === 'completed' ? true : undefined));
  await carol.command('PUT', '/v1/me/settings', {
    autoSave: true,
    privateMode: true,
    emailWeeklyInsights: false,
    emailMonthlyInsights: false,
    emailReminderToWrite: false,
  });
  await waitFor(async () => ((await countEvents('EntryAnalysisWithdrawn', before.id)) === 1 ? true : undefined));
  const during = await carol.write({ date: '2026-11-06', title: 'During', content: 'A happy, bright and joyful day.' });
  await waitFor(async () => ((await analysisOf(during.id, carol)).status === 'skipped' ? true : undefined));
  t.equal(await countEvents('EntryAnalyzed', during.id), 0, 'private mode: nothing analyzed');
  t.equal((await analysisOf(before.id, carol)).status, 'skipped', 'and the earlier analysis is gone');
});

t.test("nobody reads another user's analysis", async (t) => {
  const mine = await ana.write({ date: '2026-11-07', title: 'Mine', content: 'Good coffee this morning.' });
  await settled(mine.id, (analysis) => analysis.status === 'completed');
  const theirs = await bob.get(`/v1/entries/${mine.id}/analysis`);
  t.equal(theirs.statusCode, 404);
  t.equal((await ana.get('/v1/entries/00000000-0000-4000-8000-000000000000/analysis')).statusCode, 404);
  t.equal((await ana.get('/v1/entries/not-a-uuid/analysis')).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: `/v1/entries/${mine.id}/analysis` })).statusCode, 401);
});
