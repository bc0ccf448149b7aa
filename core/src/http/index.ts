export { createHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
export { errorBody, ErrorBodySchema } from './error-handler.js';
