export { loadConfig, type AiWorkerConfig } from './config.js';
