import { randomBytes } from 'node:crypto';
import { chainOf, expiryOf, genesisHash, sealRecords } from './chain.js';
import type { AuditRecord, ChainHead, NewAuditRecord } from './types.js';

/** A write lost a race: another writer took a position in the chain, or stored one of the events. */
export class ChainConflict extends Error {
  constructor(readonly inserted: number) {
    super('another writer appended to the chain first');
  }
}

/** What an adapter provides for appending; the algorithm is the same for all. */
export interface ChainBackend {
  /** Whether this event's record is stored. */
  isStored(eventId: string): Promise<boolean>;
  /** The ids of these events already stored. */
  storedEventIds(eventIds: readonly string[]): Promise<Set<string>>;
  /** Each subject's salt, created for those that have none (the anonymous subject is ''). */
  salts(userIds: readonly string[], fresh: () => string): Promise<Map<string, string>>;
  heldUsers(userIds: readonly string[]): Promise<Set<string>>;
  /**
   * The chain's newest record as its head says; with `catchUp`, also past records a writer
   * inserted without moving the head (it stopped, or lost a race midway).
   */
  tail(chain: string, catchUp: boolean): Promise<ChainHead | undefined>;
  /** Inserts in order; throws ChainConflict (with how many went in) on a duplicate position or event. */
  insert(records: readonly AuditRecord[]): Promise<void>;
  /** Moves the head forward (never back). */
  advanceHead(head: ChainHead): Promise<void>;
}

const attempts = 20;

/**
 * The records of a batch not stored yet. In the usual case the batch is new: its first record is
 * not stored, and all of it is tried (should a stored record hide further on, the unique event id
 * refuses it and the caller checks every record). When its first record is stored, the batch
 * came back after a crash or a replay, and every record is looked up: what is stored then need
 * not be a prefix of the batch (after a crash, events of several partitions can come back merged
 * in another order), and a search that assumed a prefix would skip the new records before the
 * last stored one.
 */
async function unstored<R extends { eventId: string }>(backend: ChainBackend, records: readonly R[]): Promise<R[]> {
  const first = records[0];
  if (first === undefined) return [];
  if (!(await backend.isStored(first.eventId))) return [...records];
  const stored = await backend.storedEventIds(records.map((record) => record.eventId));
  return records.filter((record) => !stored.has(record.eventId));
}

export interface ChainAppender {
  append(records: readonly NewAuditRecord[]): Promise<{ appended: number }>;
  /** Drops what is remembered of an erased subject (their salt). */
  forget(userId: string): void;
}

/**
 * Appends records to today's chain: skips events already stored, links each record to the one
 * before, and inserts them with the position unique per chain. A concurrent writer makes the
 * insert fail; then it checks every record, reads the chain's tail and tries again with what is
 * left. The unique event id is what guarantees one record per event; the prefix search only
 * keeps that cheap.
 */
export function chainAppender(
  backend: ChainBackend,
  retention: string,
  now: () => Date = () => new Date(),
): ChainAppender {
  const knownSalts = new Map<string, string>();
  const saltsOf = async (subjects: readonly string[]) => {
    const missing = subjects.filter((subject) => !knownSalts.has(subject));
    if (missing.length > 0) {
      const found = await backend.salts(missing, () => randomBytes(16).toString('base64url'));
      if (knownSalts.size > 100_000) knownSalts.clear();
      for (const [subject, salt] of found) knownSalts.set(subject, salt);
    }
    return knownSalts;
  };
  return {
    forget: (userId) => knownSalts.delete(userId),
    async append(records) {
      const unique = [...new Map(records.map((record) => [record.eventId, record])).values()];
      let appended = 0;
      for (let attempt = 1; ; attempt += 1) {
        let pending: NewAuditRecord[];
        if (attempt === 1) {
          pending = await unstored(backend, unique);
        } else {
          const stored = await backend.storedEventIds(unique.map((record) => record.eventId));
          pending = unique.filter((record) => !stored.has(record.eventId));
        }
        if (pending.length === 0) return { appended };
        const subjects = [...new Set(pending.map((record) => record.userId ?? ''))];
        const [salts, heldUsers] = await Promise.all([
          saltsOf(subjects),
          backend.heldUsers(subjects.filter((subject) => subject !== '')),
        ]);
        const recordedAt = now();
        const chain = chainOf(recordedAt);
        const head = (await backend.tail(chain, attempt > 1)) ?? {
          chain,
          seq: 0,
          hash: genesisHash,
          until: new Date(0),
        };
        const sealed = sealRecords(head, pending, { recordedAt, retention, salts, heldUsers });
        try {
          await backend.insert(sealed);
          const last = sealed.at(-1);
          if (last !== undefined) {
            await backend.advanceHead({
              chain,
              seq: last.seq,
              hash: last.hash,
              until: expiryOf(recordedAt, retention),
            });
          }
          return { appended: appended + sealed.length };
        } catch (error) {
          if (!(error instanceof ChainConflict) || attempt === attempts) throw error;
          appended += error.inserted;
        }
      }
    },
  };
}
