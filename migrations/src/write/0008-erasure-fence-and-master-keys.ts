import { sql, type Kysely } from 'kysely';

// Erasure, made a fact of the database rather than a habit of the code that appends:
//
// - erased_users: one row per erased user (no personal data), written by the events trigger as
//   UserErased is inserted. Nothing of that user can be appended after it.
// - events_user_fence: before each event of a user is inserted, the inserting transaction takes
//   a shared transaction-level advisory lock on the user (UserErased takes it exclusively) and
//   is refused (SQLSTATE MF410) once the user is erased. An append that got in first holds the
//   lock until it commits, so UserErased waits and lands after it; one that comes later waits for
//   the erasure and is refused. The lock key is user_fence_lock(user_id).
// - user_keys: a destroyed key is deleted (and the table vacuumed), no longer nulled; each key
//   records which master key wrapped it (master_key_id), so that a rotation can resume.
// - master_keys: which master key the database's data keys are wrapped with (an HMAC check of a
//   fixed label, never the key), so that a process holding another one refuses to start.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table erased_users (
      user_id   uuid primary key,
      erased_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    insert into erased_users (user_id, erased_at)
    select user_id, min(recorded_at) from events where type = 'UserErased' and user_id is not null group by user_id
  `.execute(db);
  await sql`
    insert into erased_users (user_id, erased_at)
    select user_id, destroyed_at from user_keys where wrapped_key is null
    on conflict (user_id) do nothing
  `.execute(db);
  await sql`delete from user_keys where wrapped_key is null`.execute(db);
  await sql`alter table user_keys drop constraint if exists user_keys_check`.execute(db);
  await sql`alter table user_keys drop column destroyed_at`.execute(db);
  await sql`alter table user_keys alter column wrapped_key set not null`.execute(db);
  // null: wrapped before key ids were kept; the first process to check its master key claims them.
  await sql`alter table user_keys add column master_key_id text`.execute(db);
  await sql`create index user_keys_by_master_key on user_keys (master_key_id)`.execute(db);

  await sql`
    create table master_keys (
      key_id     text primary key,
      key_check  bytea not null,
      state      text not null check (state in ('active', 'next', 'retired')),
      created_at timestamptz not null default now(),
      retired_at timestamptz
    )
  `.execute(db);
  await sql`create unique index master_keys_one_active on master_keys ((true)) where state = 'active'`.execute(db);
  await sql`create unique index master_keys_one_next on master_keys ((true)) where state = 'next'`.execute(db);

  await sql`
    create function user_fence_lock(user_id uuid) returns bigint language sql immutable as $$
      select hashtextextended('mindflow:user-fence:' || user_id::text, 0)
    $$
  `.execute(db);
  await sql`
    create function events_user_fence() returns trigger language plpgsql as $$
    begin
      if new.user_id is null then
        return new;
      end if;
      if new.type = 'UserErased' then
        perform pg_advisory_xact_lock(user_fence_lock(new.user_id));
        insert into erased_users (user_id) values (new.user_id) on conflict (user_id) do nothing;
        return new;
      end if;
      perform pg_advisory_xact_lock_shared(user_fence_lock(new.user_id));
      if exists (select 1 from erased_users where user_id = new.user_id) then
        raise exception 'user % was erased: no event of theirs may follow UserErased', new.user_id
          using errcode = 'MF410';
      end if;
      return new;
    end $$
  `.execute(db);
  await sql`
    create trigger events_user_fence before insert on events
    for each row execute function events_user_fence()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_user_fence on events`.execute(db);
  await sql`drop function events_user_fence()`.execute(db);
  await sql`drop function user_fence_lock(uuid)`.execute(db);
  await sql`drop table master_keys`.execute(db);
  await sql`drop index user_keys_by_master_key`.execute(db);
  await sql`alter table user_keys drop column master_key_id`.execute(db);
  await sql`alter table user_keys alter column wrapped_key drop not null`.execute(db);
  await sql`alter table user_keys add column destroyed_at timestamptz`.execute(db);
  await sql`
    insert into user_keys (user_id, wrapped_key, destroyed_at)
    select user_id, null, erased_at from erased_users
    on conflict (user_id) do nothing
  `.execute(db);
  await sql`drop table erased_users`.execute(db);
}
