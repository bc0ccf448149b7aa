import { sql, type Kysely } from 'kysely';

// enter_user_fence(user_id): the erasure fence a command enters first thing in its transaction
// (enterUserFence), in one round trip: it takes the user's shared fence lock, then says whether
// the user is erased. Volatile plpgsql, so the check runs under a snapshot taken after the lock
// was granted and sees an erasure that committed while the caller waited for it (one SQL
// statement holding both would check under the snapshot taken before the wait). That holds in
// read committed only: at another isolation level the call is refused.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function enter_user_fence(user_id uuid) returns boolean language plpgsql volatile as $$
    begin
      -- Under a snapshot fixed for the transaction, the check would not see the wait's erasure.
      if current_setting('transaction_isolation') <> 'read committed' then
        raise exception 'enter_user_fence needs read committed, not %', current_setting('transaction_isolation');
      end if;
      perform pg_advisory_xact_lock_shared(user_fence_lock(enter_user_fence.user_id));
      return exists (select 1 from erased_users e where e.user_id = enter_user_fence.user_id);
    end $$
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function enter_user_fence(uuid)`.execute(db);
}
