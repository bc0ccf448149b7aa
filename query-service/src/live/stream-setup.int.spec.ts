import { setTimeout as sleep } from 'node:timers/promises';
import type { LiveHub } from '@mindflow/core/live';
import { waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';

// A client that goes away while its stream is still being set up: between the hub's two steps
// (taking the stream's place, then subscribing), each of which waits on Redis. The hub is the
// real one on the test Redis; the test only holds one of its answers until the client is gone.

type Step = 'open' | 'listen';
let held: { step: Step; reached: () => void; release: Promise<void> } | undefined;
let listening = 0;
let stopped = 0;
let hub: LiveHub | undefined;

/** Holds the answer of the hub's next `step` (after Redis gave it) until `release` is called. */
function hold(step: Step) {
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const atStep = new Promise<void>((resolve) => (reached = resolve));
  held = { step, reached, release: new Promise<void>((resolve) => (release = resolve)) };
  return { atStep, release };
}
async function pass(step: Step) {
  const gate = held;
  if (gate?.step !== step) return;
  held = undefined;
  gate.reached();
  await gate.release;
}

const platform = await queryServiceForTest({
  reads: { live: { streamsPerUser: 1, heartbeatMs: 200 } },
  streamsHub: (real) => {
    hub = real;
    return {
      ...real,
      open: async (...args) => {
        const opened = await real.open(...args);
        await pass('open');
        return opened;
      },
      listen: async (...args) => {
        const stop = await real.listen(...args);
        listening += 1;
        await pass('listen');
        return async () => {
          stopped += 1;
          await stop();
        };
      },
    };
  },
});
t.teardown(() => platform.close());
const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
const [writer] = await testWriters(platform.app, 1);
if (writer === undefined || hub === undefined) throw new Error('a writer and the hub');
const realHub = hub;
const headers = { authorization: `Bearer ${writer.token}` };

async function streamsOpenHere(): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  return Number(/^mindflow_live_streams_open (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
}

for (const step of ['open', 'listen'] as const) {
  t.test(
    `a client gone while its stream ${step === 'open' ? 'takes its place' : 'subscribes'} frees everything`,
    async (t) => {
      const gate = hold(step);
      const client = new AbortController();
      const asked = fetch(`${base}/v1/stream`, { headers, signal: client.signal }).catch(() => undefined);
      await gate.atStep;
      client.abort();
      await asked;
      await sleep(100); // the server sees the socket close
      gate.release();

      // Several heartbeats later, the place is free (a heartbeat would have kept it), the stream
      // counted nowhere, and the hub no longer listens for it.
      await sleep(1_000);
      t.equal(await realHub.openCount(writer.id), 0, 'its place in the registry is free');
      t.equal(await streamsOpenHere(), 0, 'not counted as open');
      t.equal(stopped, listening, 'every subscription the hub made is stopped');
      const next = new AbortController();
      const again = await fetch(`${base}/v1/stream`, { headers, signal: next.signal });
      t.equal(again.status, 200, 'the writer’s one stream opens');
      next.abort();
      await again.body?.cancel().catch(() => undefined);
      await waitFor(async () => ((await realHub.openCount(writer.id)) === 0 ? true : undefined), 3_000, 'closed');
    },
  );
}
