import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { connectKafka, deleteTopic } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import type { EventStoreTables } from '@mindflow/core/eventstore';
import { createTestDatabase, testEngines, waitFor } from '@mindflow/core/testing';
import { sql, type Kysely } from 'kysely';
import t from 'tap';
import type { ReadModelTables } from './read-model/tables.js';
import { fromScratchSnapshot, readModelSnapshot, signedInWriters } from './testing.js';

const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const main = path.resolve(import.meta.dirname, 'main.ts');

for (const via of ['Kafka', 'the embedded bus'] as const) {
  t.test(
    `kill -9 of the projector (and its relay) at random moments loses and duplicates nothing, via ${via}`,
    async (t) => {
      const commands = await commandServiceForTest();
      const read = await createTestDatabase<ReadModelTables>('read');
      const analytics = await createTestDatabase('analytics');
      const topic = `test.events.${randomUUID()}`;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        PORT: '0',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        WRITE_DATABASE_URL: commands.url,
        READ_DATABASE_URL: read.url,
        ANALYTICS_DATABASE_URL: analytics.url,
        MINDFLOW_MASTER_KEY: testSecrets.masterKey.toString('base64'),
        MINDFLOW_JWT_SECRET: testSecrets.jwtSecret,
        ...(via === 'Kafka'
          ? {
              KAFKA_BROKERS: testEngines().kafka.brokers.join(','),
              KAFKA_EVENTS_TOPIC: topic,
              KAFKA_GROUP_PREFIX: `test.${randomUUID()}.`,
            }
          : {}),
      };
      let projector: ChildProcess | undefined;
      const start = () => {
        projector = spawn(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main], {
          env,
          stdio: 'ignore',
        });
      };
      const kill9 = async () => {
        const child = projector;
        if (child === undefined) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      };
      t.teardown(async () => {
        await kill9();
        if (via === 'Kafka') {
          const kafka = connectKafka(testEngines().kafka, logger);
          await deleteTopic(kafka.kafka, topic);
          await kafka.close();
        }
        await read.drop();
        await analytics.drop();
        await commands.close();
      });

      const tokens = (await signedInWriters(commands.app, 3)).map((writer) => writer.token);

      start();
      // A steady stream of commands (creates and edits) while the projector is killed and restarted.
      const streaming = { on: true };
      const keepGoing = () => streaming.on;
      let n = 0;
      const stream = (async () => {
        while (keepGoing()) {
          const i = n++;
          const headers = { authorization: `Bearer ${tokens[i % tokens.length] ?? ''}` };
          const created = await commands.app.inject({
            method: 'POST',
            url: '/v1/entries',
            headers,
            payload: {
              date: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
              title: `Day ${i}`,
              content: 'some words',
              mood: 'neutral',
              tags: [`t${i % 4}`],
            },
          });
          if (i % 3 === 0) {
            const { id } = created.json<{ id: string }>();
            await commands.app.inject({
              method: 'PATCH',
              url: `/v1/entries/${id}`,
              headers: { ...headers, 'if-match': '"1"' },
              payload: { mood: 'happy', tags: ['edited'] },
            });
          }
          await sleep(20);
        }
      })();
      for (let kill = 0; kill < 3; kill++) {
        await sleep(1_500 + randomInt(1_500));
        await kill9();
        start();
      }
      await sleep(1_000);
      streaming.on = false;
      await stream;
      t.ok(n > 50, `${n} create commands during the crashes`);

      // After draining, the live model equals a from-scratch build, row by row. The truth is the log as it
      // stands once nothing more is derived: the projector's notifier raises events of its own (an
      // achievement's notification), and one killed before it committed them raises them after its restart,
      // later than the last command. So the rebuild is taken again whenever the log has grown.
      let expected: Record<string, unknown[]> = {};
      let seen: string | undefined;
      const equal = await waitFor(
        async () => {
          const log = await logExtent(commands.db);
          if (log !== seen) {
            expected = await fromScratchSnapshot(commands.db, logger);
            seen = log;
          }
          return JSON.stringify(await readModelSnapshot(read.db)) === JSON.stringify(expected) ? true : undefined;
        },
        60_000,
        'the live model to equal the rebuild',
      ).catch(() => false);
      t.ok(equal, 'drained and equal');
      t.same(await readModelSnapshot(read.db), expected, 'row by row');
    },
  );
}

/** How far the log reaches: changes whenever an event is committed. */
async function logExtent<DB extends EventStoreTables>(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ extent: string }>`
    select count(*) || ':' || coalesce(max(global_position), 0) as extent from events
  `.execute(db);
  return rows[0]?.extent ?? '';
}
