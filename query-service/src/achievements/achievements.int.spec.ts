import { testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import { createDecoder } from '@mindflow/core/projections';
import { connectPostgres } from '@mindflow/core/postgres';
import { readWholeLog, silentLogger, waitFor } from '@mindflow/core/testing';
import { readModelProjection, rebuildProjection, readModel, writeSide } from '@mindflow/projector';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

const platform = await queryServiceForTest();
t.teardown(() => platform.close());
const write = connectPostgres('write', platform.writeUrl, 4);
const read = connectPostgres('read', platform.readUrl, 2);
t.teardown(async () => {
  await write.close();
  await read.close();
});
const [ana, bob] = await testWriters(platform.app, 2);
if (ana === undefined || bob === undefined) throw new Error('two writers');

interface Listed {
  items: { code: string; unlockedAt: string }[];
  next: { code: string; progress: number; target: number }[];
}

async function achievementsOf(writer: TestWriter): Promise<Listed> {
  const answer = await writer.get('/v1/achievements');
  if (answer.statusCode !== 200) throw new Error(answer.body);
  return answer.json<Listed>();
}

/** The writer's achievements once `count` are listed (the unlock follows the command that earned it). */
const listedWith = (writer: TestWriter, count: number) =>
  waitFor(async () => {
    const listed = await achievementsOf(writer);
    return listed.items.length >= count ? listed : undefined;
  });

/** The AchievementUnlocked events of a writer, with the event each one came with. */
async function unlocks(writer: TestWriter) {
  const log = await readWholeLog(writeSide(write.db));
  return log
    .filter((event) => event.type === 'AchievementUnlocked' && event.userId === writer.id)
    .map((event) => ({
      code: String(event.data.code),
      at: event.occurredAt.toISOString(),
      with: log.find((other) => other.transactionId === event.transactionId && other.type !== 'AchievementUnlocked')
        ?.type,
    }));
}

const day = (n: number) => `2026-01-${String(n).padStart(2, '0')}`;

t.test('unlocked at the command that earned it, once, and kept when entries go', async (t) => {
  const first = await ana.write({ date: day(1), title: 'One', content: 'The first words.' });
  let listed = await listedWith(ana, 1);
  t.same(
    listed.items.map((item) => item.code),
    ['first-entry'],
  );
  t.match(
    listed.next.find((item) => item.code === 'streak-7'),
    { progress: 1, target: 7 },
  );
  t.match(
    listed.next.find((item) => item.code === 'entries-10'),
    { progress: 1, target: 10 },
  );
  t.same(await unlocks(ana), [{ code: 'first-entry', at: listed.items[0]?.unlockedAt, with: 'EntryCreated' }]);

  // Six more days in a row: the seventh earns streak-7, in its own transaction.
  let last = first;
  for (let n = 2; n <= 7; n++) last = await ana.write({ date: day(n), title: `Day ${n}`, content: 'More words.' });
  listed = await listedWith(ana, 2);
  t.same(listed.items.map((item) => item.code).sort(), ['first-entry', 'streak-7']);
  const streak = (await unlocks(ana)).find((unlock) => unlock.code === 'streak-7');
  const seventh = (await readWholeLog(writeSide(write.db))).find(
    (event) => event.type === 'EntryCreated' && event.streamId === `entry-${last.id}`,
  );
  t.equal(streak?.at, seventh?.occurredAt.toISOString(), 'at the seventh entry, the one that earned it');

  // Deleting entries does not take an achievement back, nor unlock it again.
  const gone = await ana.command('DELETE', `/v1/entries/${last.id}`);
  const again = await ana.write({ date: day(7), title: 'Day 7 again', content: 'Rewritten.' });
  await ana.get('/v1/entries', { 'x-min-position': String(Math.max(gone.position, again.position)) });
  listed = await listedWith(ana, 2);
  t.same(listed.items.map((item) => item.code).sort(), ['first-entry', 'streak-7'], 'still both');
  t.equal((await unlocks(ana)).length, 2, 'each unlocked once in the log');

  t.same((await achievementsOf(bob)).items, [], 'another writer has none of them');
});

t.test('two first entries at once: first-entry is unlocked once', async (t) => {
  const [carla] = await testWriters(platform.app, 1);
  if (carla === undefined) throw new Error('a writer');
  const results = await Promise.allSettled(
    [10, 11, 12, 13].map((n) => carla.write({ date: day(n), title: `Same moment ${n}`, content: 'Hello.' })),
  );
  t.ok(
    results.some((result) => result.status === 'fulfilled'),
    'at least one entry written',
  );
  t.same(
    (await unlocks(carla)).map((unlock) => unlock.code),
    ['first-entry'],
    'one AchievementUnlocked, whatever the number of commands at once',
  );
});

t.test('an unlock is a notification of kind achievement', async (t) => {
  const titles = await waitFor(async () => {
    const answer = (await ana.get('/v1/notifications')).json<{ items: { kind: string; title: string }[] }>();
    const found = answer.items.filter((item) => item.kind === 'achievement').map((item) => item.title);
    return found.length >= 2 ? found.sort() : undefined;
  }, 10_000);
  t.same(titles, ['Achievement unlocked: A week in a row', 'Achievement unlocked: First entry']);
});

t.test('a rebuild of the read model gives the same achievements, at the same times', async (t) => {
  const before = await achievementsOf(ana);
  const keyring = createUserKeyring(testSecrets.masterKey);
  await rebuildProjection({
    projection: readModelProjection,
    writeDb: writeSide(write.db),
    db: readModel(read.db),
    decode: createDecoder(keyring, writeSide(write.db)),
    logger: silentLogger(),
  });
  const after = await achievementsOf(ana);
  t.same(after.items, before.items, 'same codes, same unlockedAt');
});
