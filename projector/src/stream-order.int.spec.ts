import { randomUUID } from 'node:crypto';
import { logOffset } from '@mindflow/core/bus';
import { createLogger } from '@mindflow/core/logging';
import { readWholeLog, waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { fromScratchSnapshot, projectorForTest, readModelSnapshot, signedInWriters } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

// DELETE and restore need no If-Match; with an Idempotency-Key each command writes its key's
// row (taking its transaction id) before it locks the entry. Commands that race on one entry
// that way once reached readers out of version order, and a deleted entry stayed visible.
t.test(
  'concurrent deletes and restores of one entry, each writing before it locks: readers get the versions in order and the read model equals the write model',
  async (t) => {
    const under = await projectorForTest({ kafka: false, logger });
    t.teardown(() => under.close());
    const { app, db } = under.commands;
    const [writer] = await signedInWriters(app, 1);
    if (writer === undefined) throw new Error('writer');
    const headers = () => ({ authorization: `Bearer ${writer.token}`, 'idempotency-key': randomUUID() });
    const entryIds: string[] = [];
    for (let day = 1; day <= 2; day++) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: headers(),
        payload: { date: `2026-09-0${String(day)}`, title: 'Racing', content: 'words', mood: 'happy' },
      });
      entryIds.push(created.json<{ id: string }>().id);
    }

    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const id = entryIds[Math.floor(i / 2) % entryIds.length] ?? '';
          return i % 2 === 0
            ? app.inject({ method: 'DELETE', url: `/v1/entries/${id}`, headers: headers() })
            : app.inject({ method: 'POST', url: `/v1/entries/${id}/restore`, headers: headers() });
        }),
      );
      for (const answer of answers) {
        t.ok(answer.statusCode < 500, `no 5xx (${String(answer.statusCode)})`);
      }
    }

    const events = await readWholeLog(db);
    for (const id of entryIds) {
      const versions = events.filter((event) => event.streamId === `entry-${id}`).map((event) => event.streamVersion);
      t.same(
        versions,
        versions.map((_, i) => i + 1),
        `entry ${id}: ${String(versions.length)} versions, read in order`,
      );
    }

    // Caught up once its stored offset reaches the newest event's commit-order key (positions
    // are not commit-ordered: the last event read need not hold the largest position).
    const newest = events.at(-1);
    const target =
      newest === undefined ? '' : logOffset({ transactionId: newest.transactionId, position: newest.globalPosition });
    const readModel = under.projector.projections.find((projection) => projection.name === 'read-model');
    await waitFor(
      async () => (((await readModel?.offsets())?.get('log') ?? '') >= target ? true : undefined),
      60_000,
      'the read model',
    );
    const written = await db
      .selectFrom('journal_entries')
      .select(['id', 'version', 'deleted_at'])
      .where('id', 'in', entryIds)
      .orderBy('id')
      .execute();
    const viewed = await under.read.db
      .selectFrom('journal_view')
      .select(['entry_id as id', 'version', 'deleted_at'])
      .where('entry_id', 'in', entryIds)
      .orderBy('entry_id')
      .execute();
    const state = (rows: readonly { id: string; version: number; deleted_at: Date | null }[]) =>
      rows.map(({ id, version, deleted_at }) => ({ id, version, deleted: deleted_at !== null }));
    t.same(state(viewed), state(written), 'the read model shows what the write model holds: versions, deleted or not');
    t.same(await readModelSnapshot(under.read.db), await fromScratchSnapshot(db, logger), 'and equals a fresh rebuild');
  },
);
