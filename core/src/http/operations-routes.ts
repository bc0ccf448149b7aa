import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { checkReadiness, type HealthCheck } from '../health/index.js';

const CheckSchema = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
});
const ReadinessSchema = Type.Object({
  ok: Type.Boolean({ description: 'false (and 503) when a dependency the process cannot serve without fails' }),
  degraded: Type.Array(Type.String(), { description: 'failing dependencies the process serves without' }),
  checks: Type.Array(CheckSchema),
});

/**
 * /healthz: the process answers. /readyz: 200 while every dependency the process cannot serve
 * without answers (else 503); `degraded` names the failing ones it serves without.
 */
export function installOperationsRoutes(app: FastifyInstance, checks: readonly HealthCheck[]): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        response: { 200: Type.Object({ ok: Type.Literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      const report = await checkReadiness(checks);
      return reply.status(report.ok ? 200 : 503).send(report);
    },
  );
}
