import { sql, type Kysely } from 'kysely';
import type { RuntimeTables } from './tables.js';

/**
 * The partition of the embedded bus, and the floor of every partition: offsets are commit-order
 * keys on every bus, so its row says that every event at or before it is applied, whatever
 * partition delivers it (a rebuild's swap writes it).
 */
export const floorPartition = 'log';

/** A projection's stored offsets, by partition. */
export async function readOffsets(db: Kysely<RuntimeTables>, projection: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('projection_offsets')
    .select(['partition', 'offset'])
    .where('projection', '=', projection)
    .execute();
  return new Map(rows.map((row) => [row.partition, row.offset]));
}

/** Where `partition` stands: its own offset or the floor, whichever is further. */
export function appliedUpTo(offsets: ReadonlyMap<string, string>, partition: string): string | undefined {
  const own = offsets.get(partition);
  const floor = offsets.get(floorPartition);
  if (own === undefined) return floor;
  return floor !== undefined && floor > own ? floor : own;
}

/** Stores offsets; an offset never moves backwards (a late writer cannot undo a newer one). */
export async function saveOffsets(
  db: Kysely<RuntimeTables>,
  projection: string,
  offsets: ReadonlyMap<string, string>,
): Promise<void> {
  if (offsets.size === 0) return;
  await db
    .insertInto('projection_offsets')
    .values([...offsets].map(([partition, offset]) => ({ projection, partition, offset })))
    .onConflict((conflict) =>
      conflict.columns(['projection', 'partition']).doUpdateSet({
        offset: sql<string>`greatest(projection_offsets."offset", excluded."offset")`,
        updated_at: new Date(),
      }),
    )
    .execute();
}

/**
 * Serialises, for one projection in one schema, its batches with a rebuild's swap: taken first
 * in every batch transaction of the live projection and in the swap, so a batch either commits
 * before the swap starts or reads the swap's offsets after it commits (the shadow of a rebuild
 * is another schema, so the rebuild's own batches do not wait for the live ones). Batches of
 * hosts that apply disjoint users side by side, each on partitions of its own (a rebuild's
 * lanes), take it `shared`: they pass each other, and still wait for an exclusive holder.
 */
export async function lockProjection(
  trx: Kysely<RuntimeTables>,
  projection: string,
  schema: 'current' | 'public' = 'current',
  mode: 'exclusive' | 'shared' = 'exclusive',
): Promise<void> {
  const inSchema = schema === 'public' ? sql`'public'` : sql`current_schema()`;
  const lock = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
  await sql`select ${lock}(hashtext(${projection}), hashtext(${inSchema}))`.execute(trx);
}
