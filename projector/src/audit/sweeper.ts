import type { AuditStore } from '@mindflow/core/audit';
import type { Logger } from '@mindflow/core/logging';

/**
 * Enforces retention where the store has no TTL index: removes expired records (never those
 * under a legal hold) at start and every `seconds`; with a TTL index it does nothing. Returns how to stop it.
 */
export function startRetentionSweeper(store: AuditStore, seconds: number, logger: Logger): () => void {
  const sweep = async () => {
    // Asked at each sweep: the store may open (and say what it can do) after the sweeper starts.
    if (store.capabilities.ttl) return;
    const removed = await store.sweep(new Date());
    if (Object.values(removed).some((count) => count > 0))
      logger.info({ removed }, 'expired audit and log records removed');
  };
  const run = () => void sweep().catch((error: unknown) => logger.warn({ err: error }, 'retention sweep failed'));
  run();
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
