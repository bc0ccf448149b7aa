import { api } from '../api/client';
import type { Entry, EntryVersion, HistoryItem, Page } from '../api/types';

/** The query keys of entries: every key starts with 'entries', so one invalidation refreshes them all. */
export const entryKeys = {
  all: ['entries'] as const,
  one: (id: string) => ['entries', 'one', id] as const,
  history: (id: string) => ['entries', 'history', id] as const,
  version: (id: string, version: number) => ['entries', 'version', id, version] as const,
};

/** One entry (404 when it is deleted or not the writer's). */
export const fetchEntry = (id: string, signal?: AbortSignal) =>
  api<Entry>('GET', `/v1/entries/${encodeURIComponent(id)}`, signal === undefined ? {} : { signal });

/** Every version of an entry, oldest first (up to 500). */
export const fetchHistory = (id: string, signal?: AbortSignal) =>
  api<Page<HistoryItem>>(
    'GET',
    `/v1/entries/${encodeURIComponent(id)}/history?limit=500`,
    signal === undefined ? {} : { signal },
  );

/** The entry as it was at a version. */
export const fetchVersion = (id: string, version: number, signal?: AbortSignal) =>
  api<EntryVersion>(
    'GET',
    `/v1/entries/${encodeURIComponent(id)}/history?version=${String(version)}`,
    signal === undefined ? {} : { signal },
  );
