import { AppError } from '@mindflow/core/errors';
import type { FastifyRequest } from 'fastify';
import type { AccessClaims, AccessTokens } from '../auth/access-tokens.js';

/** The caller of an authenticated route, from its bearer token; UNAUTHENTICATED otherwise. */
export async function authenticate(tokens: AccessTokens, request: FastifyRequest): Promise<AccessClaims> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  if (match?.[1] === undefined)
    throw new AppError('UNAUTHENTICATED', 'an Authorization: Bearer <accessToken> header is required');
  return tokens.verify(match[1]);
}
