import { testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import { readAll, startOfLog } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { connectMongo } from '@mindflow/core/mongo';
import { searchAlias } from '@mindflow/core/search';
import { createTestDatabase, silentLogger, testEngines } from '@mindflow/core/testing';
import { createDecoder, createProjectionMetrics, hostProjection } from '@mindflow/core/projections';
import { analyticsProjection, analyticsStore, type AnalyticsProjectionTables } from '@mindflow/projector';
import { asDeliveries, fromScratchSnapshot, readModelSnapshot, tablesSnapshot } from '@mindflow/projector/testing';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { acknowledged, type Load, type Sentinel } from './load.js';
import type { FaultStack } from './stack.js';

export const storeNames = ['read model', 'analytics', 'search', 'audit', 'cache'] as const;
export type StoreName = (typeof storeNames)[number];

/** What one store holds of the acknowledged commands, against the write database and a fresh rebuild. */
export interface StoreFigures {
  readonly store: StoreName;
  /** Acknowledged effects missing (or older than the write model). */
  readonly lost: number;
  /** Effects applied more than once (or rows a fresh rebuild does not have). */
  readonly duplicated: number;
  /** Whether the store equals a fresh rebuild (read model, analytics) or the write model (search, audit, cache). */
  readonly equal: boolean;
  readonly detail: string;
}

interface EntryTruth {
  readonly id: string;
  readonly userId: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly head: number;
}

/** Each entry as the write database has it: version, deleted or not, and its stream's newest position. */
async function entriesNow(stack: FaultStack): Promise<EntryTruth[]> {
  const rows = await sql<{ id: string; user_id: string; version: number; deleted: boolean; head: string }>`
    select j.id, j.user_id, j.version, j.deleted_at is not null as deleted,
           (select max(e.global_position) from events e where e.stream_id = 'entry-' || j.id) as head
    from journal_entries j order by j.id`.execute(stack.write.db);
  return rows.rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    version: row.version,
    deleted: row.deleted,
    head: Number(row.head),
  }));
}

const elasticsearch = () => testEngines().elasticsearch.url;

async function searchDocuments(ids: readonly string[]): Promise<Map<string, { version: number; userId: string }>> {
  await fetch(`${elasticsearch()}/${searchAlias}/_refresh`, { method: 'POST' });
  const found = new Map<string, { version: number; userId: string }>();
  if (ids.length === 0) return found;
  const response = await fetch(`${elasticsearch()}/${searchAlias}/_mget`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids }),
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status !== 200) throw new Error(`_mget: ${response.status}`);
  const body = (await response.json()) as {
    docs: { _id: string; found: boolean; _version?: number; _source?: { userId: string } }[];
  };
  for (const doc of body.docs) {
    if (doc.found) found.set(doc._id, { version: doc._version ?? 0, userId: doc._source?.userId ?? '' });
  }
  return found;
}

async function auditRecords(stack: FaultStack): Promise<{ eventId: string; requestId: string | null }[]> {
  const mongo = connectMongo({ ...testEngines().mongo, database: stack.mongoDatabase }, silentLogger());
  try {
    const docs = await mongo.db
      .collection<{ eventId: string; requestId: string | null }>('audit_logs')
      .find({}, { projection: { _id: 0, eventId: 1, requestId: 1 }, maxTimeMS: 5_000 })
      .toArray();
    return docs.map((doc) => ({ eventId: doc.eventId, requestId: doc.requestId }));
  } finally {
    await mongo.close();
  }
}

/** The writer's first page of entries through the query service (the cached route): id → version. */
async function listed(queryUrl: string, token: string): Promise<Map<string, number> | undefined> {
  const response = await fetch(`${queryUrl}/v1/entries?limit=20`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  }).catch(() => undefined);
  if (response?.status !== 200) return undefined;
  const body = (await response.json()) as { items: { id: string; version: number }[] };
  return new Map(body.items.map((item) => [item.id, item.version]));
}

/** The event ids of the sentinels (found by their request ids). */
async function eventIdsOf(stack: FaultStack, requestIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await sql<{ event_id: string; request_id: string }>`
    select event_id, metadata->>'requestId' as request_id from events
    where metadata->>'requestId' = any(${[...requestIds]})`.execute(stack.write.db);
  const ids = new Map<string, string[]>();
  for (const row of rows.rows) ids.set(row.request_id, [...(ids.get(row.request_id) ?? []), row.event_id]);
  return ids;
}

/**
 * One probe per store: true once the store shows every writer's sentinel (and so, the user's
 * events being ordered, everything of that writer before it).
 */
