export { ConfigError, readEnv, type Env } from './read-env.js';
export * from './fragments.js';
