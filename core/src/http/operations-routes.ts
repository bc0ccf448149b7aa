import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { checkReadiness, type HealthCheck } from '../health/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * What /healthz checks: whether the process itself still works (a consumer that cannot run),
     * never an engine. Cheap, in-memory checks; workers add theirs when they start.
     */
    liveness: HealthCheck[];
  }
}

const CheckSchema = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
});
const LivenessSchema = Type.Object({
  ok: Type.Boolean({ description: 'false (and 503) when a liveness check fails: restart the process' }),
  checks: Type.Array(CheckSchema),
});
const ReadinessSchema = Type.Object({
  ok: Type.Boolean({ description: 'false (and 503) when a dependency the process cannot serve without fails' }),
  degraded: Type.Array(Type.String(), { description: 'failing dependencies the process serves without' }),
  checks: Type.Array(CheckSchema),
});

/**
 * /healthz (liveness): the process answers and every check in `app.liveness` passes (503 naming
 * those that fail: a supervisor should restart the process). /readyz: 200 while every dependency
 * the process cannot serve without answers (else 503); `degraded` names the failing ones it
 * serves without.
 */
export function installOperationsRoutes(app: FastifyInstance, checks: readonly HealthCheck[]): void {
  const liveness: HealthCheck[] = [];
  app.decorate('liveness', liveness);
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        response: { 200: LivenessSchema, 503: LivenessSchema },
      },
    },
    async (_request, reply) => {
      const { ok, checks: results } = await checkReadiness(liveness, 1_000);
      return reply.status(ok ? 200 : 503).send({ ok, checks: results });
    },
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
