// bench/audit: audit write throughput of the audit store port (hash chain, dedup, pseudonyms)
// on both adapters, against plain inserts of the same records in the same run: appends in
// batches of 100 and 500, redelivery of stored batches, and two writers on one chain. Every
// measurement runs in a fresh database (a MongoDB database on the FerretDB server, a
// PostgreSQL database migrated to the 'read' schema), dropped at the end.
//   npm run bench:audit      (needs the engines of npm test)
import { Type } from '@sinclair/typebox';
import {
  chainOf,
  defaultRetention,
  openMongoAuditStore,
  openPostgresAuditStore,
  pseudonym,
  recordHash,
  retentionOf,
  searchTokens,
  verifyChains,
  type AuditAction,
  type AuditCapabilities,
  type AuditRecord,
  type AuditStore,
  type AuditTables,
  type DataCategory,
  type NewAuditRecord,
} from '@mindflow/core/audit';
import { readEnv } from '@mindflow/core/config';
import { pgTypes } from '@mindflow/core/postgres';
import { createTestDatabase, testEngines, uniqueName } from '@mindflow/core/testing';
import { ensureAuditIndexes } from '@mindflow/migrations';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import {
  MongoClient,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
} from 'mongodb';
import pg from 'pg';
import { v7 } from 'uuid';

const env = readEnv(
  Type.Object({
    // 5,000 rather than 20,000: on FerretDB 1.x every lookup scans audit_logs, so redelivery and
    // the two writers' catch-up grow with the square of the records (1–2.5 minutes at 5,000).
    BENCH_AUDIT_RECORDS: Type.Integer({ minimum: 1_000, default: 5_000 }),
    BENCH_AUDIT_ADAPTERS: Type.String({ default: 'postgres,mongodb' }),
  }),
  process.env,
);
const total = env.BENCH_AUDIT_RECORDS;
const engines = testEngines();
const retention = retentionOf(defaultRetention.auditLogs);
const progress = (line: string) => console.error(`  ${line}`);

// ── realistic records: 200 writers, a few officers, a mix of actions ─────────────────────
let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly [T, ...T[]]): T => items[Math.floor(random() * items.length)] ?? items[0];
const id = (kind: number, n: number) =>
  `0193c000-${kind.toString(16).padStart(4, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`;
const writers = Array.from({ length: 200 }, (_, n) => id(1, n));
const officers = [id(9, 1), id(9, 2), id(9, 3)] as const;
const agents = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'MindFlow/2.4.1 (Android 15; Pixel 8)',
] as const;
const moods = ['ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry'] as const;
const tags = ['work', 'family', 'health', 'travel', 'reading', 'sleep'] as const;
// Weighted: journal writes dominate, then sessions; queries by officers are rare.
const mix: readonly (readonly [AuditAction, DataCategory, number])[] = [
  ['ENTRY_CREATE', 'journal', 30],
  ['ENTRY_UPDATE', 'journal', 25],
  ['LOGIN', 'authentication', 14],
  ['LOGOUT', 'authentication', 5],
  ['LOGIN_FAILED', 'authentication', 3],
  ['ENTRY_DELETE', 'journal', 5],
  ['ATTACHMENT_ADD', 'journal', 5],
  ['SETTINGS_UPDATE', 'account', 4],
  ['PROFILE_UPDATE', 'account', 3],
  ['DATA_EXPORT', 'data-subject-rights', 2],
  ['AUDIT_QUERY', 'compliance', 2],
  ['ANALYTICS_QUERY', 'analytics', 2],
];
const weights = mix.reduce((sum, [, , weight]) => sum + weight, 0);

