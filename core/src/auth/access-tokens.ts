import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../domain/index.js';
import { AppError } from '../errors/index.js';

/** Who a request acts for: the user, the roles they hold now, and the login it belongs to. */
export interface AccessClaims {
  readonly userId: string;
  readonly roles: readonly Role[];
  /** The login (refresh-token family) this token belongs to. */
  readonly sessionId: string;
}

/** What a valid token says: whose it is and which login. Roles are never taken from a token. */
export type TokenClaims = Omit<AccessClaims, 'roles'>;

export interface AccessTokens {
  readonly ttlSeconds: number;
  issue(claims: TokenClaims): Promise<string>;
  /** The claims of a valid token; UNAUTHENTICATED for anything else (a token without `exp` included). */
  verify(token: string): Promise<TokenClaims>;
}

const issuer = 'mindflow';
const audience = 'mindflow-api';
const algorithm = 'HS256';

/**
 * Short-lived JWTs: HS256 only (pinned), issuer and audience checked, expiry required and
 * enforced. A token names its user and its login; whether that login still stands, and which
 * roles its user holds, is the session store's to say (see sessions.ts).
 */
export function createAccessTokens(secret: string, ttlSeconds: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    issue: (claims) =>
      new SignJWT({ sid: claims.sessionId })
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
        const { payload } = await jwtVerify(token, key, {
          algorithms: [algorithm],
          issuer,
          audience,
          requiredClaims: ['exp', 'sub', 'sid'],
        });
        const { sub, sid } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string') {
          throw new AppError('UNAUTHENTICATED', 'the access token lacks its claims');
        }
        return { userId: sub, sessionId: sid };
      } catch (error) {
        if (error instanceof AppError) throw error;
        const reason =
          error instanceof errors.JWTExpired ? 'the access token has expired' : 'the access token is invalid';
        throw new AppError('UNAUTHENTICATED', reason, { cause: error });
      }
    },
  };
}
