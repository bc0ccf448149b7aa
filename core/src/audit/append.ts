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
  /** The ids of these events already stored. */
  storedEventIds(eventIds: readonly string[]): Promise<Set<string>>;
  /** Each subject's salt, created for those that have none (the anonymous subject is ''). */
  salts(userIds: readonly string[], fresh: () => string): Promise<Map<string, string>>;
  heldUsers(userIds: readonly string[]): Promise<Set<string>>;
  /** The chain's newest record: its head, caught up with records a crashed writer left past it. */
  tail(chain: string): Promise<ChainHead | undefined>;
  /** Inserts in order; throws ChainConflict (with how many went in) on a duplicate position or event. */
  insert(records: readonly AuditRecord[]): Promise<void>;
  /** Moves the head forward (never back). */
  advanceHead(head: ChainHead): Promise<void>;
}

const attempts = 20;

/**
 * Appends records to today's chain: skips events already stored, links each record to the one
 * before, and inserts them with the position unique per chain. A concurrent writer makes the
 * insert fail; then it reads the chain's new tail and tries again with what is left.
 */
export async function appendToChain(
  backend: ChainBackend,
  records: readonly NewAuditRecord[],
  retention: string,
  now: () => Date = () => new Date(),
): Promise<{ appended: number }> {
  const unique = [...new Map(records.map((record) => [record.eventId, record])).values()];
  let appended = 0;
  for (let attempt = 1; ; attempt += 1) {
    const stored = await backend.storedEventIds(unique.map((record) => record.eventId));
    const pending = unique.filter((record) => !stored.has(record.eventId));
    if (pending.length === 0) return { appended };
    const subjects = [...new Set(pending.map((record) => record.userId ?? ''))];
    const [salts, heldUsers] = await Promise.all([
      backend.salts(subjects, () => randomBytes(16).toString('base64url')),
      backend.heldUsers(subjects.filter((subject) => subject !== '')),
    ]);
    const recordedAt = now();
    const chain = chainOf(recordedAt);
    const head = (await backend.tail(chain)) ?? { chain, seq: 0, hash: genesisHash, until: new Date(0) };
    const sealed = sealRecords(head, pending, { recordedAt, retention, salts, heldUsers });
    try {
      await backend.insert(sealed);
      const last = sealed.at(-1);
      if (last !== undefined) {
        const until = expiryOf(recordedAt, retention);
        await backend.advanceHead({ chain, seq: last.seq, hash: last.hash, until });
      }
      return { appended: appended + sealed.length };
    } catch (error) {
      if (!(error instanceof ChainConflict) || attempt === attempts) throw error;
      appended += error.inserted;
    }
  }
}
