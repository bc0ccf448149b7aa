import { availableParallelism } from 'node:os';
import { openAuditStore } from '@mindflow/core/audit';
import { createRedisCache } from '@mindflow/core/cache';
import { openUserKeyring } from '@mindflow/core/crypto';
import { connectKafka, partitionCount } from '@mindflow/core/kafka';
import { createLogger, type Logger } from '@mindflow/core/logging';
import { openMailer } from '@mindflow/core/mail';
import { connectEngines, type Engines } from '@mindflow/core/runtime';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import { ensureSearchIndex, searchAlias } from '@mindflow/core/search';
import { writeDatabase } from '@mindflow/core/write-model';
import {
  createDecoder,
  createProjectionMetrics,
  hostProjection,
  createErasureFence,
  type HostedProjection,
  type RuntimeServices,
} from '@mindflow/core/projections';
import {
  analyticsStore,
  auditTrail,
  cacheInvalidation,
  mailDelivery,
  mailLinks,
  mailProjectionName,
  mailSide,
  searchIndexing,
  databaseProjections,
  listDeadLetters,
  projectionStatus,
  projectorDatabases,
  rebuildAudit,
  rebuildProjection,
  reindexSearch,
  replayDeadLetters,
  type ProjectionStore,
  type WriteSide,
} from '@mindflow/projector';
import { Registry } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import { Presets, SingleBar } from 'cli-progress';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

type Action =
  | { kind: 'status'; json: boolean }
  | { kind: 'dlq-list'; projection: string | undefined; json: boolean }
  | { kind: 'dlq-replay'; projection: string | undefined; ids: readonly string[] | undefined }
  | { kind: 'rebuild'; name: string };

/** Projection operations against the read and write databases. */
export async function projections(config: PlatformConfig, action: Action): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines(
    {
      database: config.engines.database,
      elasticsearch: config.engines.elasticsearch,
      mongo: config.engines.mongo,
      redis: config.engines.redis,
    },
    logger,
  );
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const databases = projectorDatabases(
      engines.databases.write.db,
      engines.databases.read.db,
      engines.databases.analytics.db,
    );
    const { writeDb } = databases;
    const bound = databaseProjections(databases, await analyticsStore(databases.analyticsDb));
    const secrets = async () => config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
    const decoder = async () => createDecoder(await openUserKeyring(writeDb, (await secrets()).masterKey), writeDb);
    // Every projection with dead letters: the Postgres ones in their databases, the external
    // ones (search, audit, cache, mail) in the read database.
    const readStore = bound.find((candidate) => candidate.projection.name === 'read-model')?.db;
    const stores: ProjectionStore[] = [
      ...bound.map(({ projection, db }) => ({ name: projection.name, store: db })),
      ...(readStore === undefined
        ? []
        : ['search', 'audit', 'cache', mailProjectionName].map((name) => ({ name, store: readStore }))),
    ];
    const auditStore = () =>
      openAuditStore({ mongo: engines.mongo, readDb: engines.databases.read.db }, config.engines.audit.retention);
    // Hosts that apply a dead letter again through the path deliveries take.
    const hosts = async (): Promise<HostedProjection[]> => {
      const decode = await decoder();
      const runtime: RuntimeServices = {
        metrics: createProjectionMetrics(new Registry()),
        logger,
        erasure: createErasureFence(writeDb),
      };
      const { readDb } = databases;
      const hosted = bound.map(({ projection, db }) => hostProjection({ projection, db, decode, ...runtime }));
      if (engines.elasticsearch !== undefined) {
        const client = engines.elasticsearch.client;
        hosted.push(searchIndexing({ client, index: searchAlias, writeDb, readDb, decode, runtime }));
      }
      hosted.push(auditTrail({ store: await auditStore(), writeDb, readDb, decode, runtime }));
      if (engines.redis !== undefined) hosted.push(cacheInvalidation(createRedisCache(engines.redis), readDb, runtime));
      // A replayed notice is sent (SMTP_URL, or the outbox), unless it was sent before.
      hosted.push(
        mailDelivery({
          mailer: openMailer(config.mail, logger),
          readDb: mailSide(readDb),
          writeDb: writeDatabase(engines.databases.write.db),
          links: mailLinks((await secrets()).jwtSecret, config.mail.linkBaseUrl),
          decode,
          runtime,
        }),
      );
      return hosted;
    };
    const print = (value: unknown, json: boolean, text: () => string) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
    switch (action.kind) {
      case 'status': {
        const statuses = await projectionStatus(writeDb, stores, await busPartitions(config, logger));
        print(statuses, action.json, () =>
          statuses
            .map(
              (s) =>
                `${s.name}: ${s.behind === 0 && !s.more ? 'at' : `${s.behind}${s.more ? '+' : ''} event(s) behind`} the event store head (${s.head ?? 'empty'}), ${s.deadLetters} dead letter(s), ${Object.keys(s.offsets).length} partition(s)\n`,
            )
            .join(''),
        );
        return statuses.some((s) => s.deadLetters > 0) ? 1 : 0;
      }
      case 'dlq-list': {
        const letters = await listDeadLetters(stores, action.projection);
        print(letters, action.json, () =>
          letters.length === 0
            ? 'no dead letters\n'
            : letters
                .map(
                  (l) =>
                    `#${l.id}  ${l.projection}  ${l.event.type} ${l.event.eventId}  ${l.attempts} tries  ${l.createdAt.toISOString()}\n    ${l.error.split('\n')[0] ?? ''}\n`,
                )
                .join(''),
        );
        return 0;
      }
      case 'rebuild': {
        if (action.name === 'search') return await reindex(engines, writeDb, await decoder());
        if (action.name === 'audit') {
          const progress = progressBar();
          const result = await rebuildAudit({
            store: await auditStore(),
            writeDb,
            readDb: databases.readDb,
            decode: await decoder(),
            erasure: createErasureFence(writeDb),
            logger,
            onProgress: progress.update,
          });
          progress.stop();
          process.stdout.write(
            `audit: ${result.events} events in ${result.seconds.toFixed(1)} s, ${result.appended} missing record(s) appended in place, ${result.resolved} dead letter(s) resolved, ${result.deadLetters} failed again\n`,
          );
          return result.deadLetters > 0 ? 1 : 0;
        }
        const target = bound.find((candidate) => candidate.projection.name === action.name);
        if (target === undefined) {
          const known = [...bound.map((candidate) => candidate.projection.name), 'search', 'audit'];
          process.stderr.write(`no projection ${action.name} (known: ${known.join(', ')})\n`);
          return 1;
        }
        const poolSize = config.engines.database.poolSize;
        if (poolSize < 2) {
          process.stderr.write('a rebuild needs DATABASE_POOL_SIZE of 2 or more: one connection holds its lock\n');
          return 1;
        }
        const progress = progressBar();
        const result = await rebuildProjection({
          projection: target.projection,
          writeDb,
          db: target.db,
          decode: await decoder(),
          erasure: createErasureFence(writeDb),
          logger,
          // One lane per core, at most 4, each holding a connection of the pool while it works,
          // besides the one that holds the rebuild's lock.
          lanes: Math.max(1, Math.min(availableParallelism(), 4, poolSize - 1)),
          onProgress: progress.update,
        });
        progress.stop();
        process.stdout.write(
          `${action.name}: ${result.events} events in ${result.seconds.toFixed(1)} s, swapped in, ${result.deadLetters} dead letter(s)\n`,
        );
        return result.deadLetters > 0 ? 1 : 0;
      }
      case 'dlq-replay': {
        const result = await replayDeadLetters(await hosts(), {
          ...(action.projection === undefined ? {} : { projection: action.projection }),
          ...(action.ids === undefined ? {} : { ids: action.ids }),
        });
        process.stdout.write(`${result.replayed} replayed, ${result.failed} failed again\n`);
        return result.failed > 0 ? 1 : 0;
      }
    }
  } finally {
    await engines.close();
  }
}

