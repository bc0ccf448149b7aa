import type { Kysely } from 'kysely';
import type { MongoConnection } from '../mongo/index.js';
import { openMongoAuditStore } from './mongo-audit-store.js';
import { defaultRetention, type AuditRetention } from './options.js';
import { openPostgresAuditStore, type AuditTables } from './postgres-audit-store.js';
import type { AuditStore } from './types.js';

/**
 * The audit store of a process: MongoDB when configured, else the tables of the (migrated)
 * read database. With MongoDB, this is where capabilities are detected, once.
 */
export async function openAuditStore(
  engines: { readonly mongo: MongoConnection | undefined; readonly readDb: Kysely<unknown> },
  retention: AuditRetention = defaultRetention,
): Promise<AuditStore> {
  return engines.mongo === undefined
    ? openPostgresAuditStore(engines.readDb as Kysely<AuditTables>, { retention })
    : openMongoAuditStore(engines.mongo.db, { retention });
}

/** A short line for `mindflow status` and the start log: which paths are active. */
export function describeAuditStore(store: AuditStore): string {
  const { adapter, server, ttl, textIndex } = store.capabilities;
  return [
    `${adapter} (${server})`,
    ttl ? 'expiry by TTL index' : 'expiry by the retention sweeper',
    textIndex
      ? adapter === 'postgres'
        ? 'text search by GIN-indexed tokens'
        : 'text search by text index'
      : 'text search by indexed tokens',
  ].join('; ');
}
