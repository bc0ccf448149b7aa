import { cacheKeys, type Cache } from '@mindflow/core/cache';

export type AnalysisStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'skipped';

/**
 * Where the worker stands with each entry, in the cache under `ai:queue:{entryId}` for an hour:
 * what GET /v1/entries/{id}/analysis says while the analysis is on its way. Losing it loses
 * nothing: the analysis itself is an event.
 */
export interface StatusBoard {
  set(entryIds: Iterable<string>, status: AnalysisStatus): Promise<void>;
}

export function createStatusBoard(cache: Cache): StatusBoard {
  return {
    set: async (entryIds, status) => {
      await Promise.all(
        [...new Set(entryIds)].map((entryId) => {
          const { key, ttlSeconds } = cacheKeys.analysisStatus(entryId);
          return cache.set(key, status, ttlSeconds);
        }),
      );
    },
  };
}
