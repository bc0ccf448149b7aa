import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { testSecrets } from '@mindflow/command-service/testing';
import type { AnalyticsProjectionTables, ReadModelTables, WriteSide } from '@mindflow/projector';
import { connectKafka, deleteTopic } from '@mindflow/core/kafka';
import { createLogger } from '@mindflow/core/logging';
import { connectMongo } from '@mindflow/core/mongo';
import { createTestDatabase, silentLogger, testEngines, waitFor, type TestDatabase } from '@mindflow/core/testing';
import { freePort } from '@mindflow/core/net';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const infra = path.join(root, 'infra/local');

/** The processes of the full stack a fault test starts; `relay` and `projections` are the projector's two roles. */
export type Service = 'command-service' | 'query-service' | 'relay' | 'projections';

/** The engines a fault test may stop: every one but the write database's PostgreSQL. */
export type Engine = 'kafka' | 'elasticsearch' | 'ferretdb' | 'redis';

// The built services (npm test builds them first), as production runs them: a restart's
// time is the service's own, not a TypeScript loader's.
const mains: Record<Service, string> = {
  'command-service': 'command-service/dist/main.js',
  'query-service': 'query-service/dist/main.js',
  relay: 'projector/dist/main.js',
  projections: 'projector/dist/main.js',
};

/** One child process of the stack, restarted on exit as a supervisor would (each exit is counted). */
export interface ServiceProcess {
  readonly service: Service;
  readonly name: string;
  readonly port: number;
  /** Exits the test did not cause (crashes), with their code or signal. */
  readonly crashes: string[];
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** The file that holds all it wrote (every run of it), kept after the test. */
  readonly logFile: string;
  /** Milliseconds from (re)start until /healthz answered 200. */
  healthy(timeoutMs?: number): Promise<number>;
  /** kill -9, then start again at once (not waiting for health). */
  kill9AndRestart(): Promise<void>;
  /** kill -9 and leave it dead. */
  kill9(): Promise<void>;
  alive(): boolean;
}

export interface FaultStack {
  readonly runId: string;
  readonly write: TestDatabase<WriteSide>;
  readonly read: TestDatabase<ReadModelTables>;
  readonly analytics: TestDatabase<AnalyticsProjectionTables>;
  readonly topic: string;
  readonly groupPrefix: string;
  readonly mongoDatabase: string;
  readonly masterKey: Buffer;
  /**
   * Starts a service as a child process on a port of its own; `name` tells two of one service
   * apart; `env` overrides the stack's environment (e.g. KAFKA_BROKERS pointing nowhere).
   */
  start(service: Service, name?: string, env?: NodeJS.ProcessEnv): Promise<ServiceProcess>;
  url(process: ServiceProcess): string;
  /** Every process started so far. */
  processes(): readonly ServiceProcess[];
  close(): Promise<void>;
}

/**
 * Databases, a Kafka topic and consumer groups, and a MongoDB database of the test's own, with
 * the environment every child process of the stack shares (one master key, one JWT secret).
 * The engines are the ones `infra/local/env` names (npm test starts them).
 */
