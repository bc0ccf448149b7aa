import { randomUUID } from 'node:crypto';
import { connectKafka } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import { refusedPort, silentServer, testEngines, waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { assertTarget, ceilings } from './report.js';
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
  const server = await silentServer();
  t.teardown(() => server.close());
  return server.port;
}
t.test(
  'a projection process restarted after kill -9, its dead member still in its groups, answers /healthz within 5 s',
  async (t) => {
    const restarted = await stack.start('projections', 'projections-restarted');
    const ms = await restarted.healthy(ceilings.restartMs);
    assertTarget(t, '/healthz after the spawn', ms, targetMs);
    await restarted.kill9();
  },
);

t.test('a projector restarted while Kafka refuses connections answers /healthz within 5 s', async (t) => {
  // Port 1: nothing listens there.
  const projector = await stack.start('projections', 'projector-kafka-refused', {
    KAFKA_BROKERS: '127.0.0.1:1',
    PROJECTOR_ROLE: 'all',
  });
  const ms = await projector.healthy(ceilings.restartMs);
  assertTarget(t, '/healthz after the spawn', ms, targetMs);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.same(projector.crashes, [], 'it does not exit while Kafka is away');
  await projector.kill9();
});

t.test('a projector restarted while Kafka accepts and never answers answers /healthz within 5 s', async (t) => {
  const projector = await stack.start('projections', 'projector-kafka-silent', {
    KAFKA_BROKERS: `127.0.0.1:${await silentPort()}`,
    PROJECTOR_ROLE: 'all',
  });
  const ms = await projector.healthy(ceilings.restartMs);
  assertTarget(t, '/healthz after the spawn', ms, targetMs);
  t.same(projector.crashes, [], 'it does not exit while Kafka is away');
  await projector.kill9();
});

/**
 * The engines a start must not wait for, besides Kafka, the variable that points at each, and
 * the services that use it (the command service's only use of MongoDB is the audit store).
 */
const awayEngines = [
  {
    engine: 'Elasticsearch',
    variable: 'ELASTICSEARCH_URL',
    url: (port: number) => `http://127.0.0.1:${port}`,
    services: ['query-service', 'projections'],
  },
  {
    engine: 'MongoDB',
    variable: 'MONGODB_URL',
    url: (port: number) => `mongodb://127.0.0.1:${port}/`,
    services: ['command-service', 'query-service', 'projections'],
  },
] as const;

const ways = [
  { way: 'refuses connections', port: refusedPort },
  { way: 'accepts and never answers', port: silentPort },
] as const;

/** Milliseconds from the process's spawn until a registration (a command) was answered 201. */
async function commandServed(url: string, spawnedAt: number, deadlineMs: number): Promise<number> {
  await waitFor(
    async () => {
      const response = await fetch(`${url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `${randomUUID()}@example.com`,
          password: 'correct horse battery',
          displayName: 'Fast start',
          timezone: 'UTC',
          consent: { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false },
        }),
        signal: AbortSignal.timeout(2_000),
      }).catch(() => undefined);
      return response?.status === 201 ? true : undefined;
    },
    Math.max(1, deadlineMs - (performance.now() - spawnedAt)),
    'a registration to be answered 201',
  );
  return Math.round(performance.now() - spawnedAt);
}

/**
 * On a shared 2-core machine under load, a service's start alone (loading its modules, building
 * its routes) can take about 5 s with every engine up. So the bound is the target, or the same
 * service's start with every engine up, measured just before, plus a margin: an engine that is
 * away may add at most that margin to a start.
 */
const marginMs = 1_000;
async function baseline(service: 'command-service' | 'query-service' | 'projections'): Promise<number> {
  const started = await stack.start(
    service,
    `${service}-baseline`,
    service === 'projections' ? { PROJECTOR_ROLE: 'all' } : {},
  );
  const ms = await started.healthy();
  await started.kill9();
  t.comment(`fault-figures fast start: ${service} with every engine up: /healthz after ${ms} ms`);
  return ms;
}

// One process at a time, so that each start has the machine's cores to itself.
for (const { engine, variable, url, services } of awayEngines) {
  for (const { way, port } of ways) {
    for (const service of services) {
      t.test(`${service} started while ${engine} ${way} answers /healthz within 5 s`, async (t) => {
        const bound = Math.max(targetMs, (await baseline(service)) + marginMs);
        const away = { [variable]: url(await port()) };
        const spawnedAt = performance.now();
        const started = await stack.start(service, `${service}-${engine}-${way}`, {
          ...away,
          ...(service === 'projections' ? { PROJECTOR_ROLE: 'all' } : {}),
        });
        const ms = await started.healthy(ceilings.restartMs);
        assertTarget(t, '/healthz after the spawn', ms, bound);
        t.comment(`fault-figures fast start: ${service} with ${engine} that ${way}: /healthz after ${ms} ms`);
        if (service === 'command-service') {
          const served = await commandServed(stack.url(started), spawnedAt, ceilings.restartMs);
          assertTarget(t, 'a command answered 201 after the spawn', served, bound);
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        t.same(started.crashes, [], `it does not exit while ${engine} is away`);
        await started.kill9();
      });
    }
  }
}
