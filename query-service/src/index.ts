export { loadConfig, type QueryServiceConfig } from './config.js';
