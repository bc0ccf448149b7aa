import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import { EngineUnavailableError } from '../breaker/index.js';
import { AppError, errorCodes, type ErrorCode } from '../errors/index.js';
import { isMalformedMultipart } from './multipart.js';

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable upper-snake code' }),
      message: Type.String({ description: 'for humans' }),
      details: Type.Optional(Type.Array(Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error response' },
);

export function errorBody(code: ErrorCode, message: string, details?: readonly unknown[]) {
  return {
    error: { code, message, ...(details === undefined ? {} : { details }) },
  };
}

/** Fastify's own client errors, by their code, onto ours. */
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'MALFORMED_REQUEST',
};

function codeForStatus(status: number): ErrorCode {
  const match = (Object.keys(errorCodes) as ErrorCode[]).find((code) => errorCodes[code].status === status);
  return match ?? (status >= 500 ? 'INTERNAL' : 'MALFORMED_REQUEST');
}

/**
 * One place turns every error into `{ error: { code, message, details? } }`: our AppErrors,
 * an engine that did not answer (503 ENGINE_UNAVAILABLE with Retry-After), schema validation
 * failures, Fastify's parser errors and anything unexpected (a 500 whose message reveals
 * nothing; the log has the rest). Also answers unknown routes.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return reply
        .status(error.status)
        .headers(error.headers)
        .send(errorBody(error.code, error.message, error.details));
    }
    if (error instanceof EngineUnavailableError) {
      request.log.warn({ err: error }, error.message);
      return reply
        .status(errorCodes.ENGINE_UNAVAILABLE.status)
        .header('retry-after', String(error.retryAfterSeconds))
        .send(
          errorBody(
            'ENGINE_UNAVAILABLE',
            `${error.engine} is unavailable; retry in ${String(error.retryAfterSeconds)} s`,
          ),
        );
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      if (
        fastifyError.validationContext === 'headers' &&
        fastifyError.validation.every(
          (issue) =>
            issue.keyword === 'required' &&
            (issue.params as { missingProperty?: string }).missingProperty === 'if-match',
        )
      ) {
        return reply
          .status(428)
          .send(errorBody('PRECONDITION_REQUIRED', 'send If-Match: "<version>" with the version you read'));
      }
      const details = fastifyError.validation.map((issue) => ({
        in: fastifyError.validationContext ?? 'body',
        path: issue.instancePath === '' ? '/' : issue.instancePath,
        message: issue.message ?? 'is invalid',
        ...(issue.keyword === 'additionalProperties'
          ? {
              property: (issue.params as { additionalProperty?: string }).additionalProperty,
            }
          : {}),
      }));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', 'The request does not match its schema', details));
    }
    if (fastifyError.statusCode === undefined && isMalformedMultipart(error)) {
      return reply
        .status(400)
        .send(errorBody('MALFORMED_REQUEST', 'the multipart body ends before its closing boundary'));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status < 500) {
      const code = fastifyCodes[fastifyError.code] ?? codeForStatus(status);
      return reply.status(errorCodes[code].status).send(errorBody(code, fastifyError.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(errorBody('INTERNAL', `Something went wrong (request ${request.id})`));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}
