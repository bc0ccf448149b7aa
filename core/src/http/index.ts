// The Fastify augmentations (app.metrics, app.liveness) travel with this module's types.
import './metrics.js';
import './operations-routes.js';

export { createHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
export { errorBody, ErrorBodySchema } from './error-handler.js';
export { installRateLimits, type RateLimitOptions } from './rate-limits.js';
export { bearer, errorResponses } from './schemas.js';
export { spreadsheetCsv } from './csv.js';
export { defaultUploadDeadline, withinUploadDeadline, type UploadDeadline } from './upload-deadline.js';