function metadataOf(action: AuditAction, n: number, subject: string | null): Record<string, unknown> {
  const entryId = id(2, Math.floor(random() * 1_000_000));
  switch (action) {
    case 'ENTRY_CREATE':
      return {
        entryId,
        changes: { mood: pick(moods), tags: [pick(tags), pick(tags)], wordCount: 40 + (n % 400), isPrivate: false },
      };
    case 'ENTRY_UPDATE':
      return {
        entryId,
        changes: {
          mood: { from: pick(moods), to: pick(moods) },
          tags: { added: [pick(tags)], removed: [] },
          wordCount: { from: 120 + (n % 50), to: 180 + (n % 90) },
        },
      };
    case 'ENTRY_DELETE':
      return { entryId, changes: { deletedAt: new Date(Date.UTC(2026, 10, 22)).toISOString() } };
    case 'ATTACHMENT_ADD':
      return { entryId, attachmentId: id(3, n), changes: { contentType: 'image/jpeg', bytes: 200_000 + n } };
    case 'LOGIN':
      return { method: 'password', mfa: n % 3 === 0, sessionId: id(4, n) };
    case 'LOGOUT':
      return { sessionId: id(4, n) };
    case 'LOGIN_FAILED':
      return { reason: 'bad-password', attempts: 1 + (n % 4) };
    case 'SETTINGS_UPDATE':
      return { changes: { theme: { from: 'light', to: 'dark' }, reminders: { from: false, to: true } } };
    case 'PROFILE_UPDATE':
      return { changes: { displayName: { changed: true }, timezone: { from: 'UTC', to: 'Europe/Lisbon' } } };
    case 'DATA_EXPORT':
      return { exportId: id(5, n), format: 'json', entries: 100 + (n % 300) };
    case 'AUDIT_QUERY':
      return { filter: { userId: subject, action: 'ENTRY_DELETE' }, results: n % 40 };
    default:
      return { view: 'mood_daily', days: 90, rows: 89 };
  }
}

function syntheticRecords(count: number): NewAuditRecord[] {
  const start = Date.now() - count * 50;
  return Array.from({ length: count }, (_, n) => {
    let draw = random() * weights;
    const [action, dataCategory] = mix.find(([, , weight]) => (draw -= weight) < 0) ?? ['ENTRY_CREATE', 'journal'];
    const writer = writers[Math.floor(random() ** 2 * writers.length)] ?? id(1, 0);
    const officer = action === 'AUDIT_QUERY' || action === 'ANALYTICS_QUERY' ? pick(officers) : undefined;
    const userId = action === 'LOGIN_FAILED' || action === 'ANALYTICS_QUERY' ? null : writer;
    const user = Number.parseInt(writer.slice(-4), 16);
    return {
      eventId: v7(),
      userId,
      actorId: officer ?? userId,
      actorRole: officer === undefined ? 'user' : 'compliance-officer',
      action,
      timestamp: new Date(start + n * 50),
      metadata: metadataOf(action, n, userId),
      ipAddress: `198.51.${String(user % 100)}.${String(1 + (n % 3))}`,
      userAgent: agents[user % agents.length] ?? null,
      requestId: `req-${v7()}`,
      dataCategory,
    };
  });
}

// ── measuring ─────────────────────────────────────────────────────────────────────────────
interface Row {
  readonly path: string;
  readonly records: number;
  readonly seconds: number;
  /** The plain insert this row is compared with (same batch size). */
  readonly baseline?: Row;
  readonly note?: string;
}

async function timed(path: string, records: number, run: () => Promise<void>, baseline?: Row): Promise<Row> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  progress(`${path}: ${seconds.toFixed(1)} s, ${(records / seconds).toFixed(0)} records/s`);
  return { path, records, seconds, ...(baseline === undefined ? {} : { baseline }) };
}

const batches = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Appends every batch in order; checks that exactly `expected` records went in. */
async function appendAll(store: AuditStore, records: readonly NewAuditRecord[], size: number, expected: number) {
  let appended = 0;
  for (const batch of batches(records, size)) appended += (await store.append(batch)).appended;
  if (appended !== expected) throw new Error(`appended ${String(appended)} records, expected ${String(expected)}`);
}

