import { sql, type Kysely } from 'kysely';

// Embedded full-text search over the journal view: a text search configuration that folds
// accents and stems English (the counterpart of Elasticsearch's journal_analyzer), and a
// weighted vector of title (A) and content (B) kept by PostgreSQL itself, with a GIN index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create text search configuration public.mindflow (copy = pg_catalog.english)`.execute(db);
  await sql`
    alter text search configuration public.mindflow
    alter mapping for hword, hword_part, word with public.unaccent, english_stem
  `.execute(db);
  await sql`
    alter table journal_view add column search_vector tsvector generated always as (
      setweight(to_tsvector('public.mindflow'::regconfig, coalesce(title, '')), 'A') ||
      setweight(to_tsvector('public.mindflow'::regconfig, coalesce(content, '')), 'B')
    ) stored
  `.execute(db);
  await sql`create index journal_view_search on journal_view using gin (search_vector) where deleted_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index journal_view_search`.execute(db);
  await sql`alter table journal_view drop column search_vector`.execute(db);
  await sql`drop text search configuration public.mindflow`.execute(db);
}
