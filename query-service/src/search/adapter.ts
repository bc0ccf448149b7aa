import type { Logger } from '@mindflow/core/logging';
import type { Engines } from '@mindflow/core/runtime';
import {
  createElasticsearchSearch,
  createPostgresSearch,
  searchAlias,
  searchIndexEnsurer,
  type SearchPort,
} from '@mindflow/core/search';

/**
 * The search adapter of a process: Elasticsearch when it is configured, else PostgreSQL on the
 * read database. Its index template and alias are made sure of in the background, not at
 * start: each search first makes sure of them (within its timeout) until that has succeeded
 * once, so that reads never meet a missing index, and an Elasticsearch that is away answers
 * 503 ENGINE_UNAVAILABLE without holding the start.
 */
export function searchFor(engines: Pick<Engines, 'elasticsearch' | 'databases'>, logger: Logger): SearchPort {
  if (engines.elasticsearch === undefined) return createPostgresSearch(engines.databases.read.db);
  const { client, requestOptions } = engines.elasticsearch;
  const ensureIndex = searchIndexEnsurer(client, searchAlias, requestOptions);
  ensureIndex().catch((error: unknown) => {
    logger.warn({ err: error }, 'search index: not made sure of at start; searches will try again');
  });
  return createElasticsearchSearch(engines.elasticsearch, searchAlias, ensureIndex);
}
