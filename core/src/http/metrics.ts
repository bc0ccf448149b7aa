import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clusterMetrics, reportToCluster } from '../cluster/metrics.js';
import { AppError } from '../errors/index.js';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's Prometheus registry; services add their own metrics to it. */
    metrics: Registry;
  }
}

/**
 * Process metrics and a request-duration histogram by route, served at /metrics: to a scraper
 * that sends `token` as its bearer token, or, without a token configured, to loopback only.
 * Route names, lag and error counts tell an outsider too much to serve them to anyone. In a
 * cluster's worker, /metrics answers for every worker (the primary aggregates them).
 */
export function installMetrics(app: FastifyInstance, token?: string): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.decorate('metrics', registry);
  if (cluster.isWorker) reportToCluster(registry);
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });
  const allowed = token === undefined ? fromLoopback : bearing(token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!allowed(request)) {
      throw new AppError(
        'UNAUTHENTICATED',
        token === undefined
          ? 'metrics are served to loopback only (set METRICS_TOKEN)'
          : 'a valid metrics token is required',
      );
    }
    return reply.type(registry.contentType).send(cluster.isWorker ? await clusterMetrics() : await registry.metrics());
  });
}

function fromLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Whether a request's bearer token is `token`, compared in constant time (as digests). */
function bearing(token: string): (request: FastifyRequest) => boolean {
  const expected = digest(token);
  return (request) => {
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();
