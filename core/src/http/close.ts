import type { FastifyInstance } from 'fastify';

/** How long requests in flight get to finish when the server closes (5 s): a third of the shutdown's grace. */
export const defaultDrainMs = 5_000;

/**
 * Closes the server gracefully, but within a bound: no new connections, requests in flight get
 * `drainMs` to finish, then every connection still open is cut. Without the bound one client
 * can hold the shutdown forever: a request it never finished sending, or a response it never
 * read, keeps its connection busy, and `server.close` waits for every connection.
 */
export async function closeHttpServer(
  app: FastifyInstance,
  logger: { warn(fields: { open: number; drainMs: number }, message: string): void },
  drainMs = defaultDrainMs,
): Promise<void> {
  const cut = setTimeout(() => {
    app.server.getConnections((_error, open) => {
      logger.warn({ open, drainMs }, 'connections still busy after the drain: closing them');
    });
    app.server.closeAllConnections();
  }, drainMs);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}
