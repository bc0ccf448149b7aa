import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { waitFor } from '@mindflow/core/testing';
import { testSecrets } from '@mindflow/command-service/testing';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import t from 'tap';
import { projectorDatabases } from './database.js';
import { startProjector } from './service.js';
import { projectorForTest, signedInWriters } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

/** The value of mindflow_projection_lag_events for each projection in a registry. */
async function lagEvents(registry: Registry): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('mindflow_projection_lag_events')?.get();
  return new Map((metric?.values ?? []).map((value) => [String(value.labels.projection), value.value]));
}

t.test(
  'two processes on the same engines, one having applied everything: both report every projection 0 behind',
  async (t) => {
    const first = new Registry();
    const platform = await projectorForTest({ kafka: false, logger, registry: first });
    t.teardown(() => platform.close());
    const [writer] = await signedInWriters(platform.commands.app, 1);
    for (let day = 1; day <= 5; day++) {
      const created = await platform.commands.app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${writer?.token ?? ''}` },
        payload: { date: `2026-03-0${day}`, title: `Day ${day}`, content: 'words', mood: 'happy' },
      });
      t.equal(created.statusCode, 201);
    }
    // The first process applies everything: every projection's stored offset reaches the head.
    const names = platform.projector.projections.map((projection) => projection.name);
    const atHead = async () => {
      const head = await sql<{ head: string }>`select max(global_position)::text as head from events`.execute(
        platform.commands.db,
      );
      const rows = await platform.read.db
        .selectFrom('projection_offsets')
        .select(['projection', 'offset'])
        .where('partition', '=', 'log')
        .execute();
      const analytics = await platform.analytics.db
        .selectFrom('projection_offsets')
        .select(['projection', 'offset'])
        .where('partition', '=', 'log')
        .execute();
      const stored = new Map([...rows, ...analytics].map((row) => [row.projection, row.offset]));
      const position = Number(head.rows[0]?.head ?? 0);
      return names.every((name) => Number(stored.get(name)?.split(':')[1] ?? -1) >= position) ? true : undefined;
    };
    await waitFor(atHead, 20_000, 'every stored offset at the head');

    // A second process on the same engines finds nothing left to apply.
    const write = connectPostgres('write', platform.commands.url, 3);
    const read = connectPostgres('read', platform.read.url, 3);
    const analytics = connectPostgres('analytics', platform.analytics.url, 3);
    const second = new Registry();
    const other = await startProjector({
      ...projectorDatabases(write.db, read.db, analytics.db),
      writeUrl: platform.commands.url,
      kafka: undefined,
      secrets: testSecrets,
      logger,
      registry: second,
    });
    t.teardown(async () => {
      await other.stop();
      await write.close();
      await read.close();
      await analytics.close();
    });

    for (const [which, registry] of [
      ['the first', first],
      ['the second', second],
    ] as const) {
      const lags = await waitFor(
        async () => {
          const measured = await lagEvents(registry);
          return names.every((name) => measured.get(name) === 0) ? measured : undefined;
        },
        8_000,
        `${which} process reporting 0 behind for every projection`,
      ).catch(async (error: unknown) => {
        t.fail(`${String(error)}: ${JSON.stringify(Object.fromEntries(await lagEvents(registry)))}`);
        return undefined;
      });
      if (lags !== undefined)
        t.same(
          [...lags.values()],
          names.map(() => 0),
          `${which}: every projection at the head`,
        );
    }
    for (const check of [...platform.projector.readiness, ...other.readiness]) {
      await t.resolves(check.check(), `${check.name} ready`);
    }
  },
);
