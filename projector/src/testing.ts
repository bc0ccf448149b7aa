import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { listenForEvents, type EventStoreTables } from '@mindflow/core/eventstore';
import { createEmbeddedBus, type EventBus } from '@mindflow/core/bus';
import { createUserKeyring, type UserKeysTables } from '@mindflow/core/crypto';
import { moods } from '@mindflow/core/domain';
import { createDecoder, hostProjection, createProjectionMetrics } from '@mindflow/core/projections';
import { readModelProjection } from './read-model/projection.js';
import type { HttpServer } from '@mindflow/core/http';
import { sql, type Kysely } from 'kysely';
import type { ReadModelTables } from './read-model/tables.js';
import type { AnalyticsProjectionTables } from './analytics/tables.js';
import { defaultRetention, openAuditStore, type AuditRetention, type AuditStore } from '@mindflow/core/audit';
import type { Breaker } from '@mindflow/core/breaker';
import type { MongoConfig } from '@mindflow/core/config';
import { connectMongo } from '@mindflow/core/mongo';
import { logDeliveries } from './rebuild.js';
import { startProjector, type Projector, type ProjectorOptions } from './service.js';
import { projectorDatabases, writeSide } from './database.js';
import type { CommandServiceOptions } from '@mindflow/command-service';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import type { Cache } from '@mindflow/core/cache';
import { connectKafka, deleteTopic } from '@mindflow/core/kafka';
import type { Logger } from '@mindflow/core/logging';
import type { LiveHub } from '@mindflow/core/live';
import type { Mailer } from '@mindflow/core/mail';
import { connectPostgres } from '@mindflow/core/postgres';
import {
  createTestDatabase,
  readWholeLog,
  silentLogger,
  testEngines,
  uniqueName,
  type TestDatabase,
} from '@mindflow/core/testing';
import { Registry } from 'prom-client';

/** Every row of every read-model table, in a stable order: two models compare equal row by row. */
export async function readModelSnapshot(db: Kysely<ReadModelTables>): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['profile_view', 'user_id'],
    ['journal_view', 'entry_id'],
    ['entry_history', 'entry_id, version'],
    ['mood_calendar', 'user_id, entry_date'],
    ['tag_counts', 'user_id, tag'],
  ] as const) {
    rows[table] = (
      await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db)
    ).rows;
  }
  return rows;
}

