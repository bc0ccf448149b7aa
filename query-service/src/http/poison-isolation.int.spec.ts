import { connectPostgres } from '@mindflow/core/postgres';
import { waitFor } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { queryServiceForTest, testReads, testWriters } from '../testing.js';

// One user's event that the read model cannot store must not hold back another user's
// read-your-writes. The platform runs as `npm start` does (one log for every user, the
// projection runtime's own tries and back-offs); the read database refuses every journal_view
// row of user A, by a trigger, with the SQLSTATE under test. Meanwhile user B writes and reads
// with X-Min-Position: each read must answer 200 with B's entry, well within the read wait, and
// A's event must end in dead_letters.
const platform = await queryServiceForTest();
t.teardown(platform.close);
const read = connectPostgres('read', platform.readUrl, 2);
t.teardown(() => read.close());

const refusals = [
  // Neither retriable nor bad data: tried again, then dead-lettered.
  ['P0001', 'an error of its own (raise_exception)'],
  // Retriable codes, but the store answers everything else: the event's failure, not an outage.
  ['40001', 'a serialization failure'],
  ['57014', 'a statement timeout'],
] as const;

for (const [sqlstate, what] of refusals) {
  t.test(`A's event refused with ${sqlstate} (${what}): B still reads its own writes`, async (t) => {
    const [ana, bob] = await testWriters(platform.app, 2);
    if (ana === undefined || bob === undefined) throw new Error('writers');
    const trigger = `refuse_${sqlstate.toLowerCase()}`;
    await sql
      .raw(
        `create function ${trigger}() returns trigger language plpgsql as $$
         begin
           if new.user_id = '${ana.id}' then raise exception 'refused for the test' using errcode = '${sqlstate}'; end if;
           return new;
         end $$;
         create trigger ${trigger} before insert or update on journal_view for each row execute function ${trigger}();`,
      )
      .execute(read.db);
    t.teardown(() => sql.raw(`drop trigger ${trigger} on journal_view; drop function ${trigger}();`).execute(read.db));

    await ana.write({ date: '2026-12-01', title: 'Poison' });
    const slowest = { ms: 0 };
    for (let round = 0; round < 4; round++) {
      const written = await bob.write({ date: `2026-12-0${String(round + 1)}`, title: `Bob ${String(round)}` });
      const started = Date.now();
      const response = await bob.get('/v1/entries', { 'x-min-position': String(written.position) });
      const ms = Date.now() - started;
      slowest.ms = Math.max(slowest.ms, ms);
      t.equal(
        response.statusCode,
        200,
        `B's read ${String(round + 1)}: ${String(response.statusCode)} in ${String(ms)} ms`,
      );
      if (response.statusCode === 200) {
        const ids = response.json<{ items: { id: string }[] }>().items.map((item) => item.id);
        t.ok(ids.includes(written.id), "with B's entry");
      }
    }
    t.ok(slowest.ms < testReads.waitMs / 2, `slowest read ${String(slowest.ms)} ms, under half the wait`);

    const dead = await waitFor(
      async () =>
        (
          await sql<{ attempts: number; type: string }>`
            select attempts, event->>'type' as type from dead_letters
            where projection = 'read-model' and event->>'userId' = ${ana.id}
          `.execute(read.db)
        ).rows[0],
      30_000,
      "A's event in dead_letters",
    );
    t.equal(dead.type, 'EntryCreated');
    t.ok(dead.attempts >= 1, `A's event dead-lettered after ${String(dead.attempts)} tries`);
  });
}
