import { createServer, type Socket } from 'node:net';
import type { RedisConfig } from '../config/index.js';

/** A TCP address that accepts connections and never answers: the worst case for time-outs. */
export interface SilentServer {
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that accepts every connection and never writes a byte. */
export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the silent server has no port');
  return {
    port: address.port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** What a call gave, and how long it took; `value` is undefined when it did not end by the deadline. */
export interface Timed<T> {
  readonly value: T | undefined;
  readonly ms: number;
}

/** Runs `call` and gives up waiting after `deadlineMs`: for tests that assert how fast something answers. */
export async function timed<T>(call: () => Promise<T>, deadlineMs: number): Promise<Timed<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deadlineMs);
  });
  try {
    const value = await Promise.race([call(), deadline]);
    return { value, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** A Redis that is down, as a test meets it: its configuration, and how to put it away. */
export interface DeadRedis {
  readonly name: string;
  open(): Promise<{ readonly config: RedisConfig; readonly close: () => Promise<void> }>;
}

/** The two ways Redis is down: nothing listens (refused), or it accepts and never answers (silent). */
export function deadRedises(timeoutMs: number): readonly DeadRedis[] {
  return [
    {
      name: 'refused',
      open: async () => ({
        config: { url: `redis://127.0.0.1:${String(await refusedPort())}`, timeoutMs },
        close: async () => undefined,
      }),
    },
    {
      name: 'silent (accepts, never answers)',
      open: async () => {
        const server = await silentServer();
        return { config: { url: `redis://127.0.0.1:${String(server.port)}`, timeoutMs }, close: () => server.close() };
      },
    },
  ];
}