/** Two writers, each with its own half of the records, appending to the same (today's) chain. */
async function twoWriters(store: AuditStore, records: readonly NewAuditRecord[], size: number): Promise<number> {
  const half = Math.ceil(records.length / 2);
  const counts = await Promise.all(
    [records.slice(0, half), records.slice(half)].map(async (mine) => {
      let appended = 0;
      for (const batch of batches(mine, size)) appended += (await store.append(batch)).appended;
      return appended;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Whether the chain stayed whole under concurrency: every record linked, none missing. */
async function verification(store: AuditStore, since: Date, expected: number): Promise<string> {
  const [from, to] = [chainOf(since), chainOf(new Date())];
  const report = await verifyChains(store.chainRecords(from, to), await store.chainHeads(from, to));
  const checked = `${report.checked.toLocaleString('en')} of ${expected.toLocaleString('en')} records`;
  if (report.ok && report.checked === expected) return `chain verified, ${checked}`;
  const broken = report.firstBrokenAt;
  return broken === undefined
    ? `CHAIN INCOMPLETE: ${checked}`
    : `CHAIN BROKEN at seq ${String(broken.seq)} (${broken.problem}: ${broken.detail}), ${checked}`;
}

/** Two writers on one chain, in a fresh store: the row (conflicts, attempts, whether the chain held) and its profile. */
async function twoWritersRun(
  store: AuditStore,
  records: readonly NewAuditRecord[],
  size: number,
  baseline: Row,
  profile: Profile,
): Promise<{ row: Row; profile: string }> {
  const batchCount = Math.ceil(records.length / size);
  profile.reset();
  const since = new Date();
  let appended = 0;
  const row = await timed(
    `two writers, store.append, batches of ${String(size)}`,
    records.length,
    async () => {
      appended = await twoWriters(store, records, size);
    },
    baseline,
  );
  const table = profile.table(row, batchCount);
  const chain = await verification(store, since, records.length);
  progress(chain);
  const reported = appended === records.length ? '' : `, append reported ${appended.toLocaleString('en')}`;
  const conflicts = `${String(profile.conflicts)} conflict${profile.conflicts === 1 ? '' : 's'}`;
  const note = `${conflicts}, ${String(batchCount + profile.conflicts)} attempts${reported}; ${chain}`;
  return { row: { ...row, note }, profile: table };
}

/** What seal costs the client alone: four pseudonyms, the record hash and the search tokens. */
function sealOnly(records: readonly NewAuditRecord[]): Row {
  const salt = 'c2FsdC1mb3ItdGhlLWJlbmNo';
  const recordedAt = new Date();
  let prevHash = '0'.repeat(64);
  const started = performance.now();
  for (const record of records) {
    const pseudonyms = {
      userId: pseudonym(salt, record.userId),
      actorId: pseudonym(salt, record.actorId),
      ipAddress: pseudonym(salt, record.ipAddress),
      userAgent: pseudonym(salt, record.userAgent),
    };
    prevHash = recordHash({ ...record, chain: chainOf(recordedAt), prevHash, recordedAt, retention, pseudonyms });
    searchTokens(record);
  }
  return {
    path: 'seal only (pseudonyms, hash, tokens; no I/O)',
    records: records.length,
    seconds: (performance.now() - started) / 1000,
  };
}

// ── where the time goes: every round trip, by statement shape ─────────────────────────────
interface Span {
  readonly start: number;
  readonly end: number;
}

/** How long at least one of the spans was open: concurrent round trips count once. */
function inFlight(spans: readonly Span[]): number {
  let total = 0;
  let open: Span | undefined;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (open !== undefined && span.start <= open.end) {
      open = { start: open.start, end: Math.max(open.end, span.end) };
      continue;
    }
    if (open !== undefined) total += open.end - open.start;
    open = span;
  }
  return total + (open === undefined ? 0 : open.end - open.start);
}

class Profile {
  private readonly spans = new Map<string, Span[]>();
  conflicts = 0;

  /** A round trip that just ended, of `ms`. */
  add(label: string, ms: number): void {
    const end = performance.now();
    const spans = this.spans.get(label) ?? [];
    spans.push({ start: end - ms, end });
    this.spans.set(label, spans);
  }

  reset(): void {
    this.spans.clear();
    this.conflicts = 0;
  }

  /**
   * Round trips by shape: summed, and in flight (concurrent ones counted once, as the store
   * sends some lookups in parallel and two writers overlap). Shares are of the wall time.
   */
  table(wall: Row, batchCount: number): string {
    const rows = [...this.spans]
      .map(([label, spans]) => ({
        label,
        calls: spans.length,
        summed: spans.reduce((sum, span) => sum + span.end - span.start, 0),
        flight: inFlight(spans),
      }))
      .sort((a, b) => b.flight - a.flight);
    const wallMs = wall.seconds * 1000;
    const idle = wallMs - inFlight([...this.spans.values()].flat());
    const share = (ms: number) => `${((100 * ms) / wallMs).toFixed(0)} %`;
    return [
      `Where the time goes in "${wall.path}" (${String(batchCount)} batches; round trips timed by the client):`,
      '',
      '| operation | calls | ms summed | ms in flight | in flight per batch | share of wall time |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        ({ label, calls, summed, flight }) =>
          `| \`${label}\` | ${String(calls)} | ${summed.toFixed(0)} | ${flight.toFixed(0)} | ${(flight / batchCount).toFixed(1)} ms | ${share(flight)} |`,
      ),
      `| no round trip in flight: client (seal, driver), event loop | | | ${idle.toFixed(0)} | ${(idle / batchCount).toFixed(1)} ms | ${share(idle)} |`,
    ].join('\n');
  }
}

function shape(filter: unknown): string {
  if (typeof filter !== 'object' || filter === null) return '{}';
  const fields = Object.entries(filter).map(([key, value]: [string, unknown]) =>
    typeof value === 'object' && value !== null && !(value instanceof Date) && !Array.isArray(value)
      ? `${key}: ${Object.keys(value).join(' ')}`
      : key,
  );
  return `{${fields.join(', ')}}`;
}

function mongoLabel(event: CommandStartedEvent): string | undefined {
  const command: Record<string, unknown> = event.command;
  const name = event.commandName;
  const collection = String(command[name]);
  switch (name) {
    case 'find':
      return `find ${collection} ${shape(command.filter)}${command.limit === 1 ? ' limit 1' : ''}`;
    case 'update': {
      const updates: unknown = command.updates;
      const first: unknown = Array.isArray(updates) ? (updates as unknown[])[0] : undefined;
      const q = typeof first === 'object' && first !== null && 'q' in first ? first.q : undefined;
      return `update ${collection} ${shape(q)}`;
    }
    case 'getMore':
      return `getMore ${String(command.collection)}`;
    case 'insert':
    case 'delete':
      return `${name} ${collection}`;
    default:
      return undefined; // hello, endSessions, index builds: not part of a write
  }
}

/** Listens to the client's command events: the round trip of each command, by shape. */
function profileMongo(client: MongoClient, profile: Profile): void {
  const started = new Map<number, string>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const label = mongoLabel(event);
    if (label !== undefined) started.set(event.requestId, label);
  });
  client.on('commandSucceeded', (event: CommandSucceededEvent) => {
    const label = started.get(event.requestId);
    started.delete(event.requestId);
    if (label === undefined) return;
    profile.add(label, event.duration);
    const reply: unknown = event.reply;
    const writeErrors: unknown =
      typeof reply === 'object' && reply !== null ? Reflect.get(reply, 'writeErrors') : undefined;
    if (label.startsWith('insert audit_logs') && Array.isArray(writeErrors) && writeErrors.length > 0)
      profile.conflicts += 1;
  });
  client.on('commandFailed', (event: CommandFailedEvent) => {
    const label = started.get(event.requestId);
    started.delete(event.requestId);
    if (label !== undefined) profile.add(`${label} (failed)`, event.duration);
  });
}

