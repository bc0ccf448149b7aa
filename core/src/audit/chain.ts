import { createHash, createHmac } from 'node:crypto';
import { canonicalize } from './canonical.js';
import { searchTokens } from './tokens.js';
import type { AuditRecord, ChainHead, NewAuditRecord, Pseudonyms } from './types.js';

/** The `prevHash` of a chain's first record. */
export const genesisHash = '0'.repeat(64);

/** The chain a record recorded at `at` joins: one per UTC day. */
export function chainOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** A stable pseudonym of `value` under the subject's salt: unlinkable once the salt is gone. */
export function pseudonym(salt: string, value: string | null): string | null {
  return value === null ? null : createHmac('sha256', Buffer.from(salt, 'base64url')).update(value).digest('hex');
}

export function pseudonymsOf(record: NewAuditRecord, salt: string): Pseudonyms {
  return {
    userId: pseudonym(salt, record.userId),
    actorId: pseudonym(salt, record.actorId),
    ipAddress: pseudonym(salt, record.ipAddress),
    userAgent: pseudonym(salt, record.userAgent),
  };
}

type Hashed = Pick<
  AuditRecord,
  | 'chain'
  | 'prevHash'
  | 'eventId'
  | 'action'
  | 'timestamp'
  | 'recordedAt'
  | 'actorRole'
  | 'metadata'
  | 'requestId'
  | 'dataCategory'
  | 'retention'
  | 'pseudonyms'
>;

/**
 * SHA-256 over the canonical JSON (RFC 8785) of what a record says, with its personal fields
 * replaced by their pseudonyms: erasing the plaintext later leaves the hash true. The position
 * (`seq`) is not hashed: the link to the previous record fixes the order.
 */
export function recordHash(record: Hashed): string {
  const canonical = canonicalize({
    v: 1,
    chain: record.chain,
    prevHash: record.prevHash,
    eventId: record.eventId,
    action: record.action,
    timestamp: record.timestamp.toISOString(),
    recordedAt: record.recordedAt.toISOString(),
    subject: record.pseudonyms,
    actorRole: record.actorRole,
    metadata: record.metadata,
    requestId: record.requestId,
    dataCategory: record.dataCategory,
    retention: record.retention,
  });
  if (canonical === undefined) throw new Error('an audit record cannot be encoded');
  return createHash('sha256').update(canonical).digest('hex');
}

/** How long records are kept: seconds, written as an ISO 8601 duration. */
export function retentionOf(seconds: number): string {
  return seconds % 86_400 === 0 ? `P${seconds / 86_400}D` : `PT${seconds}S`;
}

export function retentionSeconds(retention: string): number {
  const match = /^P(?:(\d+)D)?(?:T(\d+)S)?$/.exec(retention);
  if (match === null) throw new Error(`unknown retention ${retention}`);
  return Number(match[1] ?? 0) * 86_400 + Number(match[2] ?? 0);
}

/** Records are kept for their retention from when they were recorded, so a chain expires in order. */
export function expiryOf(recordedAt: Date, retention: string): Date {
  return new Date(recordedAt.getTime() + retentionSeconds(retention) * 1000);
}

export interface SealOptions {
  readonly recordedAt: Date;
  readonly retention: string;
  /** Each subject's salt, by user id (the anonymous salt under ''). */
  readonly salts: ReadonlyMap<string, string>;
  readonly heldUsers: ReadonlySet<string>;
}

/** The records appended after `head`, in order, each linked to the one before. */
export function sealRecords(head: ChainHead, records: readonly NewAuditRecord[], options: SealOptions): AuditRecord[] {
  let { seq, hash: prevHash } = head;
  return records.map((record) => {
    const salt = options.salts.get(record.userId ?? '');
    if (salt === undefined) throw new Error(`no salt for subject ${record.userId ?? '(none)'}`);
    const held = record.userId !== null && options.heldUsers.has(record.userId);
    const hashed = {
      ...record,
      chain: head.chain,
      prevHash,
      recordedAt: options.recordedAt,
      retention: options.retention,
      pseudonyms: pseudonymsOf(record, salt),
    };
    const hash = recordHash(hashed);
    seq += 1;
    prevHash = hash;
    return {
      ...hashed,
      seq,
      hash,
      salt,
      legalHold: held,
      expiresAt: held ? null : expiryOf(options.recordedAt, options.retention),
      tokens: searchTokens(record),
    };
  });
}

/** The record with its subject's plaintext replaced by pseudonyms: what erasure leaves. */
export function pseudonymized(record: AuditRecord): AuditRecord {
  const erased = (value: string | null, alias: string | null) => (value === null ? null : alias);
  const next = {
    ...record,
    userId: erased(record.userId, record.pseudonyms.userId),
    actorId: record.actorId === record.userId ? erased(record.actorId, record.pseudonyms.actorId) : record.actorId,
    ipAddress: null,
    userAgent: null,
    salt: null,
  };
  return { ...next, tokens: searchTokens(next) };
}
