export { loadConfig, type ProjectorConfig } from './config.js';
