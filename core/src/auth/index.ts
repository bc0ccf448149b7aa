export { createAccessTokens, type AccessClaims, type AccessTokens, type TokenClaims } from './access-tokens.js';
export {
  bearerToken,
  claimedCaller,
  createRequestAuth,
  streamCookieName,
  streamCookiePath,
  type RequestAuth,
} from './authenticate.js';
export {
  createSessionStore,
  sessionIdsOf,
  sessionKey,
  type ActiveSession,
  type SessionStore,
  type SessionStoreOptions,
} from './sessions.js';
