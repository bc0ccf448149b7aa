import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/**
 * Makes closing the server graceful but bounded: once `app.close()` begins, no new connections,
 * each answer ends its connection (`Connection: close`: a keep-alive connection busy when the
 * close began would otherwise stay open, and the close waits for every connection), and after
 * `drainMs` the connections still busy are cut, so that no client (one that never finishes its
 * request, or never reads its answer) can hold the close forever.
 */
export function installGracefulClose(app: FastifyInstance, logger: FastifyBaseLogger, drainMs: number): void {
  let closing = false;
  let cut: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    cut = setTimeout(() => {
      app.server.getConnections((_error, open) => {
        logger.warn({ open, drainMs }, 'connections still busy after the drain: closing them');
      });
      app.server.closeAllConnections();
    }, drainMs);
    cut.unref();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  // onClose runs once the server has closed: every connection is gone.
  app.addHook('onClose', async () => {
    clearTimeout(cut);
  });
}
