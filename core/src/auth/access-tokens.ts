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

/**
 * Tokens already verified, with their claims, until they expire: a client sends the same token
 * with every request, and checking its signature again was a twentieth of a cached read's CPU
 * time. The same string was verified before, so it is still genuine; only its expiry changes.
 * Bounded: past the limit, the oldest is forgotten (and verified again if it comes back).
 */
const verifiedLimit = 10_000;

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
  const verified = new Map<string, { readonly claims: TokenClaims; readonly expiresAt: number }>();
  const remember = (token: string, claims: TokenClaims, exp: number) => {
    verified.set(token, { claims, expiresAt: exp * 1000 });
    if (verified.size > verifiedLimit) verified.delete(verified.keys().next().value ?? '');
  };
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
      const known = verified.get(token);
      // jose's rule: a token is expired once the clock reaches its `exp`.
      if (known !== undefined && Date.now() < known.expiresAt) return known.claims;
      verified.delete(token);
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
        const claims = { userId: sub, sessionId: sid };
        // requiredClaims makes `exp` present; jose checked that it is a number.
        remember(token, claims, payload.exp ?? 0);
        return claims;
      } catch (error) {
        if (error instanceof AppError) throw error;
        const reason =
          error instanceof errors.JWTExpired ? 'the access token has expired' : 'the access token is invalid';
        throw new AppError('UNAUTHENTICATED', reason, { cause: error });
      }
    },
  };
}
