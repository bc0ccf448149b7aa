import type { Client, estypes } from '@elastic/elasticsearch';
import type { ElasticsearchConnection } from '../elasticsearch/index.js';
import type { SearchClause, SearchText } from './query.js';
import { facetTagCount, highlightTags, type SearchPort, type SearchRequest, type SearchResult } from './types.js';
import type { SearchDocument } from './elasticsearch-index.js';

const textFields = ['title^2', 'content'];

/**
 * A word or phrase as a match on title and content. The analyzer drops stop words ("the", "by"):
 * a clause left with none matches everything when it alone is required (so "walk by the sea"
 * still finds the sea), and nothing as one of several alternatives or as an exclusion (as
 * websearch_to_tsquery drops it).
 */
function clauseQuery(clause: SearchClause, zeroTerms: 'all' | 'none'): estypes.QueryDslQueryContainer {
  return clause.kind === 'phrase'
    ? { multi_match: { query: clause.text, fields: textFields, type: 'phrase', zero_terms_query: zeroTerms } }
    : { multi_match: { query: clause.text, fields: textFields, operator: 'and', zero_terms_query: zeroTerms } };
}

/** The parsed text as a bool query: each group must match (any of its clauses); exclusions must not. */
function textQuery(text: SearchText): Pick<estypes.QueryDslBoolQuery, 'must' | 'must_not'> {
  const must: estypes.QueryDslQueryContainer[] = [];
  const mustNot: estypes.QueryDslQueryContainer[] = [];
  for (const group of text) {
    if ('not' in group) mustNot.push(clauseQuery(group.not, 'none'));
    else if (group.any.length === 1 && group.any[0] !== undefined) must.push(clauseQuery(group.any[0], 'all'));
    else
      must.push({ bool: { should: group.any.map((clause) => clauseQuery(clause, 'none')), minimum_should_match: 1 } });
  }
  return { must, must_not: mustNot };
}

function filters(userId: string, request: SearchRequest): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { userId } }];
  if (request.moods.length > 0) filter.push({ terms: { mood: [...request.moods] } });
  for (const tag of request.tags) filter.push({ term: { tags: tag } });
  if (request.from !== undefined || request.to !== undefined) {
    filter.push({
      range: { date: { ...(request.from && { gte: request.from }), ...(request.to && { lte: request.to }) } },
    });
  }
  return filter;
}

interface Buckets {
  buckets: { key: string; doc_count: number }[];
}

type Guarded = Pick<ElasticsearchConnection, 'client' | 'breaker' | 'requestOptions'>;

/**
 * Search on Elasticsearch, through the alias over the versioned journal_entries indices. Each
 * call goes through the connection's breaker with its short timeout and no retries: an
 * Elasticsearch that does not answer is a 503 ENGINE_UNAVAILABLE with Retry-After within the
 * timeout, and at once while the breaker is open. `ensureIndex` (see searchIndexEnsurer), when
 * given, runs first in the same call: until the index is made sure of, a search waits for it
 * within the timeout, so reads never meet a missing index and start-up never waits for it.
 */
export function createElasticsearchSearch(
  connection: Guarded,
  alias: string,
  ensureIndex: () => Promise<void> = async () => undefined,
): SearchPort {
  const { client, breaker, requestOptions } = connection;
  return {
    readsReadModel: false,
    search: (userId, request) =>
      breaker.run(async () => {
        await ensureIndex();
        return searchEntries(client, requestOptions, alias, userId, request);
      }),
    suggestTags: (userId, prefix, limit) =>
      breaker.run(async () => {
        await ensureIndex();
        return suggest(client, requestOptions, alias, userId, prefix, limit);
      }),
  };
}

async function searchEntries(
  client: Client,
  options: Guarded['requestOptions'],
  alias: string,
  userId: string,
  request: SearchRequest,
): Promise<SearchResult> {
  const text = request.text === undefined ? {} : textQuery(request.text);
  const byDate: estypes.SortCombinations[] = [{ date: 'desc' }, { id: 'desc' }];
  const result = await client.search<SearchDocument, Record<'mood' | 'tags', Buckets>>(
    {
      index: alias,
      from: request.offset,
      size: request.limit,
      ...(request.sort === 'date' && request.after !== undefined
        ? { search_after: [Date.parse(`${request.after.date}T00:00:00Z`), request.after.id] }
        : {}),
      track_total_hits: true,
      _source: ['id', 'date', 'title', 'mood', 'tags'],
      query: { bool: { filter: filters(userId, request), ...text } },
      sort: request.sort === 'relevance' && request.text !== undefined ? ['_score', ...byDate] : byDate,
      aggs: {
        mood: { terms: { field: 'mood', size: 10 } },
        tags: { terms: { field: 'tags', size: facetTagCount, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
      },
      ...(request.text === undefined
        ? {}
        : {
            highlight: {
              encoder: 'html',
              pre_tags: [highlightTags.pre],
              post_tags: [highlightTags.post],
              fields: {
                title: { number_of_fragments: 0 },
                content: { fragment_size: 150, number_of_fragments: 3 },
              },
            },
          }),
    },
    options,
  );
  const total = result.hits.total;
  const facet = (name: 'mood' | 'tags') =>
    Object.fromEntries((result.aggregations?.[name].buckets ?? []).map((bucket) => [bucket.key, bucket.doc_count]));
  return {
    items: result.hits.hits.map((hit) => {
      const source = hit._source;
      const title = hit.highlight?.title?.join(' … ');
      const content = hit.highlight?.content?.join(' … ');
      return {
        id: source?.id ?? hit._id ?? '',
        date: source?.date ?? '',
        title: source?.title ?? '',
        mood: source?.mood ?? null,
        tags: source?.tags ?? [],
        highlights: { ...(title === undefined ? {} : { title }), ...(content === undefined ? {} : { content }) },
      };
    }),
    total: typeof total === 'number' ? total : (total?.value ?? 0),
    facets: { mood: facet('mood'), tags: facet('tags') },
  };
}

async function suggest(
  client: Client,
  options: Guarded['requestOptions'],
  alias: string,
  userId: string,
  prefix: string,
  limit: number,
) {
  const result = await client.search(
    {
      index: alias,
      _source: false,
      suggest: {
        tags: {
          prefix,
          completion: { field: 'tagSuggest', size: 50, skip_duplicates: true, contexts: { userId: [userId] } },
        },
      },
    },
    options,
  );
  const found =
    result.suggest?.tags?.flatMap((entry) => (Array.isArray(entry.options) ? entry.options : [entry.options])) ?? [];
  const texts = found.map((option) => option.text);
  return [...new Set(texts)].sort().slice(0, limit);
}
