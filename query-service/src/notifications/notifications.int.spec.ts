import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import { insightStream } from '@mindflow/core/domain';
import { readStream } from '@mindflow/core/eventstore';
import { connectPostgres } from '@mindflow/core/postgres';
import { appendDerived, type WriteTables } from '@mindflow/core/write-model';
import { sql, type Kysely } from 'kysely';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

const platform = await queryServiceForTest();
t.teardown(() => platform.close());
const [alice, bob] = await testWriters(platform.app, 2);
if (alice === undefined || bob === undefined) throw new Error('two writers');
const writeSide = connectPostgres('write', platform.writeUrl, 2);
t.teardown(() => writeSide.close());
const write = { db: writeSide.db as Kysely<WriteTables> };
const keyring = createUserKeyring(testSecrets.masterKey);

interface Listed {
  items: {
    id: string;
    kind: string;
    severity: string | null;
    title: string;
    subjectId: string | null;
    readAt: string | null;
  }[];
  unread: number;
  nextCursor: string | null;
}

/** An insight as the ai-worker writes it: its figures decide the notification's severity. */
async function insightWritten(
  writer: TestWriter,
  moods: { positive: number; negative: number },
  milestones: string[] = [],
) {
  const insightId = randomUUID();
  const appended = await write.db.transaction().execute((trx) =>
    appendDerived(trx, keyring, {
      streamId: insightStream(insightId),
      userId: writer.id,
      type: 'InsightGenerated',
      data: {
        insightId,
        kind: 'weekly',
        from: '2026-03-02',
        to: '2026-03-08',
        summary: 'A week of walks.',
        stats: { entries: 3, moods: { ...moods, neutral: 100 - moods.positive - moods.negative }, milestones },
      },
      at: new Date(),
    }),
  );
  return { insightId, position: appended.position };
}

/** The writer's notifications once the one about `subjectId` is listed (5 s at most). */
async function listedWith(writer: TestWriter, subjectId: string, query = ''): Promise<Listed> {
  for (let waited = 0; ; waited += 100) {
    const response = await writer.get(`/v1/notifications${query}`);
    const listed = response.json<Listed>();
    if (listed.items.some((item) => item.subjectId === subjectId) || waited > 5_000) return listed;
    await sleep(100);
  }
}

t.test('an insight written raises one notification with its severity; read once, it is read', async (t) => {
  const gloomy = await insightWritten(alice, { positive: 10, negative: 60 });
  const listed = await listedWith(alice, gloomy.insightId);
  const notification = listed.items.find((item) => item.subjectId === gloomy.insightId);
  t.match(notification, {
    kind: 'insight-ready',
    severity: 'attention',
    title: 'Your weekly insight is ready',
    readAt: null,
  });
  t.equal(listed.unread, 1);

  const bright = await insightWritten(alice, { positive: 80, negative: 0 });
  const plain = await insightWritten(alice, { positive: 40, negative: 20 });
  const milestone = await insightWritten(alice, { positive: 40, negative: 20 }, ['entries-10']);
  const all = await listedWith(alice, milestone.insightId);
  const severityOf = (insightId: string) => all.items.find((item) => item.subjectId === insightId)?.severity;
  t.same(
    [severityOf(bright.insightId), severityOf(plain.insightId), severityOf(milestone.insightId)],
    ['notable', 'info', 'notable'],
    'mostly positive and a milestone are notable; the rest is info',
  );
  t.equal(all.unread, 4);
  t.same(
    all.items.map((item) => item.subjectId),
    [milestone.insightId, plain.insightId, bright.insightId, gloomy.insightId].filter((id) =>
      all.items.some((item) => item.subjectId === id),
    ),
    'newest first',
  );

  const id = notification?.id ?? '';
  t.equal((await bob.get(`/v1/notifications`)).json<Listed>().items.length, 0, "bob sees none of alice's");
  const stolen = await bob.command('POST', `/v1/notifications/${id}/read`).catch((error: unknown) => error);
  t.match(String(stolen), /404/, "bob cannot read alice's: 404");

  const read = await alice.command('POST', `/v1/notifications/${id}/read`);
  const again = await alice.command('POST', `/v1/notifications/${id}/read`);
  t.equal(again.version, read.version, 'reading it again changes nothing');
  const after = (await alice.get('/v1/notifications', { 'x-min-position': String(read.position) })).json<Listed>();
  t.ok(after.items.find((item) => item.id === id)?.readAt, 'it is read');
  t.equal(after.unread, 3);
  const unreadOnly = (await alice.get('/v1/notifications?unread=true')).json<Listed>();
  t.notOk(
    unreadOnly.items.some((item) => item.id === id),
    'the unread filter leaves it out',
  );
});

t.test('the insight delivered again (a replay) raises nothing twice', async (t) => {
  const { insightId } = await insightWritten(bob, { positive: 50, negative: 10 });
  await listedWith(bob, insightId);
  const notifier = platform.projections().find((projection) => projection.name === 'notifier');
  t.ok(notifier, 'the notifier is hosted with the other projections');
  const [event] = await readStream(write.db, insightStream(insightId));
  if (notifier === undefined || event === undefined) return;
  await notifier.replay(event);
  await notifier.replay(event);
  await sleep(300);
  const listed = await listedWith(bob, insightId);
  t.equal(listed.items.filter((item) => item.subjectId === insightId).length, 1, 'one notification');
  t.equal(listed.unread, 1);
});

t.test('pages: keyset cursor, a cursor no page gave out is 422', async (t) => {
  const first = (await alice.get('/v1/notifications?limit=2')).json<Listed>();
  t.equal(first.items.length, 2);
  t.ok(first.nextCursor);
  const second = (await alice.get(`/v1/notifications?limit=2&cursor=${first.nextCursor ?? ''}`)).json<Listed>();
  t.equal(second.items.length, 2);
  t.same(
    second.items.filter((item) => first.items.some((seen) => seen.id === item.id)),
    [],
    'no notification on both pages',
  );
  const forged = await alice.get(`/v1/notifications?cursor=${Buffer.from('["x","y"]').toString('base64url')}`);
  t.equal(forged.statusCode, 422);
});

t.test("erasure removes a user's notifications", async (t) => {
  const read = connectPostgres('read', platform.readUrl, 1);
  t.teardown(() => read.close());
  const count = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from notification_view where user_id = ${alice.id}`.execute(
          read.db,
        )
      ).rows[0]?.n,
    );
  t.ok((await count()) > 0, 'alice has notifications');
  const erased = await alice.command('DELETE', '/v1/me', { password: 'correct horse battery' });
  for (let waited = 0; (await count()) > 0 && waited < 5_000; waited += 100) await sleep(100);
  t.equal(await count(), 0, 'none left once the erasure is projected');
  t.ok(erased.position > 0);
});
