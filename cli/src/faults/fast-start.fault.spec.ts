import { createServer, type Socket } from 'node:net';
import { connectKafka } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import { testEngines, waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { faultStack } from './stack.js';

// A (re)started process serves HTTP as soon as the write database answers: Kafka, its group
// joins and the relay come up in the background. Target: /healthz within 5 s of the start,
// counted from the spawn of the built service. A fault file: it runs alone, after the other suites, so the machine's load does not decide the figure.
const targetMs = 5_000;
const stack = await faultStack();
t.teardown(() => stack.close());
const commands = await stack.start('command-service');
await commands.healthy();
// A first run of the projection process sets up what a restart finds in place (analytics
// partitions, the search index, its groups), then dies without leaving its groups.
const projections = await stack.start('projections');
await projections.healthy();
const kafka = connectKafka(testEngines().kafka, createLogger({ level: 'silent', pretty: false }, 'test'));
const admin = kafka.kafka.admin();
await admin.connect();
t.teardown(async () => {
  await admin.disconnect();
  await kafka.close();
});
await waitFor(
  async () => {
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((id) => id.startsWith(stack.groupPrefix));
    if (groups.length < 5) return undefined;
    const described = await admin.describeGroups(groups);
    return described.groups.every((group) => group.state === 'Stable' && group.members.length > 0) ? true : undefined;
  },
  90_000,
  'the projection groups to be stable',
);
await projections.kill9();

/** A port that accepts connections and never answers (the worst case for a client's time-outs). */
async function silentPort(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

t.test(
  'a projection process restarted after kill -9, its dead member still in its groups, answers /healthz within 5 s',
  async (t) => {
    const restarted = await stack.start('projections', 'projections-restarted');
    const ms = await restarted.healthy(targetMs);
    t.ok(ms <= targetMs, `/healthz after ${ms} ms`);
    await restarted.kill9();
  },
);

t.test('a projector restarted while Kafka refuses connections answers /healthz within 5 s', async (t) => {
  // Port 1: nothing listens there.
  const projector = await stack.start('projections', 'projector-kafka-refused', {
    KAFKA_BROKERS: '127.0.0.1:1',
    PROJECTOR_ROLE: 'all',
  });
  const ms = await projector.healthy(targetMs);
  t.ok(ms <= targetMs, `/healthz after ${ms} ms`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.same(projector.crashes, [], 'it does not exit while Kafka is away');
  await projector.kill9();
});

t.test('a projector restarted while Kafka accepts and never answers answers /healthz within 5 s', async (t) => {
  const projector = await stack.start('projections', 'projector-kafka-silent', {
    KAFKA_BROKERS: `127.0.0.1:${await silentPort()}`,
    PROJECTOR_ROLE: 'all',
  });
  const ms = await projector.healthy(targetMs);
  t.ok(ms <= targetMs, `/healthz after ${ms} ms`);
  t.same(projector.crashes, [], 'it does not exit while Kafka is away');
  await projector.kill9();
});
