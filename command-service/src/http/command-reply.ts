import { AppError } from '@mindflow/core/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandResponse } from './idempotency.js';

/** The version in an If-Match header ("3", 3 or W/"3"); PRECONDITION_REQUIRED when required and absent. */
export function ifMatch(request: FastifyRequest, required: boolean): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) {
    if (required) throw new AppError('PRECONDITION_REQUIRED', 'send If-Match: "<version>" with the version you read');
    return undefined;
  }
  const match = typeof header === 'string' ? /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim()) : null;
  if (match?.[1] === undefined) {
    throw new AppError('VALIDATION_FAILED', 'If-Match must be a version, e.g. "3"', {
      details: [{ path: 'headers/if-match', message: 'must be a version such as "3"' }],
    });
  }
  return Number(match[1]);
}

/** Sends a command's response: its status, ETag of the new version, and whether it was replayed. */
export function sendCommandResponse(reply: FastifyReply, response: CommandResponse<{ version: number }>) {
  if (response.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(response.status).header('etag', `"${response.body.version}"`).send(response.body);
}
