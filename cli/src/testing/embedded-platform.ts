import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@mindflow/core/testing';

const main = path.resolve(import.meta.dirname, '../main.ts');

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface EmbeddedPlatform {
  /** http://127.0.0.1:PORT */
  readonly base: string;
  /** The last 20,000 characters it printed. */
  readonly log: () => string;
  /** Runs a `mindflow` command on its data (admin grant, analytics min-group-size, ...). */
  readonly cli: (args: readonly string[]) => { readonly status: number | null; readonly output: string };
  /** Kills it and removes its data directory. */
  readonly close: () => Promise<void>;
}

/**
 * `mindflow start` as a writer runs it (embedded PostgreSQL, no engine URLs, a fresh data
 * directory), ready (`/readyz` 200) within 90 s; the error of a time-out ends with its output.
 */
export async function startEmbeddedPlatform(extraEnv: NodeJS.ProcessEnv = {}): Promise<EmbeddedPlatform> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mindflow-platform-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MINDFLOW_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main, 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
      90_000,
      '/readyz',
    );
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n${log.slice(-3000)}`);
  }
  const cli = (args: readonly string[]) => {
    const run = spawnSync(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main, ...args], {
      env,
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };
  return { base, log: () => log, cli, close };
}
