export { loadConfig, type CommandServiceConfig } from './config.js';
export { mountCommandService, type CommandServiceOptions } from './service.js';
export { writeDatabase, type WriteTables } from './database.js';
export { changeRole, toRoles } from './users/service.js';
export { createRecorder, type RequestContext } from './recorder.js';
export { insightStream, insightRequestLimit } from './insights/routes.js';
export { entryStream } from './entries/service.js';
export { attachmentStream } from './attachments/service.js';
