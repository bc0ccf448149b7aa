import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The browser-facing headers on every answer (helmet): `X-Content-Type-Options: nosniff`, a
 * Content-Security-Policy that loads only the platform's own scripts and styles and lets no
 * page frame ours (`frame-ancestors 'none'`), `Referrer-Policy: no-referrer` (links in an
 * entry never tell their target where the reader came from), and HSTS for HTTPS deployments.
 * /docs (Swagger UI) sends its own, stricter policy with the hashes of its inline code.
 * `imageOrigins`: where else images may come from (the S3 store's signed links: signedLinkOrigin).
 * helmet's middleware is built once: its headers are the same on every answer.
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
  app.addHook('onRequest', (request, reply, done) => {
    secure(request.raw, reply.raw, () => {
      done();
    });
  });
}
