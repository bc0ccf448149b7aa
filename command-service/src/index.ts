export { loadConfig, type CommandServiceConfig } from './config.js';
export { mountCommandService, type CommandServiceOptions } from './service.js';
export { changeRole } from './users/service.js';
export { createRecorder, type RequestContext } from './recorder.js';
export { insightRequestLimit } from './insights/routes.js';
export { readArchive, type ImportArchive } from './imports/read.js';
export { importArchive, type ImportReport } from './imports/run.js';
