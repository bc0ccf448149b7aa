import type { AuditRetention } from './options.js';

/** What an audit record says happened. */
export const auditActions = [
  'ACCOUNT_CREATE',
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'PASSWORD_CHANGE',
  'ENTRY_CREATE',
  'ENTRY_UPDATE',
  'ENTRY_DELETE',
  'ENTRY_RESTORE',
  'ATTACHMENT_ADD',
  'ATTACHMENT_REMOVE',
  'DATA_EXPORT',
  'ACCOUNT_DELETE',
  'SETTINGS_UPDATE',
  'PROFILE_UPDATE',
  'GDPR_CONSENT_UPDATE',
  'ROLE_GRANTED',
  'ROLE_REVOKED',
  'GOAL_SET',
  'GOAL_UPDATE',
  'GOAL_REMOVE',
  'TEMPLATE_CREATE',
  'TEMPLATE_UPDATE',
  'TEMPLATE_REMOVE',
  'ANALYTICS_QUERY',
  'AUDIT_QUERY',
  'AUDIT_EXPORT',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** Why a record is kept, and so how long. */
export type DataCategory =
  | 'authentication'
  | 'account'
  | 'journal'
  | 'consent'
  | 'access-control'
  | 'data-subject-rights'
  | 'analytics'
  | 'compliance';

/** Facts about an action: never journal text, passwords or tokens. */
export type AuditMetadata = Readonly<Record<string, unknown>>;

/** A record to append: `eventId` is the event it comes from (or a fresh id for a query). */
export interface NewAuditRecord {
  readonly eventId: string;
  /** Whose data: the subject. Null when unknown (a failed login for an unknown email). */
  readonly userId: string | null;
  /** Who did it, when someone other than the subject (an admin, a compliance officer) could have. */
  readonly actorId: string | null;
  readonly actorRole: string | null;
  readonly action: AuditAction;
  readonly timestamp: Date;
  readonly metadata: AuditMetadata;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly dataCategory: DataCategory;
}

/** Pseudonyms of a record's personal fields: what the hash covers in their place. */
export interface Pseudonyms {
  readonly userId: string | null;
  readonly actorId: string | null;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
}

/** A record as stored: in its chain (one per UTC day of recording), hashed, with its expiry. */
export interface AuditRecord extends NewAuditRecord {
  /** ISO 8601 duration the record is kept for (P7Y by default). */
  readonly retention: string;
  /** When it may be removed; null while a legal hold covers it. */
  readonly expiresAt: Date | null;
  readonly legalHold: boolean;
  readonly recordedAt: Date;
  readonly chain: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly pseudonyms: Pseudonyms;
  /** The subject's salt for the pseudonyms; removed when the subject is erased. */
  readonly salt: string | null;
  /** Lower-case words of the searchable fields, for text search. */
  readonly tokens: readonly string[];
}

/** The newest record of a chain. */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  /** When the last of its records passes its retention (legal holds aside). */
  readonly until: Date;
}

export interface AuditFilter {
  readonly userId?: string;
  readonly action?: AuditAction;
  /** Inclusive lower bound on `timestamp`. */
  readonly from?: Date;
  /** Exclusive upper bound on `timestamp`. */
  readonly to?: Date;
  /** Every word must occur in the record's searchable fields. */
  readonly text?: string;
}

/** Where a page ends: records are listed newest first, by (timestamp, eventId). */
export interface AuditCursor {
  readonly timestamp: Date;
  readonly eventId: string;
}

/** A legal hold: the user's records never expire while it stands. */
export interface LegalHold {
  readonly userId: string;
  readonly reason: string;
  readonly placedBy: string;
  readonly placedAt: Date;
}

/** What the server behind an adapter can do, detected once at start. */
export interface AuditCapabilities {
  readonly adapter: 'mongodb' | 'postgres';
  /** The server itself removes expired records (TTL index); else the retention sweeper does. */
  readonly ttl: boolean;
  /** A native text index; else the search runs over the indexed `tokens`. */
  readonly textIndex: boolean;
  readonly server: string;
}

/** A line of the services' logs, shipped in batches; kept 30 days. */
export interface ApplicationLog {
  readonly time: Date;
  readonly level: string;
  readonly service: string;
  readonly message: string;
  readonly requestId: string | null;
  readonly context: Readonly<Record<string, unknown>>;
}

/** One HTTP request as served; kept 90 days. Query and body are sanitized before they get here. */
export interface ApiRequest {
  readonly time: Date;
  readonly service: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  readonly status: number;
  readonly durationMs: number;
  readonly responseBytes: number | null;
  readonly userId: string | null;
  readonly ip: string | null;
}

/** The collections apart from the audit trail, with their own retention. */
export type LogCollection = 'application_logs' | 'api_requests';

/**
 * The audit store port: the audit trail (hash-chained, kept for years, under legal holds),
 * the shipped application logs and the API request log. Adapters: MongoDB (FerretDB
 * included) and PostgreSQL; one contract suite runs against both.
 */
export interface AuditStore {
  readonly capabilities: AuditCapabilities;
  /** How long each kind of record is kept, in seconds. */
  readonly retention: AuditRetention;
  /**
   * Appends records to their chains; a record whose eventId is already stored is skipped, so
   * redeliveries and replays leave exactly one record per event. Safe with concurrent writers.
   */
  append(records: readonly NewAuditRecord[]): Promise<{ readonly appended: number }>;
  /** Newest first, after `cursor`. */
  list(filter: AuditFilter, limit: number, cursor?: AuditCursor): Promise<AuditRecord[]>;
  /** How many records match. */
  count(filter: AuditFilter): Promise<number>;
  /** Every matching record, oldest first, streamed in batches (constant memory). */
  stream(filter: AuditFilter): AsyncIterable<AuditRecord>;
  /** The records of chains `from`..`to` (UTC days, inclusive), by chain and position. */
  chainRecords(from: string, to: string): AsyncIterable<AuditRecord>;
  /** The heads of chains `from`..`to`. */
  chainHeads(from: string, to: string): Promise<ChainHead[]>;
  /** Places or lifts a hold on a user's records (past and future). */
  placeHold(hold: LegalHold): Promise<{ readonly records: number }>;
  liftHold(userId: string): Promise<{ readonly records: number }>;
  holds(): Promise<LegalHold[]>;
  /** The subject is erased: their records keep action and time under their pseudonym. */
  pseudonymize(userId: string): Promise<{ readonly records: number }>;
  /** Removes expired records that no hold covers, from every collection; the TTL index's job where there is one. */
  sweep(now: Date): Promise<Readonly<Record<'audit_logs' | LogCollection, number>>>;
  appendApplicationLogs(lines: readonly ApplicationLog[]): Promise<void>;
  appendApiRequests(requests: readonly ApiRequest[]): Promise<void>;
  /** For tests and tools: the documents of a log collection, oldest first. */
  readLogs(collection: LogCollection, limit: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
