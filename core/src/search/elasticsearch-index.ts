import type { Client, estypes } from '@elastic/elasticsearch';
import { journalEntriesTemplate } from '@mindflow/migrations';

/** An entry as the search index holds it. */
export interface SearchDocument {
  readonly id: string;
  readonly userId: string;
  readonly title: string;
  readonly content: string;
  readonly mood: string | null;
  readonly tags: readonly string[];
  readonly location: string | null;
  readonly weather: string | null;
  readonly date: string;
  readonly wordCount: number;
  readonly isPrivate: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What an event does to the index: the entry as it now is, or gone; versioned by event position. */
export type IndexChange =
  | { readonly kind: 'upsert'; readonly document: SearchDocument; readonly version: number }
  | { readonly kind: 'delete'; readonly id: string; readonly version: number };

const versionOf = (index: string) => Number(/_v(\d+)$/.exec(index)?.[1] ?? 0);

/**
 * The index template, and the alias over a first versioned index when there is none yet.
 * Safe to run at every start, by several processes at once.
 */
export async function ensureSearchIndex(
  client: Client,
  alias: string,
  requestOptions: { readonly requestTimeout?: number; readonly maxRetries?: number } = {},
): Promise<void> {
  await client.indices.putIndexTemplate(journalEntriesTemplate(alias), requestOptions);
  if (await client.indices.existsAlias({ name: alias }, requestOptions)) return;
  await client.indices.create({ index: `${alias}_v1`, aliases: { [alias]: {} } }, { ...requestOptions, ignore: [400] });
}

/**
 * ensureSearchIndex for a process that must not wait for Elasticsearch at start: each call
 * tries it until one succeeds (concurrent calls share one attempt), then resolves at once.
 * Request-serving callers pass their short-timeout `requestOptions`.
 */
export function searchIndexEnsurer(
  client: Client,
  alias: string,
  requestOptions?: { readonly requestTimeout: number; readonly maxRetries: number },
): () => Promise<void> {
  let attempt: Promise<void> | undefined;
  let done = false;
  return async () => {
    if (done) return;
    attempt ??= ensureSearchIndex(client, alias, requestOptions).then(
      () => {
        done = true;
      },
      (error: unknown) => {
        attempt = undefined;
        throw error;
      },
    );
    await attempt;
  };
}

/** The index the alias points at now. */
export async function currentSearchIndex(client: Client, alias: string): Promise<string> {
  const found = await client.indices.getAlias({ name: alias });
  const [index] = Object.keys(found);
  if (index === undefined) throw new Error(`the alias ${alias} points at no index`);
  return index;
}

/** A new, empty versioned index behind no alias: what a reindex fills. */
export async function createNextSearchIndex(client: Client, alias: string): Promise<string> {
  const existing = Object.keys(await client.indices.get({ index: `${alias}_v*` }));
  const next = `${alias}_v${String(Math.max(0, ...existing.map(versionOf)) + 1)}`;
  await client.indices.create({ index: next });
  return next;
}

/** Points the alias at `index` in one atomic step and deletes the index it pointed at. */
export async function swapSearchIndex(client: Client, alias: string, index: string): Promise<void> {
  const previous = await currentSearchIndex(client, alias);
  await client.indices.updateAliases({
    actions: [{ remove: { index: previous, alias } }, { add: { index, alias } }],
  });
  await client.indices.delete({ index: previous }, { ignore: [404] });
}

/**
 * Whether a write returns only once a refresh has made it visible to searches (`wait_for`:
 * it waits for the next scheduled refresh, forcing none), or at once (`false`).
 */
export type IndexRefresh = 'wait_for' | false;

/**
 * Applies changes in one bulk request with external versions (the event position): a change
 * at or below what the index holds is refused by Elasticsearch and counts as done, so replays,
 * redeliveries and older versions arriving late change nothing. Throws on any other failure.
 */
export async function applyIndexChanges(
  client: Client,
  index: string,
  changes: readonly IndexChange[],
  refresh: IndexRefresh = false,
): Promise<void> {
  if (changes.length === 0) return;
  const operations = changes.flatMap((change): unknown[] =>
    change.kind === 'upsert'
      ? [
          {
            index: {
              _index: index,
              _id: change.document.id,
              version: change.version,
              version_type: 'external' as const,
            },
          },
          {
            ...change.document,
            ...(change.document.tags.length === 0
              ? {}
              : { tagSuggest: { input: change.document.tags, contexts: { userId: [change.document.userId] } } }),
          },
        ]
      : [{ delete: { _index: index, _id: change.id, version: change.version, version_type: 'external' as const } }],
  );
  const result = await client.bulk({ operations, refresh });
  if (!result.errors) return;
  const failures = result.items
    .map((item) => Object.values(item)[0])
    .filter((outcome) => outcome?.error !== undefined && outcome.status !== 409 && outcome.status !== 404);
  if (failures.length > 0) {
    throw new Error(`search index: ${String(failures.length)} changes failed: ${JSON.stringify(failures[0]?.error)}`);
  }
}

/**
 * Removes every document of a user (erasure), each with `version` (the erasure's position) as
 * external version. By search and bulk delete: delete-by-query lives in a module that not every
 * distribution ships.
 */
export async function deleteUserDocuments(
  client: Client,
  index: string,
  userId: string,
  version: number,
  refresh: IndexRefresh = false,
): Promise<void> {
  await client.indices.refresh({ index });
  let after: estypes.SortResults | undefined;
  for (;;) {
    const page = await client.search({
      index,
      size: 1_000,
      _source: false,
      query: { term: { userId } },
      sort: [{ id: 'asc' }],
      ...(after === undefined ? {} : { search_after: after }),
    });
    const hits = page.hits.hits;
    const last = hits.at(-1);
    if (last === undefined) return;
    await applyIndexChanges(
      client,
      index,
      hits.map((hit) => ({ kind: 'delete' as const, id: hit._id ?? '', version })),
      refresh,
    );
    after = last.sort;
  }
}
