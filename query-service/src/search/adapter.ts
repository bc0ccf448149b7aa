import type { Engines } from '@mindflow/core/runtime';
import {
  createElasticsearchSearch,
  createPostgresSearch,
  ensureSearchIndex,
  searchAlias,
  type SearchPort,
} from '@mindflow/core/search';

/**
 * The search adapter of a process: Elasticsearch when it is configured (its index template and
 * alias made sure of, so that reads never meet a missing index), else PostgreSQL on the read
 * database.
 */
export async function searchFor(engines: Pick<Engines, 'elasticsearch' | 'databases'>): Promise<SearchPort> {
  if (engines.elasticsearch === undefined) return createPostgresSearch(engines.databases.read.db);
  await ensureSearchIndex(engines.elasticsearch.client, searchAlias);
  return createElasticsearchSearch(engines.elasticsearch, searchAlias);
}
