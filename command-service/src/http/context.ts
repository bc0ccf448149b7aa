import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../recorder.js';
import type { AccessClaims } from '@mindflow/core/auth';

/** The metadata a request gives its events: request id, actor, address, agent, trace, time. */
export function requestContext(request: FastifyRequest, actor?: AccessClaims): RequestContext {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value.slice(0, 512) : undefined;
  };
  return {
    requestId: request.id,
    actorId: actor?.userId,
    actorRole: actor?.roles.includes('admin') ? 'admin' : actor?.roles[0],
    ip: request.ip,
    userAgent: header('user-agent'),
    traceparent: header('traceparent'),
    now: new Date(),
  };
}
