import { setTimeout as sleep } from 'node:timers/promises';
import { testEngines, waitFor } from '@mindflow/core/testing';
import { connectKafka } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import { AssignerProtocol } from 'kafkajs';
import t from 'tap';
import { crashCount, settle, startFaultPlatform } from './platform.js';
import { assertGuarantees, reportFigures } from './report.js';

// Two projection processes on Kafka share the partitions of every projection's consumer group.
// kill -9 of one under write load: the other takes its partitions over, and every store holds
// each acknowledged command exactly once.
t.setTimeout(600_000);
const platform = await startFaultPlatform({ projections: 2, writers: 8 });
t.teardown(() => platform.close());
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const kafka = connectKafka(testEngines().kafka, logger);
t.teardown(() => kafka.close());

const projectionNames = ['read-model', 'analytics', 'cache', 'search', 'audit'];

/** For each projection's consumer group: its members and the partitions each holds. */
async function assignments(): Promise<Record<string, number[][]>> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups(
      projectionNames.map((name) => `${platform.stack.groupPrefix}${name}`),
    );
    return Object.fromEntries(
      groups.map((group) => [
        group.groupId.slice(platform.stack.groupPrefix.length),
        group.members.map((member) => {
          const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          return (decoded?.assignment[platform.stack.topic] ?? []).slice().sort((a, b) => a - b);
        }),
      ]),
    );
  } finally {
    await admin.disconnect();
  }
}

const shared = (groups: Record<string, number[][]>, members: number) =>
  projectionNames.every((name) => {
    const held = groups[name] ?? [];
    return held.length === members && held.flat().length === 6 && held.every((partitions) => partitions.length > 0);
  });

t.test('kill -9 of one of two projection processes: the other takes its partitions over, exactly once', async (t) => {
  const crashesBefore = crashCount(platform);
  const before = await waitFor(
    async () => {
      const groups = await assignments();
      return shared(groups, 2) ? groups : undefined;
    },
    60_000,
    'both projection processes to hold partitions of every group',
  );
  const [victim, survivor] = platform.projections;
  if (victim === undefined || survivor === undefined) throw new Error('two projection processes');
  const load = platform.load();
  await sleep(8_000);
  await victim.kill9();
  const killed = Date.now();
  await sleep(10_000);
  await load.stop();
  const figures = await settle(platform, load, 'one of two projectors kill -9', killed, { crashesBefore });
  const after = await assignments();
  const takeover = shared(after, 1);
  reportFigures(t, figures);
  t.comment(
    `fault-figures ${figures.scenario}: partitions per member before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
  );
  t.ok(takeover, `the survivor holds all 6 partitions of every group: ${JSON.stringify(after)}`);
  t.ok(survivor.alive(), 'the survivor runs');
  assertGuarantees(t, figures);
});
