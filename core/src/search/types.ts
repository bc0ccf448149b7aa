import type { SearchText } from './query.js';

export interface SearchRequest {
  /** The parsed `q`; undefined: every entry that passes the filters. */
  readonly text: SearchText | undefined;
  /** Any of these moods (none: all). */
  readonly moods: readonly string[];
  /** All of these tags (normalized: trimmed, lower case). */
  readonly tags: readonly string[];
  readonly from?: string;
  readonly to?: string;
  /** `relevance` ranks by the text (newest first among equals, and without text). */
  readonly sort: 'relevance' | 'date';
  /** Results to skip (relevance order). */
  readonly offset: number;
  /** In date order: results after this one (keyset), so that writes between pages shift nothing. */
  readonly after?: { readonly date: string; readonly id: string };
  readonly limit: number;
}

export interface SearchHit {
  readonly id: string;
  readonly date: string;
  readonly title: string;
  readonly mood: string | null;
  readonly tags: readonly string[];
  /** HTML-escaped text with `<mark>` around the matches; only the fields that matched. */
  readonly highlights: { readonly title?: string; readonly content?: string };
}

export interface SearchResult {
  readonly items: readonly SearchHit[];
  /** How many entries match in all. */
  readonly total: number;
  /** Counts over everything that matches: per mood, and for the 20 most frequent tags. */
  readonly facets: { readonly mood: Record<string, number>; readonly tags: Record<string, number> };
}

/**
 * Search over one writer's entries. Every call is scoped to `userId`: no adapter returns, counts
 * or suggests anything of anyone else.
 *
 * @example
 *   const found = await search.search(userId, { text: parseSearchText('cafe run'), moods: [], tags: [],
 *     sort: 'relevance', offset: 0, limit: 20 });
 */
export interface SearchPort {
  /**
   * Whether it searches the read model itself (PostgreSQL): X-Min-Position then waits for the
   * read model. Elasticsearch is a projection of its own: X-Min-Position waits for its read
   * points (search_read_points), recorded once a write is visible.
   */
  readonly readsReadModel: boolean;
  search(userId: string, request: SearchRequest): Promise<SearchResult>;
  /** The writer's tags that start with `prefix`, alphabetically. */
  suggestTags(userId: string, prefix: string, limit: number): Promise<string[]>;
}

export const highlightTags = { pre: '<mark>', post: '</mark>' } as const;
export const facetTagCount = 20;
