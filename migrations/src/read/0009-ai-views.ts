import { sql, type Kysely } from 'kysely';

// What the ai-worker derived, as the owner reads it: each entry's current analysis, and insights.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table entry_analysis_view (
      entry_id      uuid primary key,
      user_id       uuid not null,
      entry_version integer not null,
      score         double precision not null,
      label         text not null,
      themes        jsonb not null,
      language      text not null,
      analyzed_at   timestamptz not null
    )
  `.execute(db);
  await sql`
    create table insight_view (
      insight_id   uuid primary key,
      user_id      uuid not null,
      kind         text not null,
      period_from  date not null,
      period_to    date not null,
      status       text not null check (status in ('queued', 'completed')),
      summary      text,
      stats        jsonb,
      requested_at timestamptz not null,
      generated_at timestamptz
    )
  `.execute(db);
  await sql`create index insight_view_user on insight_view (user_id, period_from desc, insight_id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table insight_view`.execute(db);
  await sql`drop table entry_analysis_view`.execute(db);
}
