import { spreadsheetCsv } from '../http/csv.js';
import type { AuditRecord } from './types.js';

export type ExportFormat = 'ndjson' | 'csv';

/** A record as exports and the API show it: everything but the search tokens, times as ISO strings. */
export function recordView(record: AuditRecord) {
  const { tokens: _tokens, ...rest } = record;
  return {
    ...rest,
    timestamp: record.timestamp.toISOString(),
    recordedAt: record.recordedAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}

const csvColumns = [
  'eventId',
  'timestamp',
  'action',
  'userId',
  'actorId',
  'actorRole',
  'dataCategory',
  'ipAddress',
  'userAgent',
  'requestId',
  'metadata',
  'retention',
  'expiresAt',
  'legalHold',
  'recordedAt',
  'chain',
  'seq',
  'prevHash',
  'hash',
  'pseudonyms',
  'salt',
] as const;

/**
 * An export's lines, one record at a time (memory stays flat whatever the size): NDJSON, or
 * CSV with a header and nested values as JSON. Both carry what a verifier needs (hash,
 * prevHash, pseudonyms, salt); in CSV, a cell that a spreadsheet would run as a formula starts
 * with an added `'` (spreadsheetCsv), so a verifier reads the exact values from NDJSON.
 */
export async function* exportLines(records: AsyncIterable<AuditRecord>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield spreadsheetCsv([csvColumns]);
  for await (const record of records) {
    const view = recordView(record);
    if (format === 'ndjson') {
      yield `${JSON.stringify(view)}\n`;
      continue;
    }
    yield spreadsheetCsv([
      csvColumns.map((column) => {
        const value = view[column];
        return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
      }),
    ]);
  }
}
