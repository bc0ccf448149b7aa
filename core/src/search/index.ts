export { parseSearchText, toWebsearch, searchLimits, type SearchText } from './query.js';
export type { SearchPort, SearchRequest, SearchHit, SearchResult } from './types.js';
export { createPostgresSearch } from './postgres-search.js';
export { createElasticsearchSearch } from './elasticsearch-search.js';
export {
  applyIndexChanges,
  createNextSearchIndex,
  currentSearchIndex,
  deleteUserDocuments,
  ensureSearchIndex,
  searchIndexEnsurer,
  swapSearchIndex,
  type IndexChange,
  type IndexRefresh,
  type SearchDocument,
} from './elasticsearch-index.js';

export { recordSearchReadPoints, searchReadPoint, type SearchReadPoint } from './read-points.js';

/** The alias the search index is read and written through. */
export const searchAlias = 'journal_entries';