export async function faultStack(): Promise<FaultStack> {
  const engines = testEngines();
  const runId = randomUUID().slice(0, 8);
  // Every process's whole output, kept for a failure's post-mortem (the test prints the path).
  const logDir = path.join(tmpdir(), 'mindflow-faults', runId);
  mkdirSync(logDir, { recursive: true });
  const write = await createTestDatabase<WriteSide>('write');
  const read = await createTestDatabase<ReadModelTables>('read');
  const analytics = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  const topic = `test.faults.${runId}`;
  const groupPrefix = `test.faults.${runId}.`;
  const mongoDatabase = `test_faults_${runId}`;
  // The test process's secrets: its rebuilds from scratch decode what the children sealed.
  const { masterKey, jwtSecret } = testSecrets;
  const env = (service: Service, port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    WRITE_DATABASE_URL: write.url,
    READ_DATABASE_URL: read.url,
    ANALYTICS_DATABASE_URL: analytics.url,
    DATABASE_POOL_SIZE: '5',
    KAFKA_BROKERS: engines.kafka.brokers.join(','),
    KAFKA_EVENTS_TOPIC: topic,
    KAFKA_GROUP_PREFIX: groupPrefix,
    ELASTICSEARCH_URL: engines.elasticsearch.url,
    MONGODB_URL: engines.mongo.url,
    MONGODB_DATABASE: mongoDatabase,
    REDIS_URL: engines.redis.url,
    MINDFLOW_MASTER_KEY: masterKey.toString('base64'),
    MINDFLOW_JWT_SECRET: jwtSecret,
    // Thousands of commands from one address.
    RATE_LIMIT_PER_IP: '1000000',
    RATE_LIMIT_PER_USER: '1000000',
    ...(service === 'relay' ? { PROJECTOR_ROLE: 'relay' } : {}),
    ...(service === 'projections' ? { PROJECTOR_ROLE: 'projections' } : {}),
  });
  const started: ServiceProcess[] = [];
  const logClosers: (() => void)[] = [];
  const state = { closing: false };

  const start = async (
    service: Service,
    name: string = service,
    overrides: NodeJS.ProcessEnv = {},
  ): Promise<ServiceProcess> => {
    const port = await freePort();
    let child: ChildProcess | undefined;
    let startedAt = 0;
    let lines: string[] = [];
    const crashes: string[] = [];
    const expected = new WeakSet<ChildProcess>();
    const logFile = path.join(logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    logClosers.push(() => log.end());
    const launch = () => {
      startedAt = performance.now();
      const current = spawn(process.execPath, [path.join(root, mains[service])], {
        env: { ...env(service, port), ...overrides },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      log.write(`${JSON.stringify({ test: 'started', name, at: new Date().toISOString() })}\n`);
      const keep = (chunk: Buffer) => {
        log.write(chunk);
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        if (lines.length > 200) lines = lines.slice(-100);
      };
      current.stdout.on('data', keep);
      current.stderr.on('data', keep);
      current.once('exit', (code, signal) => {
        if (expected.has(current) || state.closing) return;
        crashes.push(`${name} exited (${signal ?? String(code)}): ${lines.slice(-3).join(' | ')}`);
        // A supervisor restarts a process that exits.
        setTimeout(() => {
          if (!state.closing && child === current) launch();
        }, 1_000);
      });
      child = current;
    };
    const kill9 = async () => {
      const current = child;
      if (!(current?.exitCode === null && current.signalCode === null)) return;
      expected.add(current);
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGKILL');
      await exited;
    };
    launch();
    const handle: ServiceProcess = {
      service,
      name,
      port,
      crashes,
      logFile,
      output: () => lines.slice(-30).join('\n'),
      healthy: async (timeoutMs = 90_000) => {
        await waitFor(
          async () => {
            const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
            return response?.status === 200 ? true : undefined;
          },
          timeoutMs,
          `${name} to answer /healthz`,
        ).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\n${handle.output()}`);
        });
        return Math.round(performance.now() - startedAt);
      },
      kill9AndRestart: async () => {
        await kill9();
        launch();
      },
      kill9,
      alive: () => child?.exitCode === null && child.signalCode === null,
    };
    started.push(handle);
    return handle;
  };

  return {
    runId,
    write,
    read,
    analytics,
    topic,
    groupPrefix,
    mongoDatabase,
    masterKey,
    start,
    url: (service) => `http://127.0.0.1:${service.port}`,
    processes: () => started,
    close: async () => {
      state.closing = true;
      await Promise.all(started.map((service) => service.kill9()));
      for (const close of logClosers) close();
      const logger = createLogger({ level: 'silent', pretty: false }, 'test');
      const kafka = connectKafka(engines.kafka, logger);
      await deleteTopic(kafka.kafka, topic).catch(() => undefined);
      await kafka.close();
      const mongo = connectMongo({ ...engines.mongo, database: mongoDatabase }, silentLogger());
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
      await Promise.all([write.drop(), read.drop(), analytics.drop()]);
    },
  };
}

/**
 * The addresses `infra/local/env` prints for the engines its scripts manage. A fault test stops
 * an engine only when the test's own environment points at that same engine, so that it never
 * stops engines other than the ones it runs against (e.g. shared ones, when MINDFLOW_*_PORT
 * variables are missing).
 */
async function managedEngines(): Promise<Record<string, string>> {
  const { stdout } = await run(path.join(infra, 'env'), { env: process.env });
  return Object.fromEntries(
    [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name = '', value = '']) => [name, value]),
  );
}

const engineVariable: Record<Engine, string> = {
  kafka: 'KAFKA_BROKERS',
  elasticsearch: 'ELASTICSEARCH_URL',
  ferretdb: 'MONGODB_URL',
  redis: 'REDIS_URL',
};

/** Stops an engine with infra/local/down; returns when it no longer answers. */
export async function stopEngine(engine: Engine): Promise<void> {
  const managed = await managedEngines();
  const variable = engineVariable[engine];
  if (managed[variable] !== process.env[variable]) {
    throw new Error(
      `refusing to stop ${engine}: the test runs against ${variable}=${String(process.env[variable])} but infra/local manages ${String(managed[variable])}`,
    );
  }
  await run(path.join(infra, 'down'), [engine], { env: process.env });
}

/** Starts an engine with infra/local/up; returns once it answers (the script waits for that). */
export async function startEngine(engine: Engine): Promise<void> {
  await run(path.join(infra, 'up'), [engine], { env: process.env, timeout: 180_000 });
}
