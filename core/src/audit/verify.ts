import { expiryOf, pseudonym, recordHash } from './chain.js';
import type { AuditRecord, ChainHead } from './types.js';

export type ChainProblem = 'altered' | 'missing' | 'reordered';

/** The first record that is not as written, named by chain and position. */
export interface BrokenLink {
  readonly chain: string;
  readonly seq: number;
  /** The record found there; null when it is the record that is missing. */
  readonly eventId: string | null;
  readonly problem: ChainProblem;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly chains: number;
  readonly firstBrokenAt?: BrokenLink;
}

interface Link {
  readonly seq: number;
  readonly eventId: string;
  readonly hash: string;
  readonly prevHash: string;
  /** Past its retention: every record written before it may have been removed. */
  readonly expired: boolean;
}

/** Why the record does not match its own hash or its pseudonyms; undefined when it does. */
function alteration(record: AuditRecord): string | undefined {
  if (recordHash(record) !== record.hash) return 'its content does not match its hash';
  const { salt, pseudonyms } = record;
  const fields = ['userId', 'actorId', 'ipAddress', 'userAgent'] as const;
  if (salt !== null) {
    const wrong = fields.find(
      (field) => record[field] !== null && pseudonym(salt, record[field]) !== pseudonyms[field],
    );
    return wrong === undefined ? undefined : `its ${wrong} is not the one it was written with`;
  }
  // Erased subject: only pseudonyms are left.
  if (record.userId !== null && record.userId !== pseudonyms.userId)
    return 'its userId is not the one it was written with';
  if (record.ipAddress !== null || record.userAgent !== null) return 'it carries an ip or user agent after erasure';
  return undefined;
}

/** Gaps are expected only where retention has removed records: before a record past it, or at the end of a chain past it. */
function linkProblems(chain: string, links: readonly Link[], head: ChainHead | undefined, now: Date): BrokenLink[] {
  const problems: BrokenLink[] = [];
  const hashes = new Set(links.map((link) => link.hash));
  let previous: Link | undefined;
  for (const link of links) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (link.seq !== expectedSeq) {
      // Records expire in the order they were written: those before an expired one may be gone.
      if (!link.expired) {
        problems.push({
          chain,
          seq: expectedSeq,
          eventId: null,
          problem: 'missing',
          detail: `record ${expectedSeq} is missing (the next present is ${link.seq})`,
        });
      }
    } else if (previous !== undefined && link.prevHash !== previous.hash) {
      const reordered = hashes.has(link.prevHash);
      problems.push({
        chain,
        seq: link.seq,
        eventId: link.eventId,
        problem: reordered ? 'reordered' : 'missing',
        detail: reordered
          ? `record ${link.seq} was written after another record than the one now before it`
          : `the record written before record ${link.seq} is gone`,
      });
    }
    previous = link;
  }
  const last = previous?.seq ?? 0;
  if (head !== undefined && head.seq > last && head.until > now) {
    problems.push({
      chain,
      seq: last + 1,
      eventId: null,
      problem: 'missing',
      detail: `the chain ends at ${last} but record ${head.seq} was written`,
    });
  }
  return problems;
}

/**
 * Walks chains record by record (in chain and position order), holding only each chain's
 * links: every record must match its hash and pseudonyms, follow the record it was written
 * after, and no position may be missing unless retention removed it.
 */
export async function verifyChains(
  records: AsyncIterable<AuditRecord>,
  heads: readonly ChainHead[],
  now: Date = new Date(),
): Promise<VerifyReport> {
  const headOf = new Map(heads.map((head) => [head.chain, head]));
  const seen = new Set<string>();
  let checked = 0;
  let first: BrokenLink | undefined;
  let chain: string | undefined;
  let links: Link[] = [];
  let altered: BrokenLink | undefined;
  const finish = () => {
    if (chain === undefined) return;
    seen.add(chain);
    const problems = linkProblems(chain, links, headOf.get(chain), now);
    if (altered !== undefined) problems.push(altered);
    problems.sort((a, b) => a.seq - b.seq);
    first ??= problems[0];
  };
  for await (const record of records) {
    if (record.chain !== chain) {
      finish();
      chain = record.chain;
      links = [];
      altered = undefined;
    }
    checked += 1;
    const why = altered === undefined ? alteration(record) : undefined;
    if (why !== undefined) {
      altered = { chain: record.chain, seq: record.seq, eventId: record.eventId, problem: 'altered', detail: why };
    }
    links.push({
      seq: record.seq,
      eventId: record.eventId,
      hash: record.hash,
      prevHash: record.prevHash,
      expired: expiryOf(record.recordedAt, record.retention) <= now,
    });
  }
  finish();
  // Chains whose records are all gone: only retention may have removed them all.
  for (const head of heads) {
    if (seen.has(head.chain) || first !== undefined || head.until <= now) continue;
    first = {
      chain: head.chain,
      seq: 1,
      eventId: null,
      problem: 'missing',
      detail: `all ${head.seq} records of the chain are gone`,
    };
  }
  return {
    ok: first === undefined,
    checked,
    chains: seen.size,
    ...(first === undefined ? {} : { firstBrokenAt: first }),
  };
}
