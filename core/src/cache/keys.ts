/** The cache keys of the spec, and how long each lives. */
export const cacheKeys = {
  profile: (userId: string) => ({ key: `user:${userId}:profile`, ttlSeconds: 3_600 }),
  streaks: (userId: string) => ({ key: `user:${userId}:streaks`, ttlSeconds: 3_600 }),
  recentJournals: (userId: string) => ({ key: `journals:user:${userId}:recent`, ttlSeconds: 300 }),
  moodTrend: (userId: string, days: number) => ({ key: `mood:user:${userId}:trend:${days}`, ttlSeconds: 900 }),
  moodTrendPrefix: (userId: string) => `mood:user:${userId}:trend:`,
  /** Where the ai-worker stands with an entry: queued, processing, completed, failed, skipped. */
  analysisStatus: (entryId: string) => ({ key: `ai:queue:${entryId}`, ttlSeconds: 3_600 }),
  /**
   * The commit-order key of the newest of the user's events the cache has been told of: a
   * cached answer built at an older read point is stale, even if it was stored after the
   * invalidation. It outlives every cached answer.
   */
  userPosition: (userId: string) => ({ key: `user:${userId}:readkey`, ttlSeconds: 7_200 }),
} as const;
