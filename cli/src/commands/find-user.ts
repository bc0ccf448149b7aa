import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';

/** The active user with this email (any case), or undefined after saying so on stderr. */
export async function findUser(db: Kysely<WriteTables>, email: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'roles'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (user === undefined) process.stderr.write(`no user with email ${email}\n`);
  return user;
}
