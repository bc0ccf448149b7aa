import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/index.js';

interface RoutePath {
  readonly url: string;
  /** How many `:param` segments: the fewer, the more specific (a static segment wins). */
  readonly params: number;
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

function compile(url: string): RegExp {
  const segments = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/**
 * 405 METHOD_NOT_ALLOWED, with `Allow`, for a path the API has but not with the request's
 * method; 404 NOT_FOUND for a path it does not have. Both are answered when the request
 * arrives, before its body is read. A static segment is its own path: `GET
 * /v1/entries/{id}/attachments/uploads` is 405 (that path only has POST), even though
 * `GET /v1/entries/{id}/attachments/{attachmentId}` would match it.
 */
export function installMethodNotAllowed(app: FastifyInstance): void {
  const paths = new Map<string, RoutePath>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const known = paths.get(route.url) ?? {
      url: route.url,
      params: route.url.split('/').filter((segment) => segment.startsWith(':')).length,
      pattern: compile(route.url),
      methods: new Set<string>(),
    };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) known.methods.add(method);
    paths.set(route.url, known);
  });

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    let best: RoutePath | undefined;
    for (const candidate of paths.values()) {
      if (candidate.pattern.test(path) && (best === undefined || candidate.params < best.params)) best = candidate;
    }
    if (best === undefined) {
      if (request.is404) throw new AppError('NOT_FOUND', `No route ${request.method} ${path}`);
      return;
    }
    if (best.methods.has(request.method)) return;
    const allow = [...best.methods].sort().join(', ');
    throw new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${best.url}; use ${allow}`, {
      headers: { allow },
    });
  });
}
