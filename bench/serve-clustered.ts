// A bench's server in BENCH_WORKERS processes on one port (runClustered, as the services run),
// for the figures of every core serving. Reads a JSON job from BENCH_SERVER:
//   { kind: 'reads', url, redis: { url, timeoutMs }, port } | { kind: 'commands', url, port }
// and prints `serving` once every worker listens.
import { createAccessTokens } from '@mindflow/core/auth';
import { runClustered } from '@mindflow/core/cluster';
import { createRedisCache } from '@mindflow/core/cache';
import { readEnv } from '@mindflow/core/config';
import { createLogger } from '@mindflow/core/logging';
import { connectPostgres } from '@mindflow/core/postgres';
import { connectRedis } from '@mindflow/core/redis';
import { onShutdown } from '@mindflow/core/runtime';
import { writeDatabase } from '@mindflow/core/write-model';
import { Type } from '@sinclair/typebox';
import cluster from 'node:cluster';
import { reportCollections } from './collections.js';
import { commandServer } from './command-server.js';
import { benchSecret, readServer } from './read-server.js';

const env = readEnv(
  Type.Object({ BENCH_SERVER: Type.String(), BENCH_WORKERS: Type.Integer({ minimum: 1 }) }),
  process.env,
);
const job = JSON.parse(env.BENCH_SERVER) as {
  kind: 'reads' | 'commands';
  url: string;
  redis?: { url: string; timeoutMs: number };
  port: number;
};
const logger = createLogger({ level: 'warn', pretty: false }, 'bench');

await runClustered({ workers: env.BENCH_WORKERS, logger }, async () => {
  const app =
    job.kind === 'reads'
      ? await (async () => {
          const redis = connectRedis(job.redis ?? { url: 'redis://127.0.0.1:6379', timeoutMs: 2_000 }, logger);
          return readServer({
            db: connectPostgres('bench', job.url, 20).db,
            cache: createRedisCache(redis),
            redis,
            tokens: createAccessTokens(benchSecret, 3_600),
            logger,
          });
        })()
      : await commandServer(writeDatabase(connectPostgres('bench', job.url, 20).db), logger);
  await app.listen({ port: job.port, host: '127.0.0.1' });
  // Asked by bench/profile: the collector's pauses over the server's life, on SIGINT.
  if (process.env.BENCH_COLLECTIONS === '1') reportCollections('server');
  // SIGINT, SIGTERM or the primary's word: close, and exit normally (a --cpu-prof is written).
  onShutdown(logger, () => app.close());
});
if (cluster.isPrimary) process.stdout.write('serving\n');