/** Registers and signs in `count` writers through the command routes (UTC unless a time zone is given). */
export async function signedInWriters(
  app: HttpServer,
  count: number,
  timezone = 'UTC',
): Promise<{ id: string; token: string; email: string; password: string }[]> {
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const writers: { id: string; token: string; email: string; password: string }[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${randomUUID()}@example.com`;
    const registered = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password, displayName: `Writer ${i}`, timezone, consent },
    });
    if (registered.statusCode !== 201) throw new Error(`register: ${registered.body}`);
    const session = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).json<{
      accessToken: string;
      user: { id: string };
    }>();
    writers.push({ id: session.user.id, token: session.accessToken, email, password });
  }
  return writers;
}

/** Sends `app` a command as the writer holding `token`, with If-Match when `version` is given. */
export function commandSender(app: HttpServer) {
  return (token: string, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, version?: number) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(version === undefined ? {} : { 'if-match': `"${version}"` }) },
      ...(payload === undefined ? {} : { payload }),
    });
}

/**
 * Updates, deletes, restores and logins of four writers through the command routes until
 * `running()` turns false; counts the commands sent in `sent.n` as it goes.
 */
export async function commandLoad(app: HttpServer, running: () => boolean, sent: { n: number }): Promise<number> {
  const writers = await signedInWriters(app, 4);
  const entries: { id: string; token: string; version: number; deleted: boolean }[] = [];
  for (const writer of writers) {
    for (let day = 0; day < 6; day++) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: { authorization: `Bearer ${writer.token}` },
        payload: {
          date: `2026-03-${String(10 + day).padStart(2, '0')}`,
          title: 't',
          content: 'some words',
          mood: moods[day % moods.length],
          tags: ['a'],
        },
      });
      if (created.statusCode === 201)
        entries.push({ ...created.json<{ id: string; version: number }>(), token: writer.token, deleted: false });
    }
  }
  for (let step = 0; running(); step++) {
    const entry = entries[step % entries.length];
    if (entry === undefined) break;
    const auth = { authorization: `Bearer ${entry.token}` };
    const roll = step % 5;
    if (roll === 0 || roll === 1) {
      const updated = await app.inject({
        method: 'PATCH',
        url: `/v1/entries/${entry.id}`,
        headers: { ...auth, 'if-match': `"${entry.version}"` },
        payload: { mood: moods[step % moods.length], content: `words ${step}` },
      });
      if (updated.statusCode === 200) entry.version = updated.json<{ version: number }>().version;
    } else if (roll === 2) {
      const url = entry.deleted ? `/v1/entries/${entry.id}/restore` : `/v1/entries/${entry.id}`;
      const done = await app.inject({ method: entry.deleted ? 'POST' : 'DELETE', url, headers: auth });
      if (done.statusCode === 200)
        Object.assign(entry, { version: done.json<{ version: number }>().version, deleted: !entry.deleted });
    } else {
      const writer = writers[step % writers.length];
      if (writer !== undefined)
        await app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: writer.email === '' ? {} : { email: writer.email, password: writer.password },
        });
    }
    sent.n += 1;
  }
  return sent.n;
}

/**
 * A command service on a fresh write database, its write side, a decoder under the test master
 * key and the embedded bus over its log: what a test hosting projections beside commands needs.
 */
export async function commandsWithBus(logger: Logger) {
  const commands = await commandServiceForTest();
  const writeDb = writeSide(commands.db);
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
  const notifications = await listenForEvents(commands.url, logger);
  const bus: EventBus = createEmbeddedBus({ db: commands.db, notifications, logger, pollMs: 50 });
  return {
    commands,
    writeDb,
    decode,
    bus,
    close: async () => {
      await bus.close();
      await notifications.close();
      await commands.close();
    },
  };
}

/** Events as the embedded bus delivers them. */
export const asDeliveries = logDeliveries;

export interface ProjectorUnderTest {
  readonly commands: Awaited<ReturnType<typeof commandServiceForTest>>;
  readonly read: TestDatabase<ReadModelTables>;
  readonly analytics: TestDatabase<AnalyticsProjectionTables>;
  readonly projector: Projector;
  /** The audit store the audit projection writes, when asked for. */
  readonly audit: AuditStore | undefined;
  /** MongoDB's breaker, when the audit store is there (request handlers read through it). */
  readonly auditBreaker: Breaker | undefined;
  /** With Kafka: the connection, the test's topic and its consumer-group prefix. */
  readonly bus: { readonly kafka: Kafka; readonly topic: string; readonly groupPrefix: string } | undefined;
  close(): Promise<void>;
}

/**
 * A command service on a fresh write database and the projector on a fresh read database, via
 * Kafka (a topic and consumer groups of its own) or the embedded bus. The projector connects
 * to both databases by itself, as in production.
 */
export async function projectorForTest(options: {
  kafka: boolean;
  logger: Logger;
  registry?: Registry;
  cache?: Cache;
  search?: ProjectorOptions['search'];
  /** Runs the audit projection into a store on the read database, or in a MongoDB database of its own. */
  audit?: 'postgres' | 'mongodb';
  auditRetention?: AuditRetention;
  /** Another way to the MongoDB server (e.g. through a proxy), for the audit store there. */
  auditMongo?: MongoConfig;
  /** Redis for the command routes' sessions, as in production; in-process without. */
  sessionRedis?: CommandServiceOptions['redis'];
  /** Runs the mail projection, sending through this mailer. */
  mailer?: Mailer;
  /** Runs the live projection, publishing to this hub. */
  live?: LiveHub;
}): Promise<ProjectorUnderTest> {
  const commands = await commandServiceForTest(
    {},
    undefined,
    options.sessionRedis === undefined ? {} : { sessionRedis: options.sessionRedis },
  );
  const read = await createTestDatabase<ReadModelTables>('read');
  const analytics = await createTestDatabase<AnalyticsProjectionTables>('analytics');
  const write = connectPostgres('write', commands.url, 5);
  const readSide = connectPostgres('read', read.url, 5);
  const analyticsSide = connectPostgres('analytics', analytics.url, 5);
  const kafka = options.kafka ? connectKafka(testEngines().kafka, options.logger) : undefined;
  const topic = `test.events.${randomUUID()}`;
  const groupPrefix = `test.${randomUUID()}.`;
  const auditSide =
    options.audit === undefined
      ? undefined
      : await auditStoreForTest(options.audit, read.url, options.auditRetention, options.logger, options.auditMongo);
  const audit = auditSide?.store;
  const projector = await startProjector({
    ...projectorDatabases(write.db, readSide.db, analyticsSide.db),
    writeUrl: commands.url,
    kafka: kafka?.kafka,
    topic,
    groupPrefix,
    secrets: testSecrets,
    logger: options.logger,
    registry: options.registry ?? new Registry(),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.search === undefined ? {} : { search: options.search }),
    ...(audit === undefined ? {} : { audit: { store: audit, sweepSeconds: 3600 } }),
    ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
    // Reminders are raised by the tests, at the times they choose.
    remindEveryMs: 0,
    ...(options.live === undefined ? {} : { live: options.live }),
  });
  return {
    commands,
    read,
    analytics,
    projector,
    audit,
    auditBreaker: auditSide?.breaker,
    bus: kafka === undefined ? undefined : { kafka: kafka.kafka, topic, groupPrefix },
    close: async () => {
      await projector.stop();
      await auditSide?.close();
      await write.close();
      await readSide.close();
      await analyticsSide.close();
      if (kafka !== undefined) {
        await deleteTopic(kafka.kafka, topic);
        await kafka.close();
      }
      await read.drop();
      await analytics.drop();
      await commands.close();
    },
  };
}

/**
 * An audit store for a test: on the read database at `readUrl`, or in a MongoDB database of its
 * own. `open` makes another client of the same store (as another process would); `close` closes
 * the connections and drops the MongoDB database.
 */
export async function auditStoreForTest(
  adapter: 'postgres' | 'mongodb',
  readUrl: string,
  retention: AuditRetention = defaultRetention,
  logger: Logger = silentLogger(),
  mongoConfig: MongoConfig = testEngines().mongo,
): Promise<{
  store: AuditStore;
  open: () => Promise<AuditStore>;
  close: () => Promise<void>;
  /** The MongoDB client's breaker, with MongoDB. */
  breaker: Breaker | undefined;
}> {
  const read = connectPostgres('read', readUrl, 3);
  const mongo =
    adapter === 'mongodb'
      ? connectMongo({ ...mongoConfig, database: uniqueName('test_audit').replace('-', '_') }, logger)
      : undefined;
  const open = () => openAuditStore({ mongo, readDb: read.db }, retention);
  return {
    store: await open(),
    open,
    breaker: mongo?.breaker,
    close: async () => {
      await read.close();
      if (mongo === undefined) return;
      await mongo.db.dropDatabase();
      await mongo.close();
    },
  };
}

/**
 * The read model built from scratch, in a database of its own, from every event of the store:
 * what a live model must equal, row by row. The database is dropped before this returns.
 */
export async function fromScratchSnapshot<DB extends UserKeysTables & EventStoreTables>(
  writeDb: Kysely<DB>,
  logger: Logger,
): Promise<Record<string, unknown[]>> {
  const scratch = await createTestDatabase<ReadModelTables>('read');
  try {
    const host = hostProjection({
      projection: readModelProjection,
      db: scratch.db,
      decode: createDecoder(createUserKeyring(testSecrets.masterKey), writeDb),
      metrics: createProjectionMetrics(new Registry()),
      logger,
    });
    await host.handle(asDeliveries(await readWholeLog(writeDb)));
    return await readModelSnapshot(scratch.db);
  } finally {
    await scratch.drop();
  }
}

/**
 * Every row of the given tables, each ordered by its whole row: two databases holding the same
 * projection compare equal row by row. Floating-point values are rounded to 9 decimals (sums
 * taken in another batching differ in their last bits).
 */
export async function tablesSnapshot<DB>(
  db: Kysely<DB>,
  tables: readonly string[],
): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) {
    const result = await sql<
      Record<string, unknown>
    >`select * from ${sql.id('public', table)} as t order by t::text`.execute(db);
    rows[table] = result.rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [
          column,
          typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(9)) : value,
        ]),
      ),
    );
  }
  return rows;
}
