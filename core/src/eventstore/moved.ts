import { sql, type Kysely } from 'kysely';
import { ConfigError } from '../config/index.js';

/** Where the stored commit-order keys stand against the server's transaction ids. */
export interface CommitOrderReach {
  /** The largest commit-order key stored (events or the relay's checkpoints), '0' when none. */
  readonly storedKey: string;
  /** The server's next transaction id (xid8): every key below it can be read. */
  readonly nextTransactionId: string;
  /** The xid8 epoch `pg_resetwal -e` must set so the server's ids pass every stored key. */
  readonly epochNeeded: number;
}

const epochSize = 2n ** 32n;

/**
 * How the stored commit-order keys compare with the server's next transaction id. A database
 * copied from another cluster (dump and restore, logical replication) keeps that cluster's
 * keys; if they are ahead of the new server's ids, readAll hands nothing out until the server
 * catches up, which may be never in practice. `pg_upgrade` keeps the ids and is fine.
 */
export async function commitOrderReach<DB>(database: Kysely<DB>): Promise<CommitOrderReach> {
  // Only the tables that exist: a database not migrated yet (a new data folder) has no keys.
  const tables = await sql<{ name: string }>`
    select name from unnest(array['events', 'relay_checkpoints']) as name
    where to_regclass(quote_ident(name)) is not null`.execute(database);
  const maxima = tables.rows.map(
    (table) => sql`coalesce((select max(transaction_id) from ${sql.table(table.name)}), '0'::xid8)`,
  );
  const result = await sql<{ stored: string; next: string }>`
    select greatest('0'::xid8, ${sql.join(maxima.length === 0 ? [sql`'0'::xid8`] : maxima)})::text as stored,
           pg_snapshot_xmax(pg_current_snapshot())::text as next`.execute(database);
  const row = result.rows[0];
  const storedKey = row?.stored ?? '0';
  return {
    storedKey,
    nextTransactionId: row?.next ?? '0',
    epochNeeded: Number(BigInt(storedKey) / epochSize + 1n),
  };
}

/**
 * Refuses a database whose stored keys are ahead of its server (see commitOrderReach), with the
 * recovery in the message. Readers would otherwise wait without a word, and worse, events
 * appended meanwhile would take keys below the copied ones: below every copied checkpoint, so
 * skipped for good once the server's ids pass them. So every service refuses to start
 * (`serve`), and so does every CLI command that touches the data (`requireMigrated`).
 */
export async function assertCommitOrderReachable<DB>(database: Kysely<DB>): Promise<void> {
  const reach = await commitOrderReach(database);
  if (BigInt(reach.storedKey) < BigInt(reach.nextTransactionId)) return;
  throw new ConfigError(
    'WRITE_DATABASE_URL',
    `the event store holds commit-order keys up to ${reach.storedKey}, ahead of this server's next ` +
      `transaction id ${reach.nextTransactionId}: the write database was copied from another cluster ` +
      `(dump and restore, or logical replication), and no reader could go on. Start nothing else on it. ` +
      `Stop the PostgreSQL server and run \`pg_resetwal -e ${String(reach.epochNeeded)} <data directory>\` ` +
      `(as its owner), start it again, then start MindFlow (docs/event-store.md, "Moving the database").`,
  );
}
