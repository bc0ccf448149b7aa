import { maintainPartitions, type AnalyticsStrategy } from '@mindflow/core/analytics';
import type { Logger } from '@mindflow/core/logging';
import type { Kysely } from 'kysely';

/**
 * On native partitions: creates the coming months' partitions and drops expired ones now,
 * then every `everyMs`. TimescaleDB does the same by its own policies. Returns how to stop.
 */
export async function startPartitionMaintenance<DB>(
  db: Kysely<DB>,
  strategy: AnalyticsStrategy,
  logger: Logger,
  everyMs = 3_600_000,
): Promise<() => void> {
  if (strategy !== 'partitions') return () => undefined;
  const run = async () => {
    const { created, dropped } = await maintainPartitions(db, new Date());
    if (created.length > 0 || dropped.length > 0) logger.info({ created, dropped }, 'analytics partitions maintained');
  };
  await run();
  const timer = setInterval(
    () => void run().catch((error: unknown) => logger.warn({ err: error }, 'analytics partition maintenance failed')),
    everyMs,
  );
  timer.unref();
  return () => clearInterval(timer);
}
