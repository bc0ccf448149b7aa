import type { DecodedEvent, MindflowEvents } from '../events/index.js';
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
  /** Applies events in their order: a batch, or one alone when a failing event is isolated. */
  apply(trx: Kysely<DB>, events: readonly DecodedEvent<MindflowEvents>[]): Promise<void>;
  /**
   * Every row is one user's, and applying an event again changes nothing (rows keep the version
   * or position they reflect). Then an event that keeps failing holds back only its own user's
   * later events: the other users' are applied past it, and the batch's offsets stop before it
   * (those events come again with it, to no effect), so one user's poison event never delays
   * another user's read-your-writes.
   */
  readonly usersApart?: boolean;
  /** Re-creates what refers to its tables (views) once a rebuild has swapped new ones in. */
  afterSwap?(trx: Kysely<DB>): Promise<void>;
}
