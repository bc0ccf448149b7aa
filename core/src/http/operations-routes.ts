import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { checkReadiness, type HealthCheck } from '../health/index.js';

const CheckSchema = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
});
const ReadinessSchema = Type.Object({
  ok: Type.Boolean(),
  checks: Type.Array(CheckSchema),
});

/** /healthz: the process answers. /readyz: every dependency answers (503 naming those that do not). */
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
