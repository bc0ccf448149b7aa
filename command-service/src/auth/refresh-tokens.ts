import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';

export interface IssuedRefreshToken {
  readonly token: string;
  readonly familyId: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Refresh tokens: opaque, stored only as a SHA-256 hash, single-use. Each login starts a
 * family with an absolute expiry; every refresh rotates the token within the family. Using
 * a rotated token again means it was stolen: the whole family is revoked.
 */
export async function issueRefreshToken(
  db: Kysely<WriteTables>,
  userId: string,
  family: { id: string; expiresAt: Date },
): Promise<IssuedRefreshToken> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('refresh_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      family_id: family.id,
      token_hash: digest(token),
      expires_at: family.expiresAt,
    })
    .execute();
  return { token, familyId: family.id };
}

export type Rotation =
  | ({ readonly outcome: 'rotated'; readonly userId: string } & IssuedRefreshToken)
  | {
      readonly outcome: 'refused';
      readonly reason: string;
      /** Whether this refusal revoked the token's family (a rotated token came back). */
      readonly familyRevoked: boolean;
    };

/**
 * Spends a refresh token for a new one. A refusal is returned, not thrown, so that the
 * caller commits what it did: revoking a family whose rotated token came back.
 */
export async function rotateRefreshToken(db: Kysely<WriteTables>, token: string, now: Date): Promise<Rotation> {
  const row = await db
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('token_hash', '=', digest(token))
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) return { outcome: 'refused', reason: 'unknown refresh token', familyRevoked: false };
  if (row.rotated_at !== null) {
    await revokeFamily(db, row.family_id, now);
    return {
      outcome: 'refused',
      reason: 'this refresh token was already used: every session of this login is revoked',
      familyRevoked: true,
    };
  }
  if (row.revoked_at !== null) return { outcome: 'refused', reason: 'this login was ended', familyRevoked: false };
  if (row.expires_at <= now)
    return { outcome: 'refused', reason: 'this login has expired: sign in again', familyRevoked: false };
  await db.updateTable('refresh_tokens').set({ rotated_at: now }).where('id', '=', row.id).execute();
  const next = await issueRefreshToken(db, row.user_id, { id: row.family_id, expiresAt: row.expires_at });
  return { outcome: 'rotated', userId: row.user_id, ...next };
}

/** The family a token belongs to, if the token is known (used and revoked ones included). */
export async function familyOf(db: Kysely<WriteTables>, token: string) {
  return db
    .selectFrom('refresh_tokens')
    .select(['family_id', 'user_id'])
    .where('token_hash', '=', digest(token))
    .executeTakeFirst();
}

export async function revokeFamily(db: Kysely<WriteTables>, familyId: string, now: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}
