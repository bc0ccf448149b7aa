// An open-loop HTTP load generator, run as its own process so it does not share the event
// loop of the server it measures. Reads a JSON job on stdin, prints a JSON result.
//   { port, rate, seconds, tokens: string[], firstDay } → { achieved, p50, p99, failures }
import { Agent, request } from 'node:http';
import { text } from 'node:stream/consumers';

interface Job {
  port: number;
  rate: number;
  seconds: number;
  tokens: string[];
  firstDay: number;
}

const job = JSON.parse(await text(process.stdin)) as Job;
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const content = 'Today I walked by the river and thought about the week. '.repeat(8);

function post(body: unknown, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: job.port,
        path: '/v1/entries',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const total = job.rate * job.seconds;
const latencies: number[] = [];
let failures = 0;
const started = performance.now();
const inflight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const scheduled = started + (i * 1000) / job.rate;
  const wait = scheduled - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  const n = job.firstDay + i;
  const users = job.tokens.length;
  const date = new Date(Date.UTC(2000, 0, 1) + Math.floor(n / users) * 86_400_000).toISOString().slice(0, 10);
  const body = { date, title: 'A day', content, mood: 'happy', tags: ['bench', 'walk'] };
  inflight.push(
    post(body, job.tokens[n % users] ?? '').then(
      (status) => {
        if (status !== 201) failures++;
        latencies.push(performance.now() - scheduled);
      },
      () => {
        failures++;
      },
    ),
  );
}
await Promise.all(inflight);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
process.stdout.write(JSON.stringify({ achieved: (total - failures) / elapsed, p50: at(50), p99: at(99), failures }));
agent.destroy();
