import type { Delivery } from '@mindflow/core/bus';
import type { Kysely } from 'kysely';
import type { HostedProjection } from './host.js';
import type { RuntimeTables } from './tables.js';

/**
 * A projection into a store outside the read database (a cache, a search index). Its offsets
 * live in the read database and are saved after the effects of each batch: effects happen at
 * least once, so `apply` must be idempotent (deletions, versioned writes). The runtime skips
 * deliveries at or before the saved offsets and hands `apply` the rest, in order.
 */
export function hostExternalProjection<DB extends RuntimeTables>(
  name: string,
  readDb: Kysely<DB>,
  apply: (deliveries: readonly Delivery[]) => Promise<void>,
): HostedProjection {
  // Kysely is invariant in its tables: this only touches projection_offsets.
  const db = readDb as unknown as Kysely<RuntimeTables>;
  let lastPosition = 0;
  let lastProgressAt = Date.now();
  const offsets = async () => {
    const rows = await db
      .selectFrom('projection_offsets')
      .select(['partition', 'offset'])
      .where('projection', '=', name)
      .execute();
    return new Map(rows.map((row) => [row.partition, row.offset]));
  };
  return {
    name,
    offsets,
    lastPosition: () => lastPosition,
    lastProgressAt: () => lastProgressAt,
    async handle(batch: readonly Delivery[]) {
      const stored = await offsets();
      const changed = new Map<string, string>();
      const fresh: Delivery[] = [];
      for (const delivery of batch) {
        const applied = changed.get(delivery.partition) ?? stored.get(delivery.partition);
        if (applied !== undefined && delivery.offset <= applied) continue;
        fresh.push(delivery);
        changed.set(delivery.partition, delivery.offset);
      }
      if (fresh.length > 0) await apply(fresh);
      if (changed.size > 0) {
        await db
          .insertInto('projection_offsets')
          .values([...changed].map(([partition, offset]) => ({ projection: name, partition, offset })))
          .onConflict((conflict) =>
            conflict
              .columns(['projection', 'partition'])
              .doUpdateSet((eb) => ({ offset: eb.ref('excluded.offset'), updated_at: new Date() })),
          )
          .execute();
      }
      for (const delivery of fresh) lastPosition = Math.max(lastPosition, delivery.event.globalPosition);
      lastProgressAt = Date.now();
    },
  };
}
