// Starts bench/serve-clustered.ts: a bench's server in `workers` processes on a free port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { freePort } from '@mindflow/core/net';

export type ClusteredJob =
  { kind: 'reads'; url: string; redis: { url: string; timeoutMs: number } } | { kind: 'commands'; url: string };

/** The server, serving on every worker; `stop` shuts it down (SIGTERM) and waits for it. */
export async function startClustered(job: ClusteredJob, workers: number) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import=tsx', '--conditions=mindflow-source', path.join(import.meta.dirname, 'serve-clustered.ts')],
    {
      env: { ...process.env, BENCH_SERVER: JSON.stringify({ ...job, port }), BENCH_WORKERS: String(workers) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('serving\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the clustered server exited with ${String(code)}: ${output}`)));
  });
  return {
    port,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