/** A statement's shape: parameter lists and the rows of a multi-row insert collapsed. */
function sqlLabel(text: string): string {
  return text
    .replace(/\((?:"[a-z_]+", )+"[a-z_]+"\)/g, '(…)')
    .replace(/\(\$\d+(?:, \$\d+)*\)(?:, \(\$\d+(?:, \$\d+)*\))*/g, '(…)')
    .replace(/\$\d+/g, '?')
    .replace(/"/g, '');
}

// ── MongoDB ───────────────────────────────────────────────────────────────────────────────
interface PlainDoc extends Omit<NewAuditRecord, 'eventId'> {
  _id: string;
}

async function benchMongo(records: readonly NewAuditRecord[]) {
  // A client of its own, as connectMongo makes one, with command monitoring on.
  const client = new MongoClient(engines.mongo.url, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  const profile = new Profile();
  profileMongo(client, profile);
  const fresh = async <T>(run: (db: Db) => Promise<T>): Promise<T> => {
    const db = client.db(uniqueName('bench_audit').replace('-', '_'));
    try {
      return await run(db);
    } finally {
      await db.dropDatabase();
    }
  };
  const rows: Row[] = [];
  const notes: string[] = [];

  // Baseline: the same records, one unique key (the event id as _id), no chain, no other index.
  const plain = async (size: number) =>
    fresh(async (db) => {
      const collection = await db.createCollection<PlainDoc>('bench_plain');
      return timed(`plain insertMany, batches of ${String(size)} (baseline)`, records.length, async () => {
        for (const batch of batches(records, size)) {
          await collection.insertMany(
            batch.map(({ eventId, ...rest }) => ({ ...rest, _id: eventId })),
            { ordered: false },
          );
        }
      });
    });
  const plain100 = await plain(100);
  const plain500 = await plain(500);
  rows.push(plain100, plain500);

  let capabilities: AuditCapabilities | undefined;
  let stored: AuditRecord[] = [];
  const open = async (db: Db) => {
    const store = await openMongoAuditStore(db, { retention: defaultRetention });
    capabilities = store.capabilities;
    return store;
  };

  for (const size of [100, 500]) {
    const baseline = size === 100 ? plain100 : plain500;
    await fresh(async (db) => {
      const store = await open(db);
      profile.reset();
      const row = await timed(
        `store.append, batches of ${String(size)}`,
        records.length,
        () => appendAll(store, records, size, records.length),
        baseline,
      );
      rows.push(row);
      notes.push(profile.table(row, Math.ceil(records.length / size)));
      if (size !== 500) return;
      profile.reset();
      const redelivery = await timed(
        'redelivery: store.append of stored batches of 500 (all skipped)',
        records.length,
        () => appendAll(store, records, size, 0),
        baseline,
      );
      rows.push(redelivery);
      notes.push(profile.table(redelivery, Math.ceil(records.length / size)));
      stored = [];
      for await (const record of store.chainRecords('0000-00-00', '9999-99-99')) stored.push(record);
    });
  }

  // The stored documents with every index of audit_logs, inserted without the append protocol.
  rows.push(
    await fresh(async (db) => {
      await ensureAuditIndexes(db);
      const logs = db.collection<AuditRecord>('audit_logs');
      return timed(
        'stored records, plain insertMany into audit_logs (its indexes, no chain), batches of 500',
        stored.length,
        async () => {
          for (const batch of batches(stored, 500)) {
            await logs.insertMany(
              batch.map((record) => ({ ...record })),
              { ordered: true },
            );
          }
        },
        plain500,
      );
    }),
  );

  for (const size of [100, 500]) {
    const baseline = size === 100 ? plain100 : plain500;
    await fresh(async (db) => {
      const run = await twoWritersRun(await open(db), records, size, baseline, profile);
      rows.push(run.row);
      notes.push(run.profile);
    });
  }
  await client.close();
  if (capabilities === undefined) throw new Error('no store was opened');
  return { capabilities, rows, notes };
}

// ── PostgreSQL ────────────────────────────────────────────────────────────────────────────
interface PlainTable {
  event_id: string;
  user_id: string | null;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  timestamp: Date;
  metadata: string;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  data_category: string;
}

const plainRow = (record: NewAuditRecord): PlainTable => ({
  event_id: record.eventId,
  user_id: record.userId,
  actor_id: record.actorId,
  actor_role: record.actorRole,
  action: record.action,
  timestamp: record.timestamp,
  metadata: JSON.stringify(record.metadata),
  ip_address: record.ipAddress,
  user_agent: record.userAgent,
  request_id: record.requestId,
  data_category: record.dataCategory,
});

const storedRow = (record: AuditRecord) => ({
  ...plainRow(record),
  retention: record.retention,
  expires_at: record.expiresAt,
  legal_hold: record.legalHold,
  recorded_at: record.recordedAt,
  chain: record.chain,
  seq: record.seq,
  prev_hash: record.prevHash,
  hash: record.hash,
  pseudonyms: JSON.stringify(record.pseudonyms),
  salt: record.salt,
  tokens: [...record.tokens],
});

async function benchPostgres(records: readonly NewAuditRecord[]) {
  const profile = new Profile();
  const log = (event: LogEvent) => {
    const label = sqlLabel(event.query.sql);
    if (event.level === 'query') {
      profile.add(label, event.queryDurationMillis);
      return;
    }
    profile.add(`${label} (failed)`, event.queryDurationMillis);
    const code: unknown =
      typeof event.error === 'object' && event.error !== null ? Reflect.get(event.error, 'code') : undefined;
    if (code === '23505' && label.startsWith('insert into audit_logs')) profile.conflicts += 1;
  };
  // A fresh database migrated to the 'read' schema, through a pool whose statements are timed.
  const fresh = async <T>(run: (db: Kysely<AuditTables>) => Promise<T>): Promise<T> => {
    const database = await createTestDatabase<AuditTables>('read', 1);
    const pool = new pg.Pool({ connectionString: database.url, max: 10, types: pgTypes });
    const db = new Kysely<AuditTables>({ dialect: new PostgresDialect({ pool }), log });
    try {
      return await run(db);
    } finally {
      await db.destroy();
      await database.drop();
    }
  };
  const rows: Row[] = [];
  const notes: string[] = [];

  // Baseline: the same records as rows of the same columns, the event id as primary key.
  const plain = async (size: number) =>
    fresh(async (db) => {
      await sql`
        create table bench_plain (
          event_id text primary key, user_id text, actor_id text, actor_role text, action text not null,
          timestamp timestamptz not null, metadata jsonb not null, ip_address text, user_agent text,
          request_id text, data_category text not null
        )`.execute(db);
      const scratch = db.withTables<{ bench_plain: PlainTable }>();
      return timed(`plain multi-row insert, batches of ${String(size)} (baseline)`, records.length, async () => {
        for (const batch of batches(records, size))
          await scratch.insertInto('bench_plain').values(batch.map(plainRow)).execute();
      });
    });
  const plain100 = await plain(100);
  const plain500 = await plain(500);
  rows.push(plain100, plain500);

  let stored: AuditRecord[] = [];
  let capabilities: AuditCapabilities | undefined;
  const open = (db: Kysely<AuditTables>) => {
    const store = openPostgresAuditStore(db, { retention: defaultRetention });
    capabilities = store.capabilities;
    return store;
  };

  for (const size of [100, 500]) {
    const baseline = size === 100 ? plain100 : plain500;
    await fresh(async (db) => {
      const store = open(db);
      profile.reset();
      const row = await timed(
        `store.append, batches of ${String(size)}`,
        records.length,
        () => appendAll(store, records, size, records.length),
        baseline,
      );
      rows.push(row);
      notes.push(profile.table(row, Math.ceil(records.length / size)));
      if (size !== 500) return;
      profile.reset();
      const redelivery = await timed(
        'redelivery: store.append of stored batches of 500 (all skipped)',
        records.length,
        () => appendAll(store, records, size, 0),
        baseline,
      );
      rows.push(redelivery);
      notes.push(profile.table(redelivery, Math.ceil(records.length / size)));
      stored = [];
      for await (const record of store.chainRecords('0000-00-00', '9999-99-99')) stored.push(record);
    });
  }

  rows.push(
    await fresh(async (db) =>
      timed(
        'stored records, plain multi-row insert into audit_logs (its indexes, no chain), batches of 500',
        stored.length,
        async () => {
          for (const batch of batches(stored, 500))
            await db.insertInto('audit_logs').values(batch.map(storedRow)).execute();
        },
        plain500,
      ),
    ),
  );

  for (const size of [100, 500]) {
    const baseline = size === 100 ? plain100 : plain500;
    await fresh(async (db) => {
      const run = await twoWritersRun(open(db), records, size, baseline, profile);
      rows.push(run.row);
      notes.push(run.profile);
    });
  }
  if (capabilities === undefined) throw new Error('no store was opened');
  return { capabilities, rows, notes };
}

// ── report ────────────────────────────────────────────────────────────────────────────────
const perSecond = (row: Row) => row.records / row.seconds;
function table(rows: readonly Row[]): string {
  return [
    '| path | records | seconds | records/s | × baseline |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const ratio = row.baseline === undefined ? '1.00×' : `${(perSecond(row) / perSecond(row.baseline)).toFixed(2)}×`;
      const path = row.note === undefined ? row.path : `${row.path} (${row.note})`;
      return `| ${path} | ${row.records.toLocaleString('en')} | ${row.seconds.toFixed(2)} | ${perSecond(row).toFixed(0)} | ${ratio} |`;
    }),
  ].join('\n');
}

