import type { Collection, Db, IndexSpecification } from 'mongodb';

/** What the server could index: a TTL index on expiry, a text index on the tokens. */
export interface AuditIndexCapabilities {
  readonly ttl: boolean;
  readonly textIndex: boolean;
}

async function tryIndex(collection: Collection, key: IndexSpecification, options: object): Promise<boolean> {
  try {
    await collection.createIndex(key, options);
    return true;
  } catch {
    return false;
  }
}

/** Expiry: a TTL index where the server has them (documents without expiresAt never expire). */
async function expiryIndex(collection: Collection): Promise<boolean> {
  if (await tryIndex(collection, { expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 })) return true;
  await collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
  return false;
}

/**
 * The indexes of mindflow_logs, created when missing. Servers without TTL or text indexes
 * (FerretDB) get plain indexes instead, and the result says which path is active.
 */
export async function ensureAuditIndexes(db: Db): Promise<AuditIndexCapabilities> {
  const logs = db.collection('audit_logs');
  await logs.createIndex({ eventId: 1 }, { unique: true });
  await logs.createIndex({ chain: 1, seq: 1 }, { unique: true });
  await logs.createIndex({ userId: 1, timestamp: -1, eventId: -1 });
  await logs.createIndex({ action: 1, timestamp: -1, eventId: -1 });
  await logs.createIndex({ timestamp: -1, eventId: -1 });
  await logs.createIndex({ requestId: 1 });
  const ttl = await expiryIndex(logs);
  const textIndex = await tryIndex(logs, { tokens: 'text' }, { name: 'tokens_text', default_language: 'none' });
  if (!textIndex) await logs.createIndex({ tokens: 1 });

  const applicationLogs = db.collection('application_logs');
  await applicationLogs.createIndex({ time: -1 });
  await applicationLogs.createIndex({ requestId: 1 });
  await expiryIndex(applicationLogs);

  const apiRequests = db.collection('api_requests');
  await apiRequests.createIndex({ time: -1 });
  await apiRequests.createIndex({ userId: 1, time: -1 });
  await apiRequests.createIndex({ requestId: 1 });
  await expiryIndex(apiRequests);
  return { ttl, textIndex };
}
