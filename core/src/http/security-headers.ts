import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The browser-facing headers on every answer (helmet): `X-Content-Type-Options: nosniff`, a
 * Content-Security-Policy that loads only the platform's own scripts and styles and lets no
 * page frame ours (`frame-ancestors 'none'`), `Referrer-Policy: no-referrer` (links in an
 * entry never tell their target where the reader came from), and HSTS for HTTPS deployments.
 * /docs (Swagger UI) sends its own, stricter policy with the hashes of its inline code.
 * `imageOrigins`: where else images may come from (the S3 store's signed links: signedLinkOrigin).
 * Its headers are the same on every answer: helmet's middleware runs once, at start, and each
 * answer takes the headers it set (helmetHeaders).
 */
export function installSecurityHeaders(app: FastifyInstance, imageOrigins: readonly string[] = []): void {
  const secure = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:', ...imageOrigins],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // Attachments may come from the S3 store's origin through signed links.
    crossOriginEmbedderPolicy: false,
  });
  const headers = helmetHeaders(secure);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/** The headers a helmet middleware sets, from one run of it against a response that is never sent. */
function helmetHeaders(middleware: ReturnType<typeof helmet>): Readonly<Record<string, string>> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  const run = { finished: false };
  middleware(request, response, () => (run.finished = true));
  if (!run.finished) throw new Error('helmet did not set its headers at once');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.getHeaders())) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return Object.freeze(headers);
}
