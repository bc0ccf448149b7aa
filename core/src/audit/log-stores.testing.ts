import { sql } from 'kysely';
import { connectMongo } from '../mongo/index.js';
import { createTestDatabase } from '../testing/database.js';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { openMongoAuditStore } from './mongo-audit-store.js';
import { defaultRetention } from './options.js';
import { openPostgresAuditStore, type AuditTables } from './postgres-audit-store.js';
import type { AuditStore } from './types.js';

/** An audit store on a fresh database of its own, for a test file. */
export interface LogStoreFixture {
  readonly store: AuditStore;
  /** Empties `application_logs` and `api_requests`. */
  clear(): Promise<void>;
  /** Closes the store and drops its database. */
  close(): Promise<void>;
}

/** The adapters the log suites run against, by name: each opens a store on a new database. */
export const logStoreAdapters: readonly { readonly name: string; open(): Promise<LogStoreFixture> }[] = [
  {
    name: 'mongodb',
    open: async () => {
      const mongo = connectMongo(
        { ...testEngines().mongo, database: uniqueName('audit_logs').replace('-', '_') },
        silentLogger(),
      );
      const store = await openMongoAuditStore(mongo.db, { retention: defaultRetention });
      return {
        store,
        clear: async () => {
          await mongo.db.collection('application_logs').deleteMany({});
          await mongo.db.collection('api_requests').deleteMany({});
        },
        close: async () => {
          await store.close();
          await mongo.db.dropDatabase();
          await mongo.close();
        },
      };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const database = await createTestDatabase<AuditTables>('read');
      const store = openPostgresAuditStore(database.db, { retention: defaultRetention });
      return {
        store,
        clear: async () => {
          await sql`truncate application_logs, api_requests`.execute(database.db);
        },
        close: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];
