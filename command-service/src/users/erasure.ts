import { sessionIdsOf, type SessionStore } from '@mindflow/core/auth';
import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import { closeUserFence, type UserKeyring } from '@mindflow/core/crypto';
import { decideUser, userStream } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { Logger } from '@mindflow/core/logging';
import { sql, type Kysely } from 'kysely';
import { confirmPassword, type LoginThrottle } from '../auth/login-throttle.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Recorder, RequestContext } from '../recorder.js';
import type { KeyVacuum } from './key-vacuum.js';

export interface ErasureDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly keyring: UserKeyring;
  readonly hasher: PasswordHasher;
  /** The login throttle: a wrong password here counts as a failed login. */
  readonly throttle: LoginThrottle;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  /** Removes the destroyed key's bytes from the key table's files once the erasure commits. */
  readonly keyVacuum: KeyVacuum;
  /** Told of the logins the erasure ends. */
  readonly sessions: SessionStore;
}

/** What was erased where, without a word of what it was. */
export interface ErasureReceipt {
  readonly userId: string;
  readonly erasedAt: string;
  /** The global position of UserErased: every projection erases what it holds once it gets there. */
  readonly position: number;
  readonly dataKey: 'destroyed';
  /** Rows removed from the write database, by table. */
  readonly writeDatabase: Readonly<Record<string, number>>;
  /** Objects removed from the blob store (attachments, thumbnails, exports). */
  readonly blobs: number;
  /** What the projections do as UserErased reaches them. */
  readonly projections: Readonly<Record<string, string>>;
}

// The user's rows, children first. Rows hold personal text (entries, file names, themes,
// addresses of consent); they go. The users row stays, emptied, so the id is never reused.
const userTables = [
  'entry_analyses',
  'reminder_sends',
  'user_achievements',
  'goals',
  'templates',
  'prompts',
  'insight_periods',
  'insight_requests',
  'insight_schedule',
  'attachment_uploads',
  'attachments',
] as const;
const afterEntries = [
  'user_streaks',
  'user_gdpr_consent',
  'refresh_tokens',
  'idempotency_keys',
  'user_settings',
  'data_exports',
] as const;

/**
 * DELETE /v1/me: with the right password, the account is disabled and erased at once, in one
 * transaction: AccountDeletionRequested and UserErased are appended (sealed with the user's key
 * while it still exists), the user's rows are removed, and the key is destroyed, which leaves
 * every personal field of every event of theirs unreadable (in the store and in Kafka alike).
 * Then their objects leave the blob store; the projections do their part as UserErased reaches them.
 */
export async function eraseUser(
  deps: ErasureDeps,
  userId: string,
  input: { password: string; reason: string | null },
  context: RequestContext,
): Promise<ErasureReceipt> {
  const account = await deps.db
    .selectFrom('users')
    .select(['password_hash', 'email'])
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (account === undefined) throw new AppError('NOT_FOUND', 'no such user');
  await confirmPassword(
    deps,
    { email: account.email, passwordHash: account.password_hash },
    input.password,
    context.ip,
    'the password does not match: the account is not deleted',
  );
  const { position, rows, sessions } = await retryOnDeadlock(() =>
    deps.db.transaction().execute(async (trx) => {
      // Before any other write: every transaction that appended for this user (or entered the
      // fence) ends first; every later one waits, then is refused. So UserErased is the user's last
      // event in the log, in commit order too: this transaction takes its id after theirs ended.
      await closeUserFence<WriteTables>(trx, userId);
      const user = await trx
        .selectFrom('users')
        .select(['id', 'email', 'version'])
        .where('id', '=', userId)
        .where('deleted_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (user === undefined) throw new AppError('NOT_FOUND', 'no such user');
      const events = decideUser({ type: 'EraseUser', reason: input.reason }, activeState(user.email));
      const appended = await deps.recorder.record(trx, {
        streamId: userStream(userId),
        expectedVersion: 'any',
        userId,
        events,
        context,
      });
      const sessions = await sessionIdsOf(trx, userId);
      const removed = await removeRows(trx, userId);
      await trx
        .updateTable('users')
        .set({
          email: `erased+${userId}@erased.invalid`,
          display_name: 'Erased',
          photo_url: null,
          password_hash: '!',
          roles: ['user'],
          deleted_at: context.now,
          version: user.version + 1,
        })
        .where('id', '=', userId)
        .execute();
      await deps.keyring.destroy<WriteTables>(trx, userId);
      return { position: appended.position, rows: removed, sessions };
    }),
  );
  // Every login of theirs ended with the commit; no cache may keep one alive.
  await deps.sessions.forget(sessions);
  // After the commit (VACUUM cannot run in a transaction): the deleted key leaves the table's file.
  await deps.keyVacuum.run();
  let blobs = 0;
  for (const prefix of blobKeys.ofUser(userId)) {
    blobs += await deps.blobs.deletePrefix(prefix).catch((error: unknown) => {
      deps.logger.error({ err: error, userId, prefix }, 'erasure: objects left in the blob store');
      return 0;
    });
  }
  deps.logger.info({ userId, position, rows, blobs }, 'user erased');
  return {
    userId,
    erasedAt: context.now.toISOString(),
    position,
    dataKey: 'destroyed',
    writeDatabase: rows,
    blobs,
    projections: {
      'read-model': 'profile, entries, history, calendar, tags, analyses and insights removed',
      search: 'documents removed',
      analytics: 'raw rows removed; aggregates keep anonymous counts',
      audit: 'records kept with action and time, the user under a pseudonym',
      cache: 'keys removed',
    },
  };
}

/** PostgreSQL's deadlock_detected. */
const deadlock = '40P01';

/**
 * Runs the erasure again when PostgreSQL broke a deadlock by aborting it: an appender that
 * locked one of the user's rows before it reached the fence waits on the erasure while the
 * erasure waits on that row. The appender goes on (or is refused), the erasure's retry succeeds.
 */
async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (code !== deadlock || attempt === attempts) throw error;
    }
  }
}

const activeState = (email: string) =>
  ({
    status: 'active',
    email,
    profile: { displayName: '', photoUrl: null, timezone: 'UTC', language: 'en', theme: 'system' },
    roles: ['user'],
  }) as const;

async function removeRows(trx: Kysely<WriteTables>, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const remove = async (table: string, where: ReturnType<typeof sql>) => {
    const result = await sql<{ n: string }>`
      with gone as (delete from ${sql.table(table)} where ${where} returning 1) select count(*) as n from gone
    `.execute(trx);
    counts[table] = Number(result.rows[0]?.n ?? 0);
  };
  for (const table of userTables) await remove(table, sql`user_id = ${userId}`);
  const tags = await sql<{ tag_id: string }>`
    select distinct tag_id from journal_entry_tags
     where entry_id in (select id from journal_entries where user_id = ${userId})
  `.execute(trx);
  await remove('journal_entry_tags', sql`entry_id in (select id from journal_entries where user_id = ${userId})`);
  await remove('journal_entries', sql`user_id = ${userId}`);
  // Tag names are text the user wrote: those no one else uses go too.
  const used = tags.rows.map((row) => row.tag_id);
  await remove(
    'tags',
    used.length === 0
      ? sql`false`
      : sql`id in (${sql.join(used)}) and not exists (select 1 from journal_entry_tags where tag_id = tags.id)`,
  );
  for (const table of afterEntries) await remove(table, sql`user_id = ${userId}`);
  return counts;
}
