import type { NewAuditRecord } from './types.js';

const word = /[\p{L}\p{N}]+/gu;

/** The lower-case words of a text: how both records and queries are split for search. */
export function words(text: string): string[] {
  return [...new Set(text.toLowerCase().match(word) ?? [])];
}

function strings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') into.push(String(value));
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      strings(item, into);
    }
  }
}

/** The words a record is found by: action, who, from where, and its metadata (keys and values). */
export function searchTokens(
  record: Pick<
    NewAuditRecord,
    | 'action'
    | 'userId'
    | 'actorId'
    | 'actorRole'
    | 'ipAddress'
    | 'userAgent'
    | 'requestId'
    | 'dataCategory'
    | 'metadata'
  >,
): string[] {
  const texts: string[] = [record.action, record.dataCategory];
  for (const value of [record.userId, record.actorId, record.actorRole, record.ipAddress, record.userAgent]) {
    if (value !== null) texts.push(value);
  }
  if (record.requestId !== null) texts.push(record.requestId);
  strings(record.metadata, texts);
  return words(texts.join(' '));
}
