import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors/index.js';

/** Where `npm run build` puts the web client (web/dist at the repository's root). */
export const defaultWebAppDir = path.resolve(import.meta.dirname, '../../../web/dist');

/** Paths that are never the app's: the API, the operations routes and files (a name with a dot). */
function notTheApps(url: string): boolean {
  const pathname = url.split('?')[0] ?? '';
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return (
    pathname === '/v1' ||
    pathname.startsWith('/v1/') ||
    pathname.startsWith('/assets/') ||
    pathname.startsWith('/docs') ||
    last.includes('.')
  );
}

const immutable = 'public, max-age=31536000, immutable';

/**
 * The web client at `/`: the built files of `dir` (hashed ones under /assets cached for a
 * year, the rest `no-cache`), and `index.html` for every other GET outside the API, so that
 * the client's own routes load on a reload. An unknown `/v1/...` stays the JSON 404. Without
 * a build (no index.html), the server still starts and `/` answers 503 UNAVAILABLE in words.
 */
export async function serveWebApp(app: FastifyInstance, dir: string = defaultWebAppDir): Promise<void> {
  const built = existsSync(path.join(dir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per file, found at start: every other path is the fallback's below.
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (reply, file) => {
        const hashed = path.relative(dir, file).startsWith(`assets${path.sep}`);
        void reply.header('cache-control', hashed ? immutable : 'no-cache');
      },
    });
  }
  const page = async (request: { url: string; method: string }, reply: FastifyReply) => {
    if (notTheApps(request.url)) {
      throw new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    }
    if (!built) {
      throw new AppError('UNAVAILABLE', 'The web client is not built: run `npm run build`, then restart.');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  for (const url of ['/', '/*']) app.get(url, { schema: { hide: true } }, page);
}
