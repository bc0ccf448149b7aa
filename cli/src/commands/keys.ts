import { readFile } from 'node:fs/promises';
import { parseMasterKey, rotateMasterKey, RotationRefused } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { finishMasterKeyRotation, loadOrCreateSecrets, nextMasterKey } from '@mindflow/core/secrets';
import { writeDatabase } from '@mindflow/core/write-model';
import { Presets, SingleBar } from 'cli-progress';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

interface Action {
  readonly kind: 'rotate';
  readonly newKeyFile: string | undefined;
  readonly batchSize: number;
}

/**
 * Master key operations. `rotate` re-wraps every user's data key under a new master key, with
 * a progress bar, in batches; run again, it resumes. Under npm start (secrets in
 * MINDFLOW_DATA_DIR) the new key is generated and kept in secrets.json, which holds only the new
 * key once done. With MINDFLOW_MASTER_KEY set, the new key comes from --new-key-file (base64),
 * and the operator then gives it to every process and destroys the old one.
 */
export async function keys(config: PlatformConfig, action: Action): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const given =
      action.newKeyFile === undefined ? undefined : parseMasterKey((await readFile(action.newKeyFile, 'utf8')).trim());
    const embedded = config.security.secrets === undefined;
    if (!embedded && given === undefined) {
      process.stderr.write('MINDFLOW_MASTER_KEY is set: give the new master key with --new-key-file <file>\n');
      return 2;
    }
    const from = config.security.secrets?.masterKey ?? (await loadOrCreateSecrets(config.engines.dataDir)).masterKey;
    const to = given !== undefined && !embedded ? given : await nextMasterKey(config.engines.dataDir, given);
    const bar = new SingleBar(
      { format: ' {bar} {percentage}% | {value}/{total} data keys | {rate}/s | ETA {eta_formatted}', etaBuffer: 20 },
      Presets.shades_classic,
    );
    const started = performance.now();
    bar.start(1, 0, { rate: 0 });
    const result = await rotateMasterKey(writeDatabase(engines.databases.write.db), {
      from,
      to,
      batchSize: action.batchSize,
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
      },
    }).finally(() => bar.stop());
    if (embedded) await finishMasterKeyRotation(config.engines.dataDir);
    process.stdout.write(
      result.rotated
        ? `${String(result.rewrapped)} data keys re-wrapped: master key ${result.to} is active, ${result.from} retired\n`
        : `master key ${result.to} is already active, ${result.from} retired: nothing to do\n`,
    );
    process.stdout.write(
      embedded
        ? `${config.engines.dataDir}/secrets.json now holds only the new key: start the platform again\n`
        : 'now set MINDFLOW_MASTER_KEY to the new key in every process, start them, and destroy every copy of the old key\n',
    );
    return 0;
  } catch (error) {
    if (!(error instanceof RotationRefused)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await engines.close();
  }
}
