import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../domain/index.js';
import { AppError } from '../errors/index.js';

export interface AccessClaims {
  readonly userId: string;
  readonly roles: readonly Role[];
  /** The login (refresh-token family) this token belongs to. */
  readonly sessionId: string;
}

export interface AccessTokens {
  readonly ttlSeconds: number;
  issue(claims: AccessClaims): Promise<string>;
  /** The claims of a valid token; UNAUTHENTICATED for anything else. */
  verify(token: string): Promise<AccessClaims>;
}

const issuer = 'mindflow';
const audience = 'mindflow-api';
const algorithm = 'HS256';

/** Short-lived JWTs: HS256 only (pinned), issuer and audience checked, expiry enforced. */
export function createAccessTokens(secret: string, ttlSeconds: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    issue: (claims) =>
      new SignJWT({ roles: claims.roles, sid: claims.sessionId })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .setJti(randomUUID())
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [algorithm], issuer, audience });
        const { sub, roles, sid } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string' || !Array.isArray(roles)) {
          throw new AppError('UNAUTHENTICATED', 'the access token lacks its claims');
        }
        return { userId: sub, sessionId: sid, roles: roles.filter((role): role is Role => typeof role === 'string') };
      } catch (error) {
        if (error instanceof AppError) throw error;
        const reason =
          error instanceof errors.JWTExpired ? 'the access token has expired' : 'the access token is invalid';
        throw new AppError('UNAUTHENTICATED', reason, { cause: error });
      }
    },
  };
}