export function sentinelProbes(
  stack: FaultStack,
  queryUrl: string,
  sentinels: readonly Sentinel[],
): Record<StoreName, () => Promise<boolean>> {
  const entryIds = sentinels.map((sentinel) => sentinel.entryId);
  const eventIds = async () =>
    [
      ...(
        await eventIdsOf(
          stack,
          sentinels.map((s) => s.requestId),
        )
      ).values(),
    ].flat();
  return {
    'read model': async () => {
      const rows = await sql<{ entry_id: string; version: number }>`
        select entry_id, version from journal_view where entry_id = any(${entryIds})`.execute(stack.read.db);
      return sentinels.every((s) => rows.rows.some((row) => row.entry_id === s.entryId && row.version >= s.version));
    },
    analytics: async () => {
      const ids = await eventIds();
      const rows = await sql<{ n: number }>`
        select count(distinct event_id)::int as n from user_activity_events where event_id = any(${ids}::uuid[])`.execute(
        stack.analytics.db,
      );
      return ids.length >= sentinels.length && rows.rows[0]?.n === ids.length;
    },
    search: async () => {
      const docs = await searchDocuments(entryIds);
      return sentinels.every((s) => (docs.get(s.entryId)?.version ?? 0) >= s.position);
    },
    audit: async () => {
      const ids = new Set(await eventIds());
      const records = await auditRecords(stack);
      return ids.size >= sentinels.length && [...ids].every((id) => records.some((record) => record.eventId === id));
    },
    cache: async () => {
      for (const s of sentinels) {
        const versions = await listed(queryUrl, s.writer.token);
        if (versions?.get(s.entryId) !== s.version) return false;
      }
      return true;
    },
  };
}

/**
 * Polls every store's probe until it passes or `timeoutMs` runs out; for each store, the
 * milliseconds after `since` at which it first passed (undefined: not within the time).
 */
