export { createAccessTokens, type AccessClaims, type AccessTokens } from './access-tokens.js';
export { authenticate, authorize, bearerToken, createRequestAuth, type RequestAuth } from './authenticate.js';
