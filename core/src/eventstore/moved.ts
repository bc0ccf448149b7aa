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
  const result = await sql<{ stored: string; next: string }>`
    select greatest(
             coalesce((select max(transaction_id) from events), '0'::xid8),
             coalesce((select max(transaction_id) from relay_checkpoints), '0'::xid8))::text as stored,
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
 * Refuses to start a reader of the log on a database whose stored keys are ahead of its
 * server (see commitOrderReach), with the recovery in the message: readers would otherwise
 * wait without a word.
 */
export async function assertCommitOrderReachable<DB>(database: Kysely<DB>): Promise<void> {
  const reach = await commitOrderReach(database);
  if (BigInt(reach.storedKey) < BigInt(reach.nextTransactionId)) return;
  throw new ConfigError(
    'WRITE_DATABASE_URL',
    `the event store holds commit-order keys up to ${reach.storedKey}, ahead of this server's next ` +
      `transaction id ${reach.nextTransactionId}: the write database was copied from another cluster ` +
      `(dump and restore, or logical replication), and no reader could go on. Stop the server and run ` +
      `\`pg_resetwal -e ${String(reach.epochNeeded)} <data directory>\` (as its owner), start it again, ` +
      `then start MindFlow (docs/event-store.md, "Moving the database").`,
  );
}
