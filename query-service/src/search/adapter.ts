import type { Engines } from '@mindflow/core/runtime';
import { createElasticsearchSearch, createPostgresSearch, searchAlias, type SearchPort } from '@mindflow/core/search';

/** The search adapter of a process: Elasticsearch when it is configured, else PostgreSQL on the read database. */
export function searchFor(engines: Pick<Engines, 'elasticsearch' | 'databases'>): SearchPort {
  return engines.elasticsearch === undefined
    ? createPostgresSearch(engines.databases.read.db)
    : createElasticsearchSearch(engines.elasticsearch.client, searchAlias);
}
