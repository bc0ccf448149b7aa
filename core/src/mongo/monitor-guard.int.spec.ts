import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { isRetriable } from '../projections/retriable.js';
import { silentLogger, startTcpProxy, testEngines, uniqueName } from '../testing/index.js';
import { connectMongo } from './index.js';

/** What of the driver's monitor the test reaches into, to make one of its checks never end. */
interface MonitorInternals {
  topology?: {
    s: {
      servers: Map<string, { monitor?: { connection?: { command: () => Promise<unknown> }; requestCheck(): void } }>;
    };
  };
}

t.test(
  'a server monitor that hangs in a check is started again, and writes resume once the server is back',
  async (t) => {
    const engine = testEngines().mongo;
    const target = new URL(engine.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    target.port = String(proxy.port);
    const { client, db, close } = connectMongo({ ...engine, url: target.toString() }, silentLogger(), {
      stuckCheckMs: 1_500,
    });
    const collection = db.collection<{ n: number }>(uniqueName('guarded'));
    t.teardown(async () => {
      await proxy.restore();
      await collection.drop().catch(() => undefined);
      await close();
      await proxy.close();
    });
    await collection.insertOne({ n: 1 });

    // The driver's fault, as seen after FerretDB stopped under load: a check that never ends
    // keeps the monitor busy, so it never checks the server again.
    const server = [...((client as unknown as MonitorInternals).topology?.s.servers.values() ?? [])][0];
    const monitor = server?.monitor;
    t.ok(monitor?.connection, 'the monitor has its connection');
    if (monitor?.connection !== undefined) monitor.connection.command = () => new Promise(() => undefined);
    const checks = { started: 0, ended: 0 };
    client.on('serverHeartbeatStarted', () => (checks.started += 1));
    client.on('serverHeartbeatSucceeded', () => (checks.ended += 1));
    client.on('serverHeartbeatFailed', () => (checks.ended += 1));
    // Past the least time between two checks, one is asked for: it starts, and never ends.
    await sleep(600);
    monitor?.requestCheck();
    await sleep(200);
    t.same(checks, { started: 1, ended: 0 }, 'a check started and hangs');
    // The server goes away (every operation now marks it unknown) and comes back.
    await proxy.cut();
    const during = await collection.insertOne({ n: 2 }).catch((error: unknown) => error);
    t.ok(isRetriable(during), `a write while it is away fails as an outage (${String(during)})`);
    await sleep(2_000);
    await proxy.restore();

    const back = Date.now();
    let written = false;
    while (!written && Date.now() - back < 20_000) {
      written = await collection.insertOne({ n: 3 }).then(
        () => true,
        async () => {
          await sleep(250);
          return false;
        },
      );
    }
    t.ok(written, `writes resume (${Date.now() - back} ms after the server is back)`);
  },
);
