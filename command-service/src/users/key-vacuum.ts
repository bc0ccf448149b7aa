import { vacuumUserKeys, type UserKeysTables } from '@mindflow/core/crypto';
import type { Logger } from '@mindflow/core/logging';
import type { Kysely } from 'kysely';

export interface KeyVacuum {
  /** Vacuums the key table now; on failure, logs it and tries again later. Resolves whether it ran. */
  run(): Promise<boolean>;
  /** Cancels a pending retry (on shutdown). */
  stop(): void;
}

/** Retries back off from 1 s to at most 10 min. */
const retryDelayMs = (failures: number) => Math.min(1_000 * 2 ** failures, 600_000);

/**
 * Keeps the bytes of destroyed data keys out of the key table's files: runs vacuumUserKeys after
 * each erasure commits, and again later if it could not (a lock it could not get in time, a lost
 * connection). The erasure never depends on it: the key row is gone either way, this removes its
 * dead copy. Started once per command service, which also runs it at start (a process that died
 * between an erasure and its vacuum left one to do).
 */
export function createKeyVacuum<DB extends UserKeysTables>(db: Kysely<DB>, logger: Logger): KeyVacuum {
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  const run = async (): Promise<boolean> => {
    clearTimeout(retry);
    retry = undefined;
    try {
      await vacuumUserKeys(db);
      failures = 0;
      return true;
    } catch (error) {
      const delay = retryDelayMs(failures);
      failures += 1;
      logger.warn(
        { err: error, retryInMs: delay },
        'the key table was not vacuumed: destroyed keys linger in its file until it is',
      );
      retry = setTimeout(() => void run(), delay);
      retry.unref();
      return false;
    }
  };
  return {
    run,
    stop: () => {
      clearTimeout(retry);
      retry = undefined;
    },
  };
}
