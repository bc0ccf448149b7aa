import { sql, type Kysely } from 'kysely';

// The audit store on PostgreSQL (embedded mode): the same records as the MongoDB collections
// of mindflow_logs. Expired rows are removed by the retention sweeper; `tokens` is the text
// index (every word of a record's searchable fields, GIN-indexed).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_logs (
      event_id text primary key,
      user_id text,
      actor_id text,
      actor_role text,
      action text not null,
      timestamp timestamptz not null,
      metadata jsonb not null,
      ip_address text,
      user_agent text,
      request_id text,
      data_category text not null,
      retention text not null,
      expires_at timestamptz,
      legal_hold boolean not null default false,
      recorded_at timestamptz not null,
      chain text not null,
      seq integer not null,
      prev_hash text not null,
      hash text not null,
      pseudonyms jsonb not null,
      salt text,
      tokens text[] not null,
      unique (chain, seq)
    )`.execute(db);
  await sql`create index audit_logs_user_time on audit_logs (user_id, timestamp desc, event_id desc)`.execute(db);
  await sql`create index audit_logs_action_time on audit_logs (action, timestamp desc, event_id desc)`.execute(db);
  await sql`create index audit_logs_time on audit_logs (timestamp desc, event_id desc)`.execute(db);
  await sql`create index audit_logs_request on audit_logs (request_id)`.execute(db);
  await sql`create index audit_logs_expiry on audit_logs (expires_at) where expires_at is not null`.execute(db);
  await sql`create index audit_logs_tokens on audit_logs using gin (tokens)`.execute(db);
  await sql`
    create table audit_chains (
      chain text primary key,
      seq integer not null,
      hash text not null,
      until timestamptz not null
    )`.execute(db);
  await sql`create table audit_subjects (user_id text primary key, salt text not null)`.execute(db);
  await sql`
    create table audit_holds (
      user_id text primary key,
      reason text not null,
      placed_by text not null,
      placed_at timestamptz not null
    )`.execute(db);
  await sql`
    create table application_logs (
      id bigint generated always as identity primary key,
      time timestamptz not null,
      level text not null,
      service text not null,
      message text not null,
      request_id text,
      context jsonb not null,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index application_logs_time on application_logs (time)`.execute(db);
  await sql`create index application_logs_expiry on application_logs (expires_at)`.execute(db);
  await sql`
    create table api_requests (
      id bigint generated always as identity primary key,
      time timestamptz not null,
      service text not null,
      request_id text not null,
      method text not null,
      path text not null,
      query jsonb not null,
      body jsonb,
      status integer not null,
      duration_ms double precision not null,
      response_bytes integer,
      user_id text,
      ip text,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index api_requests_time on api_requests (time)`.execute(db);
  await sql`create index api_requests_user on api_requests (user_id, time)`.execute(db);
  await sql`create index api_requests_expiry on api_requests (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'api_requests',
    'application_logs',
    'audit_holds',
    'audit_subjects',
    'audit_chains',
    'audit_logs',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
