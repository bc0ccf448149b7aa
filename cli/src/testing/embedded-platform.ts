import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@mindflow/core/testing';
import { freePort } from '@mindflow/core/net';

const main = path.resolve(import.meta.dirname, '../main.ts');

export interface EmbeddedPlatform {
  /** http://127.0.0.1:PORT */
  readonly base: string;
  /** The last 20,000 characters it printed. */
  readonly log: () => string;
  /** Runs a `mindflow` command on its data (admin grant, analytics min-group-size, ...). */
  readonly cli: (args: readonly string[]) => { readonly status: number | null; readonly output: string };
  /** The same, without blocking this process (whose servers, e.g. a test SMTP server, must go on answering). */
  readonly cliAsync: (args: readonly string[]) => Promise<{ readonly status: number | null; readonly output: string }>;
  /** Kills it (SIGKILL: no shutdown of any kind) and starts it again on the same data, ready. */
  readonly restart: () => Promise<void>;
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
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000));
  const launch = () => {
    const started = spawn(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main, 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    return started;
  };
  let child = launch();
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const close = async () => {
    await kill();
    await rm(dataDir, { recursive: true, force: true });
  };
  const ready = async () => {
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
  };
  await ready();
  const restart = async () => {
    await kill();
    child = launch();
    await ready();
  };
  const cli = (args: readonly string[]) => {
    const run = spawnSync(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main, ...args], {
      env,
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };
  const cliAsync = (args: readonly string[]) =>
    new Promise<{ status: number | null; output: string }>((resolve) => {
      const run = spawn(process.execPath, ['--import=tsx', '--conditions=mindflow-source', main, ...args], { env });
      let output = '';
      run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      run.once('close', (status) => resolve({ status, output }));
    });
  return { base, log: () => log, cli, cliAsync, restart, close };
}