const records = syntheticRecords(total);
const seal = sealOnly(records);
const sections: string[] = [];
for (const adapter of env.BENCH_AUDIT_ADAPTERS.split(',').map((name) => name.trim())) {
  progress(`${adapter}: ${total.toLocaleString('en')} records`);
  const result =
    adapter === 'mongodb'
      ? await benchMongo(records)
      : adapter === 'postgres'
        ? await benchPostgres(records)
        : undefined;
  if (result === undefined) throw new Error(`unknown adapter ${adapter}: mongodb or postgres`);
  const { capabilities: caps } = result;
  sections.push(
    [
      `### ${caps.adapter} (${caps.server}; capabilities: ttl ${String(caps.ttl)}, textIndex ${String(caps.textIndex)})`,
      '',
      table(result.rows),
      '',
      '× baseline: against the plain insert with the same batch size.',
      '',
      result.notes.join('\n\n'),
    ].join('\n'),
  );
}

console.log(`
## Audit writes (${new Date().toISOString().slice(0, 10)})

${total.toLocaleString('en')} records (200 writers, 3 officers, 12 actions, metadata with entryId and changes, ip and user agent); client-side ${seal.path}: ${perSecond(seal).toFixed(0)} records/s.

${sections.join('\n\n')}
`);
process.exit(0);
