import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import {
  queryServiceForTest,
  type QueryServiceTestOptions,
  type QueryServiceUnderTest,
} from '@mindflow/query-service/testing';
import { Registry } from 'prom-client';
import type { WorkerTables } from './database.js';
import type { InsightDeps } from './insights/scheduler.js';
import { createLocalWriter } from './providers/local-writer.js';
import type { InsightWriter } from './providers/types.js';
import { startAiWorker, type AiWorker } from './service.js';

export interface AiWorkerUnderTest {
  /** The platform (commands, projector, reads) the worker runs next to. */
  readonly platform: QueryServiceUnderTest;
  readonly worker: AiWorker;
  /** What the scheduler needs: tests run it at the instant they choose (writeDueInsights). */
  readonly insights: InsightDeps;
  /** A second, independent set of the same (another worker instance's pool). */
  anotherWorker(): InsightDeps;
  close(): Promise<void>;
}

/**
 * The ai-worker next to the test platform of the query-service: its consumer on the embedded
 * bus, statuses in Redis, and the scheduler left to the test (it never ticks on its own).
 */
export async function aiWorkerForTest(
  options: { writer?: InsightWriter; platform?: QueryServiceTestOptions } = {},
): Promise<AiWorkerUnderTest> {
  const platform = await queryServiceForTest(options.platform);
  const logger = createLogger({ level: 'silent', pretty: false }, 'test');
  const main = connectPostgres<WorkerTables>('write', platform.writeUrl, 5);
  const pools = [main];
  const writer = options.writer ?? createLocalWriter();
  const keyring = createUserKeyring(platform.secrets.masterKey);
  const worker = await startAiWorker({
    writeDb: main.db,
    writeUrl: platform.writeUrl,
    kafka: platform.bus?.kafka,
    ...(platform.bus === undefined ? {} : { topic: platform.bus.topic, groupPrefix: platform.bus.groupPrefix }),
    secrets: platform.secrets,
    cache: platform.cache,
    blobs: platform.blobs,
    audit: platform.audit,
    writer,
    insightIntervalSeconds: undefined,
    logger,
    registry: new Registry(),
  });
  const depsOf = (db: InsightDeps['db']): InsightDeps => ({ db, keyring, writer, logger });
  return {
    platform,
    worker,
    insights: depsOf(main.db),
    anotherWorker: () => {
      const pool = connectPostgres<WorkerTables>('write', platform.writeUrl, 5);
      pools.push(pool);
      return depsOf(pool.db);
    },
    close: async () => {
      await worker.stop();
      for (const pool of pools) await pool.close();
      await platform.close();
    },
  };
}
