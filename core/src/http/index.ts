// The Fastify augmentations (app.metrics, app.liveness) travel with this module's types.
import './metrics.js';
import './operations-routes.js';
import './openapi.js';

export { createHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
export { errorBody, ErrorBodySchema } from './error-handler.js';
export { installRateLimits, type RateLimitOptions } from './rate-limits.js';
export { bearer, Email, EntryDate, errorResponses, nonBlankText, TimeZone } from './schemas.js';
export { spreadsheetCsv } from './csv.js';
export {
  defaultBodyDeadline,
  defaultUploadDeadline,
  withinUploadDeadline,
  type UploadDeadline,
} from './upload-deadline.js';
export { requireMultipart } from './multipart.js';
export { linkOperations, multipartFile, textPattern, type OperationLink } from './openapi.js';
export { defaultWebAppDir, serveWebApp } from './web-app.js';
