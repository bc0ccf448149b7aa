import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';
import { installGracefulClose } from './close.js';
import { jsonDepthExceeds, maxJsonDepth } from './json-depth.js';
import { defaultBodyDeadline, installBodyDeadline, type UploadDeadline } from './upload-deadline.js';
import { ErrorBodySchema, installErrorHandling } from './error-handler.js';
import { installMetrics } from './metrics.js';
import { installMethodNotAllowed } from './method-not-allowed.js';
import { installOperationsRoutes } from './operations-routes.js';
import { completeOpenApi, type OperationLink } from './openapi.js';
import { installSecurityHeaders } from './security-headers.js';
import { requestValidators } from './validators.js';
import { findBadText } from '../domain/text.js';
import { AppError } from '../errors/index.js';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpServerOptions {
  readonly logger: Logger;
  /** The OpenAPI title and version. */
  readonly title: string;
  readonly version: string;
  /** What /readyz checks. */
  readonly readiness: readonly HealthCheck[];
  readonly bodyLimit?: number;
  /** The bearer token /metrics requires; without it, /metrics answers loopback only. */
  readonly metricsToken?: string;
  /** How long a JSON body may take to arrive before the answer is 408 (defaultBodyDeadline). */
  readonly bodyDeadline?: UploadDeadline;
  /** How long requests in flight get to finish once the server closes, before their connections are cut (5 s). */
  readonly drainMs?: number;
  /** Origins besides this one that pages may load images from (the S3 store's signed links). */
  readonly imageOrigins?: readonly string[];
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A Fastify server with everything every MindFlow service shares: TypeBox schemas (requests
 * validated, no unknown properties), one JSON error format, request ids, OpenAPI at
 * /openapi.json and /docs, /healthz, /readyz, /metrics. Services register their routes on it.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    schemaController: requestValidators(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installGracefulClose(app, loggerInstance, options.drainMs ?? 5_000);
  installErrorHandling(app);
  installSecurityHeaders(app, options.imageOrigins);
  installMethodNotAllowed(app);
  installBodyDeadline(app, options.bodyDeadline ?? defaultBodyDeadline);
  // Fastify's own JSON parser (prototype poisoning refused), behind a nesting limit.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text)) {
      done(new AppError('MALFORMED_REQUEST', `JSON nests deeper than ${maxJsonDepth} levels`), undefined);
      return;
    }
    void parseJson(request, text, done);
  });
  // Valid JSON or URL encoding is not always text: U+0000 and lone surrogates reach no store.
  // Refused at the door (body, query string, path), rather than failing deep down or, worse,
  // in a projection after the command was acknowledged.
  app.addHook('preValidation', async (request) => {
    for (const [where, value] of [
      ['body', request.body],
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const bad = findBadText(value);
      if (bad !== undefined) {
        throw new AppError('VALIDATION_FAILED', `${where}: text ${bad.problem}`, {
          details: [{ path: where === 'body' ? bad.path : `${where}${bad.path}`, message: bad.problem }],
        });
      }
    }
  });
  app.addSchema(ErrorBodySchema);
  const links: OperationLink[] = [];
  app.decorate('openapiLinks', links);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, version: options.version },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // GET /v1/stream only: the access token as a browser's EventSource sends it.
          streamCookie: { type: 'apiKey', in: 'cookie', name: 'mindflow_stream' },
        },
      },
    },
    transformObject: (documentObject) =>
      completeOpenApi(
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject,
        links,
      ),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installMetrics(app, options.metricsToken);
  installOperationsRoutes(app, options.readiness);
  return app;
}