export async function timeToCatchUp(
  probes: Record<StoreName, () => Promise<boolean>>,
  since: number,
  timeoutMs: number,
): Promise<Record<StoreName, number | undefined>> {
  const deadline = Date.now() + timeoutMs;
  const entries = await Promise.all(
    storeNames.map(async (store) => {
      while (Date.now() < deadline) {
        if (await probes[store]().catch(() => false)) return [store, Date.now() - since] as const;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return [store, undefined] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<StoreName, number | undefined>;
}

const decoderFor = (stack: FaultStack) => createDecoder(createUserKeyring(testSecrets.masterKey), stack.write.db);

/** Analytics built from scratch from every event, in a database of its own (dropped before this returns). */
async function analyticsFromScratch(stack: FaultStack, logger: Logger, tables: readonly string[]) {
  const scratch = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  try {
    const host = hostProjection({
      projection: analyticsProjection(await analyticsStore(scratch.db)),
      db: scratch.db,
      decode: decoderFor(stack),
      metrics: createProjectionMetrics(new Registry()),
      logger,
    });
    await host.handle(asDeliveries(await readAll(stack.write.db, startOfLog, 10_000_000)));
    return await tablesSnapshot(scratch.db, tables);
  } finally {
    await scratch.drop();
  }
}

/** Rows of `got` not in `want` (extra) and of `want` not in `got` (missing), compared as JSON. */
function rowDiff(got: readonly unknown[], want: readonly unknown[]): { extra: number; missing: number } {
  const count = (rows: readonly unknown[]) => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(JSON.stringify(row), (counts.get(JSON.stringify(row)) ?? 0) + 1);
    return counts;
  };
  const [g, w] = [count(got), count(want)];
  let extra = 0;
  let missing = 0;
  for (const [key, n] of g) extra += Math.max(0, n - (w.get(key) ?? 0));
  for (const [key, n] of w) missing += Math.max(0, n - (g.get(key) ?? 0));
  return { extra, missing };
}

function compareSnapshots(got: Record<string, unknown[]>, want: Record<string, unknown[]>) {
  let extra = 0;
  let missing = 0;
  const tables: string[] = [];
  for (const table of Object.keys(want)) {
    const diff = rowDiff(got[table] ?? [], want[table] ?? []);
    extra += diff.extra;
    missing += diff.missing;
    if (diff.extra + diff.missing > 0) tables.push(`${table} +${diff.extra}/-${diff.missing}`);
  }
  return { extra, missing, tables };
}

/** Unreplayed dead letters in the read and analytics databases, by projection. */
export async function deadLetters(stack: FaultStack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const db of [stack.read.db, stack.analytics.db]) {
    const rows = await sql<{ projection: string; n: number }>`
      select projection, count(*)::int as n from dead_letters where replayed_at is null group by projection`.execute(
      db,
    );
    for (const row of rows.rows) counts[row.projection] = (counts[row.projection] ?? 0) + row.n;
  }
  return counts;
}

/** Acknowledged commands with no event in the write database (the source of truth). */
export async function lostInWriteModel(stack: FaultStack, load: Load): Promise<number> {
  const requestIds = load.sent.filter(acknowledged).map((sent) => sent.requestId);
  const found = await eventIdsOf(stack, requestIds);
  return requestIds.filter((id) => !found.has(id)).length;
}

/**
 * Every store against the truth: the read model and analytics row by row against a fresh
 * rebuild from the event store; search, audit and cache against the write model (each entry
 * present once at its newest version, deleted ones absent; each acknowledged command's audit
 * record exactly once; each writer's cached first page at the newest versions).
 */
export async function compareStores(
  stack: FaultStack,
  queryUrl: string,
  load: Load,
  logger: Logger,
): Promise<StoreFigures[]> {
  const figures: StoreFigures[] = [];
  const truth = await entriesNow(stack);
  const mine = new Set(load.writers.map((writer) => writer.id));
  const entries = truth.filter((entry) => mine.has(entry.userId));

  const liveRead = await readModelSnapshot(stack.read.db);
  const rebuiltRead = await fromScratchSnapshot(stack.write.db, logger);
  const read = compareSnapshots(liveRead, rebuiltRead);
  figures.push({
    store: 'read model',
    lost: read.missing,
    duplicated: read.extra,
    equal: read.extra + read.missing === 0,
    detail:
      read.tables.length === 0 ? 'equals a fresh rebuild' : `differs from a fresh rebuild: ${read.tables.join(', ')}`,
  });

  const tables = analyticsProjection(await analyticsStore(stack.analytics.db)).tables;
  const analytics = compareSnapshots(
    await tablesSnapshot(stack.analytics.db, tables),
    await analyticsFromScratch(stack, logger, tables),
  );
  figures.push({
    store: 'analytics',
    lost: analytics.missing,
    duplicated: analytics.extra,
    equal: analytics.extra + analytics.missing === 0,
    detail:
      analytics.tables.length === 0
        ? 'equals a fresh rebuild'
        : `differs from a fresh rebuild: ${analytics.tables.join(', ')}`,
  });

  const docs = await searchDocuments(entries.map((entry) => entry.id));
  const searchLost = entries.filter((entry) => !entry.deleted && docs.get(entry.id)?.version !== entry.head);
  const searchExtra = entries.filter((entry) => entry.deleted && docs.has(entry.id));
  figures.push({
    store: 'search',
    lost: searchLost.length,
    duplicated: searchExtra.length,
    equal: searchLost.length + searchExtra.length === 0,
    detail: `${entries.length - searchLost.length - searchExtra.length}/${entries.length} entries as the write model has them; missing or old: ${searchLost.length}; deleted but found: ${searchExtra.length}`,
  });

  const records = await auditRecords(stack);
  const byRequest = new Map<string, number>();
  const byEvent = new Map<string, number>();
  for (const record of records) {
    if (record.requestId !== null) byRequest.set(record.requestId, (byRequest.get(record.requestId) ?? 0) + 1);
    byEvent.set(record.eventId, (byEvent.get(record.eventId) ?? 0) + 1);
  }
  const acked = load.sent.filter(acknowledged);
  const auditLost = acked.filter((sent) => (byRequest.get(sent.requestId) ?? 0) === 0).length;
  const auditTwice = [...byEvent.values()].filter((n) => n > 1).length;
  figures.push({
    store: 'audit',
    lost: auditLost,
    duplicated: auditTwice,
    equal: auditLost + auditTwice === 0,
    detail: `${acked.length - auditLost}/${acked.length} acknowledged commands audited; events recorded twice: ${auditTwice}`,
  });

  let stale = 0;
  const staleWriters: string[] = [];
  for (const writer of load.writers) {
    const want = new Map(
      entries.filter((entry) => entry.userId === writer.id && !entry.deleted).map((entry) => [entry.id, entry.version]),
    );
    const got = await listed(queryUrl, writer.token);
    // The first page (20 entries at most), each at the version the write model has.
    const same = got?.size === Math.min(20, want.size) && [...got].every(([id, version]) => want.get(id) === version);
    if (!same) {
      stale += 1;
      staleWriters.push(got === undefined ? 'no answer' : `${got.size} listed, ${want.size} expected`);
    }
  }
  figures.push({
    store: 'cache',
    lost: stale,
    duplicated: 0,
    equal: stale === 0,
    detail:
      stale === 0
        ? `every writer's cached first page is current (${load.writers.length} writers)`
        : `stale for ${stale} writers: ${staleWriters.join('; ')}`,
  });
  return figures;
}
