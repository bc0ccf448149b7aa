// The command-service as bench/commands measures it: its routes on one write database, no
// Redis, the rate limits on the path but far above the load (it all comes from one address).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mountCommandService } from '@mindflow/command-service';
import { createLocalBlobStore } from '@mindflow/core/blobs';
import { securityConfig } from '@mindflow/core/config';
import { createHttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import { writeDatabase } from '@mindflow/core/write-model';

export async function commandServer(db: ReturnType<typeof writeDatabase>, logger: Logger) {
  const app = await createHttpServer({ logger, title: 'bench', version: '0', readiness: [] });
  const blobRoot = await mkdtemp(path.join(tmpdir(), 'mindflow-bench-blobs-'));
  await mountCommandService(app, {
    db,
    blobs: createLocalBlobStore({ root: blobRoot, secret: 'bench', baseUrl: () => 'http://127.0.0.1' }),
    redis: undefined,
    secrets: { masterKey: Buffer.alloc(32, 7), jwtSecret: 'bench-secret-of-at-least-thirty-two-chars' },
    security: securityConfig({ ACCESS_TOKEN_TTL_SECONDS: 3600, REFRESH_TOKEN_TTL_DAYS: 1 }),
    rateLimits: { windowSeconds: 60, perIp: 100_000_000, perUser: 100_000_000, perStaff: 100_000_000 },
    logger,
  });
  return app;
}