/** The progress bar of a rebuild: events done of the total counted at its start, with the rate. */
function progressBar(): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} events | {rate}/s | ETA {eta_formatted}', etaBuffer: 20 },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(1, 0, { rate: 0 });
  return {
    update: (done, total) => {
      bar.setTotal(total);
      bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
    },
    stop: () => bar.stop(),
  };
}

/** The events topic's partition count with Kafka (projections store an offset per partition); undefined on the embedded bus. */
async function busPartitions(config: PlatformConfig, logger: Logger): Promise<number | undefined> {
  const kafka = config.engines.kafka;
  if (kafka === undefined) return undefined;
  const connection = connectKafka(kafka, logger);
  try {
    return await partitionCount(connection.kafka, kafka.topic);
  } finally {
    await connection.close();
  }
}

/** `projections rebuild search`: a new Elasticsearch index filled from the event store, swapped in. */
async function reindex(
  engines: Engines,
  writeDb: Kysely<WriteSide>,
  decode: Awaited<ReturnType<typeof createDecoder>>,
): Promise<number> {
  if (engines.elasticsearch === undefined) {
    process.stderr.write(
      'search runs on PostgreSQL here (no ELASTICSEARCH_URL): it is part of the read model; rebuild read-model\n',
    );
    return 1;
  }
  const { client } = engines.elasticsearch;
  await ensureSearchIndex(client, searchAlias);
  const total = await sql<{ n: string }>`select count(*) as n from events`.execute(writeDb);
  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} events | {phase}' },
    Presets.shades_classic,
  );
  bar.start(Number(total.rows[0]?.n ?? 0), 0, { phase: 'filling' });
  const started = performance.now();
  const index = await reindexSearch({
    client,
    alias: searchAlias,
    writeDb,
    decode,
    onProgress: (indexed, phase) => {
      if (indexed > bar.getTotal()) bar.setTotal(indexed);
      bar.update(indexed, { phase: phase === 'fill' ? 'filling' : 'catching up after the swap' });
    },
  });
  bar.stop();
  process.stdout.write(
    `search: ${searchAlias} now points at ${index} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}
