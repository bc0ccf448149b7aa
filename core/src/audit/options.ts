/** How long each kind of record is kept, in seconds. */
export interface AuditRetention {
  readonly auditLogs: number;
  readonly applicationLogs: number;
  readonly apiRequests: number;
}

export interface AuditStoreOptions {
  readonly retention: AuditRetention;
}

const day = 86_400;

/** Seven years of audit trail, 30 days of application logs, 90 days of API requests. */
export const defaultRetention: AuditRetention = {
  auditLogs: (7 * 365 + 2) * day,
  applicationLogs: 30 * day,
  apiRequests: 90 * day,
};
