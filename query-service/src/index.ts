export { loadConfig, type QueryServiceConfig } from './config.js';
export { mountQueryService, type QueryServiceOptions } from './service.js';
export { searchFor } from './search/adapter.js';
