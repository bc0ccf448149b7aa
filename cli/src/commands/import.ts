import { createRecorder, importArchive, readArchive } from '@mindflow/command-service';
import { blobStoreFor } from '@mindflow/core/blobs';
import { openUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import { Presets, SingleBar } from 'cli-progress';
import type { PlatformConfig } from '../config.js';
import { findUser } from './find-user.js';
import { requireMigrated } from '../require-migrated.js';
import { writeDatabase } from '@mindflow/core/write-model';

/**
 * `mindflow import <zip> --user <email> [--dry-run]`: what POST /v1/me/imports does, for a
 * user named by email, with a progress bar; prints the report as JSON.
 */
export async function importFile(
  config: PlatformConfig,
  action: { readonly file: string; readonly email: string; readonly dryRun: boolean },
): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database, s3: config.engines.s3 }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const db = writeDatabase(engines.databases.write.db);
    const user = await findUser(db, action.email);
    if (user === undefined) return 1;
    const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
    const blobs = blobStoreFor(engines.s3, {
      dataDir: config.engines.dataDir,
      jwtSecret: secrets.jwtSecret,
      baseUrl: () => `http://${config.server.host}:${String(config.server.port)}`,
    });
    const keyring = await openUserKeyring(db, secrets.masterKey);
    const archive = await readArchive(action.file);
    const bar = new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} entries' }, Presets.shades_classic);
    bar.start(archive.items.length, 0);
    try {
      const report = await importArchive({ db, recorder: createRecorder(keyring), blobs, logger }, user.id, archive, {
        dryRun: action.dryRun,
        context: {
          requestId: `cli-${String(process.pid)}`,
          actorId: user.id,
          actorRole: 'user',
          ip: '127.0.0.1',
          userAgent: 'mindflow-cli',
          traceparent: undefined,
          now: new Date(),
        },
        onProgress: (done) => {
          bar.update(done);
        },
      });
      bar.stop();
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    } finally {
      archive.close();
    }
  } finally {
    await engines.close();
  }
}
