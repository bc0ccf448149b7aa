export * from './types.js';
export { defaultRetention, type AuditRetention, type AuditStoreOptions } from './options.js';
export { chainOf, genesisHash, pseudonym, recordHash, retentionOf, expiryOf } from './chain.js';
export { words, searchTokens } from './tokens.js';
export { verifyChains, type VerifyReport, type BrokenLink, type ChainProblem } from './verify.js';
export { openMongoAuditStore } from './mongo-audit-store.js';
export { openPostgresAuditStore, type AuditTables } from './postgres-audit-store.js';
export { openAuditStore, describeAuditStore } from './open.js';
export { exportLines, recordView, type ExportFormat } from './export.js';
