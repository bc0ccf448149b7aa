export { createAccessTokens, type AccessClaims, type AccessTokens } from './access-tokens.js';
export { authenticate, authorize, bearerToken } from './authenticate.js';
