export { loadConfig, type CommandServiceConfig } from './config.js';
