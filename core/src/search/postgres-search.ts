import { sql, type Kysely, type RawBuilder } from 'kysely';
import { toWebsearch } from './query.js';
import { facetTagCount, highlightTags, type SearchHit, type SearchPort } from './types.js';

const headline = (fragments: string) => `StartSel=${highlightTags.pre}, StopSel=${highlightTags.post}, ${fragments}`;
const titleHeadline = headline('HighlightAll=true');
const contentHeadline = headline('MaxFragments=3, MaxWords=25, MinWords=10, FragmentDelimiter=" … "');

/** HTML-escapes text inside SQL, before ts_headline marks it up. */
const escaped = (column: RawBuilder<unknown>) =>
  sql`replace(replace(replace(coalesce(${column}, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;

interface PageRow {
  entry_id: string;
  entry_date: string;
  title: string | null;
  mood: string | null;
  tags: string[];
  title_headline: string | null;
  content_headline: string | null;
}

/**
 * Search on PostgreSQL full-text search (embedded mode): the journal view's weighted
 * `search_vector` (migrations/src/read/0006), web-style queries, ts_headline fragments.
 */
export function createPostgresSearch(db: Kysely<unknown>): SearchPort {
  return {
    readsReadModel: true,
    async search(userId, request) {
      const query =
        request.text === undefined
          ? sql`null::tsquery`
          : sql`websearch_to_tsquery('public.mindflow', ${toWebsearch(request.text)})`;
      const conditions = [sql`user_id = ${userId}`, sql`deleted_at is null`];
      // Only stop words ("the"): an empty tsquery, which filters nothing, as on Elasticsearch.
      if (request.text !== undefined) conditions.push(sql`(numnode(q.query) = 0 or search_vector @@ q.query)`);
      if (request.moods.length > 0) conditions.push(sql`mood = any(${request.moods}::text[])`);
      if (request.tags.length > 0) conditions.push(sql`tags @> ${request.tags}::text[]`);
      if (request.from !== undefined) conditions.push(sql`entry_date >= ${request.from}::date`);
      if (request.to !== undefined) conditions.push(sql`entry_date <= ${request.to}::date`);
      const keyset =
        request.sort === 'date' && request.after !== undefined
          ? sql`where (entry_date, entry_id) < (${request.after.date}::date, ${request.after.id}::uuid)`
          : sql``;
      const matched = sql`
        select entry_id, entry_date, title, content, mood, tags,
          coalesce(ts_rank_cd(search_vector, q.query), 0) as rank, q.query
        from journal_view, (select ${query} as query) q
        where ${sql.join(conditions, sql` and `)}
      `;
      const order =
        request.sort === 'relevance' && request.text !== undefined
          ? sql`rank desc, entry_date desc, entry_id desc`
          : sql`entry_date desc, entry_id desc`;
      const highlight = request.text !== undefined;
      const page = await sql<PageRow>`
        with matched as (${matched})
        select entry_id, entry_date, title, mood, tags,
          ${highlight ? sql`ts_headline('public.mindflow', ${escaped(sql`title`)}, query, ${titleHeadline})` : sql`null`} as title_headline,
          ${highlight ? sql`ts_headline('public.mindflow', ${escaped(sql`content`)}, query, ${contentHeadline})` : sql`null`} as content_headline
        from (select * from matched ${keyset} order by ${order} offset ${request.offset} limit ${request.limit}) page
        order by ${order}
      `.execute(db);
      const counts = await sql<{ total: string; moods: Record<string, number>; tags: [string, number][] }>`
        with matched as (${matched})
        select
          (select count(*) from matched) as total,
          (select coalesce(json_object_agg(mood, n), '{}') from
            (select mood, count(*) as n from matched where mood is not null group by mood) m) as moods,
          (select coalesce(json_agg(json_build_array(tag, n)), '[]') from
            (select tag, count(*) as n from matched, unnest(tags) as tag group by tag order by n desc, tag
             limit ${facetTagCount}) t) as tags
      `.execute(db);
      const totals = counts.rows[0];
      return {
        items: page.rows.map((row) => toHit(row)),
        total: Number(totals?.total ?? 0),
        facets: { mood: totals?.moods ?? {}, tags: Object.fromEntries(totals?.tags ?? []) },
      };
    },
    async suggestTags(userId, prefix, limit) {
      const pattern = `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
      const rows = await sql<{ tag: string }>`
        select tag from tag_counts
        where user_id = ${userId} and count > 0 and tag like ${pattern}
        order by tag limit ${limit}
      `.execute(db);
      return rows.rows.map((row) => row.tag);
    },
  };
}

function toHit(row: PageRow): SearchHit {
  const marked = (text: string | null) => (text?.includes(highlightTags.pre) === true ? text : undefined);
  const title = marked(row.title_headline);
  const content = marked(row.content_headline);
  return {
    id: row.entry_id,
    date: row.entry_date,
    title: row.title ?? '',
    mood: row.mood,
    tags: row.tags,
    highlights: { ...(title === undefined ? {} : { title }), ...(content === undefined ? {} : { content }) },
  };
}
