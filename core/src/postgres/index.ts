export { connectPostgres, postgresPool, type Postgres } from './connect.js';
export { openEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.js';
export { connectDatabases, type Databases } from './databases.js';
export { pgTypes } from './types.js';
export { partitionsOf, type Partition } from './partitions.js';
export { acquireSessionLock, type SessionLock, type SessionLockOptions } from './session-lock.js';
