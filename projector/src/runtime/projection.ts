import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Kysely } from 'kysely';

/**
 * A projection into a PostgreSQL database: `apply` runs inside the transaction that also
 * stores the projection's offsets, so an event's effect and the record of having applied it
 * commit together (exactly once in effect).
 */
export interface Projection<DB> {
  readonly name: string;
  /** The tables it owns: a rebuild fills copies of them and swaps them in. */
  readonly tables: readonly string[];
  apply(trx: Kysely<DB>, event: DecodedEvent<MindflowEvents>): Promise<void>;
  /** Once per batch, after its events: work that need not be done for each (e.g. totals). */
  finish?(trx: Kysely<DB>, events: readonly DecodedEvent<MindflowEvents>[]): Promise<void>;
}
