// bench/live: how long a write takes to reach its writer's open streams (GET /v1/stream), from
// the command's answer to the message, with 1 and with 50 streams open, against a baseline
// measured in the same run: from the same answer until a read with X-Min-Position has it (the
// read model's own lag, which an update waits for). Streams here are SSE over HTTP on the
// query service, updates through Redis (as between processes).
//   npm run bench:live        (needs the engines npm test starts; BENCH_WRITES, BENCH_STREAMS)
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { queryServiceForTest, testWriters, type TestWriter } from '@mindflow/query-service/testing';

const writes = Number(process.env.BENCH_WRITES ?? 100);
const manyStreams = Number(process.env.BENCH_STREAMS ?? 50);
const platform = await queryServiceForTest({ reads: { live: { streamsPerUser: 100, heartbeatMs: 15_000 } } });
const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
const writers = await testWriters(platform.app, 2);

/** Opens a stream for `writer`; calls `heard(position)` for each message, as it arrives. */
async function stream(writer: TestWriter, heard: (position: number) => void) {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/stream`, {
    headers: { authorization: `Bearer ${writer.token}` },
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) throw new Error(`stream: ${response.status}`);
  const reading = (async () => {
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: ({ id }) => {
        if (id !== undefined) heard(Number(id));
      },
    });
    try {
      for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // closed
    }
  })();
  return async () => {
    controller.abort();
    await reading;
  };
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const figures = (values: readonly number[]) =>
  `p50 ${quantile(values, 0.5).toFixed(1)} ms  p99 ${quantile(values, 0.99).toFixed(1)} ms`;

/** `writes` entries by the first writer, one at a time: commit → read, and commit → every stream. */
async function run(streams: number) {
  const [writer] = writers;
  if (writer === undefined) throw new Error('a writer');
  const waiting = new Map<number, { started: bigint; left: number; done: () => void }>();
  const delivered: number[] = [];
  const closers = await Promise.all(
    Array.from({ length: streams }, () =>
      stream(writer, (position) => {
        const wait = waiting.get(position);
        if (wait === undefined) return;
        wait.left -= 1;
        if (wait.left === 0) {
          delivered.push(Number(process.hrtime.bigint() - wait.started) / 1e6);
          waiting.delete(position);
          wait.done();
        }
      }),
    ),
  );
  const readable: number[] = [];
  for (let i = 0; i < writes; i++) {
    const created = await writer.write({ date: nextDate(), title: `bench ${i}`, content: 'x', mood: 'happy' });
    const started = process.hrtime.bigint();
    const all = new Promise<void>((resolve) =>
      waiting.set(created.position, { started, left: streams, done: resolve }),
    );
    await writer.get(`/v1/entries/${created.id}`, { 'x-min-position': String(created.position) });
    readable.push(Number(process.hrtime.bigint() - started) / 1e6);
    await Promise.race([all, sleep(10_000)]);
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const open = /mindflow_live_streams_open (\d+)/.exec(metrics)?.[1];
  for (const close of closers) await close();
  return { delivered, readable, open };
}

let written = 0;
/** A date of its own for each entry (one entry per day). */
function nextDate() {
  written += 1;
  return new Date(Date.UTC(2001, 0, 1) + written * 86_400_000).toISOString().slice(0, 10);
}

process.stdout.write(`${writes} writes, one at a time; Redis pub/sub between the live projection and the streams\n`);
for (const streams of [1, manyStreams]) {
  const { delivered, readable, open } = await run(streams);
  process.stdout.write(
    `${String(streams).padStart(3)} streams (open per /metrics: ${open ?? '?'}): read-your-write ${figures(readable)}; delivered to all ${figures(delivered)} (${delivered.length}/${writes}); p50 ratio delivered/read ${(quantile(delivered, 0.5) / quantile(readable, 0.5)).toFixed(2)}\n`,
  );
}
await platform.app.close();
await platform.close();
