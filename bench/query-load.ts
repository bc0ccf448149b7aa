// A closed-loop HTTP load (autocannon), run as its own process so that it does not share the
// event loop of the server it measures. Reads a JSON job on stdin, prints a JSON result.
//   { port, seconds, connections, targets: [{ path, headers }] } → { rps, p50, p99, non2xx, errors }
// Each request goes to a target picked at random.
import { text } from 'node:stream/consumers';
import autocannon from 'autocannon';

interface Job {
  port: number;
  seconds: number;
  connections: number;
  targets: { path: string; headers: Record<string, string> }[];
}

const job = JSON.parse(await text(process.stdin)) as Job;
const result = await autocannon({
  url: `http://127.0.0.1:${String(job.port)}`,
  connections: job.connections,
  duration: job.seconds,
  requests: [
    {
      setupRequest: (request) => {
        const target = job.targets[Math.floor(Math.random() * job.targets.length)];
        if (target === undefined) throw new Error('no targets');
        return { ...request, method: 'GET', path: target.path, headers: { ...request.headers, ...target.headers } };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }),
);
