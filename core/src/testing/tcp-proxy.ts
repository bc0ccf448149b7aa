import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy a test puts between a client and an engine, to cut the engine away and bring it back. */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1), the same after `restore`. */
  readonly port: number;
  /** Closes every connection and refuses new ones (connection refused), as when the engine stops. */
  cut(): Promise<void>;
  /**
   * Accepts connections but forwards nothing either way, as an engine that hangs or a network
   * that drops packets: the worst case for a client's time-outs.
   */
  silence(): void;
  /** Forwards again (after `silence`, what waited goes through), accepting on the same port after `cut`. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Forwards every connection on a port of its own to `target` (host:port) until cut or silenced.
 * The shared engines keep running for everyone else: only the clients pointed at the proxy lose them.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let silent = false;
  // Silent: nothing is forwarded either way (pipes undone, reading paused: a pipe would resume a
  // paused socket on its next drain).
  const forward = (pair: { client: Socket; upstream: Socket }) => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const hold = ({ client, upstream }: { client: Socket; upstream: Socket }) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const server = (): Server =>
    createServer((client) => {
      const upstream = connect(target.port, target.host);
      const pair = { client, upstream };
      pairs.add(pair);
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.on('close', () => {
          open.delete(socket);
          pairs.delete(pair);
        });
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      if (silent) hold(pair);
      else forward(pair);
    });
  const listen = (listener: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        const address = listener.address();
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('the proxy has no port'));
      });
    });
  let listener: Server | undefined = server();
  const port = await listen(listener, 0);
  const cut = async () => {
    const closing = listener;
    listener = undefined;
    for (const socket of open) socket.destroy();
    open.clear();
    if (closing !== undefined) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return {
    port,
    cut,
    silence: () => {
      silent = true;
      for (const pair of pairs) hold(pair);
    },
    restore: async () => {
      if (silent) for (const pair of pairs) forward(pair);
      silent = false;
      if (listener !== undefined) return;
      listener = server();
      await listen(listener, port);
    },
    close: cut,
  };
}
