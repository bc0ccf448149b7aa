import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';

/**
 * Requests and their replies between a cluster's primary and its workers, over the cluster's
 * IPC channel: each message names its channel (what it is about) and a request's id, which its
 * reply repeats. A request that gets no reply in time fails; a late reply is dropped. An answer
 * that fails is sent back as its message, and the request fails with it: an answerer never
 * takes its process down (the primary's is the whole cluster).
 */
interface Envelope {
  readonly channel: string;
  readonly id: string;
  readonly reply: boolean;
  readonly body: unknown;
  readonly error?: string;
}

const onChannel = (message: unknown, channel: string): Envelope | undefined =>
  typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === channel
    ? (message as Envelope)
    : undefined;

interface Port {
  send(message: Envelope): void;
  listen(listener: (message: unknown) => void): () => void;
}

/** This worker's way to its primary. */
const primary: Port = {
  send: (message) => process.send?.(message),
  listen: (listener) => {
    process.on('message', listener);
    return () => process.off('message', listener);
  },
};

/** The primary's way to one worker. */
const workerPort = (worker: Worker): Port => ({
  send: (message) => {
    if (worker.isConnected()) worker.send(message);
  },
  listen: (listener) => {
    worker.on('message', listener);
    return () => worker.off('message', listener);
  },
});

function request(port: Port, channel: string, body: unknown, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const stop = port.listen((message) => {
      const reply = onChannel(message, channel);
      if (reply?.reply !== true || reply.id !== id) return;
      clearTimeout(timer);
      stop();
      if (reply.error === undefined) resolve(reply.body);
      else reject(new Error(`${channel}: ${reply.error}`));
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no reply on ${channel} within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    port.send({ channel, id, reply: false, body });
  });
}

/** In a worker: asks the primary; its reply. */
export const requestPrimary = (channel: string, body: unknown, timeoutMs: number): Promise<unknown> =>
  request(primary, channel, body, timeoutMs);

/** In the primary: asks a worker; its reply. */
export const requestWorker = (worker: Worker, channel: string, body: unknown, timeoutMs: number): Promise<unknown> =>
  request(workerPort(worker), channel, body, timeoutMs);

/** In the primary: answers every worker's requests on `channel` (`worker`: who asks). */
export function answerWorkers(channel: string, answer: (body: unknown, worker: Worker) => Promise<unknown>): void {
  cluster.on('message', (worker, message: unknown) => {
    const asked = onChannel(message, channel);
    if (asked === undefined || asked.reply) return;
    void replyTo(workerPort(worker), asked, () => answer(asked.body, worker));
  });
}

/** In a worker: answers the primary's requests on `channel`. */
export function answerPrimary(channel: string, answer: (body: unknown) => Promise<unknown>): void {
  primary.listen((message) => {
    const asked = onChannel(message, channel);
    if (asked === undefined || asked.reply) return;
    void replyTo(primary, asked, () => answer(asked.body));
  });
}

/** Sends `port` the answer to `asked`, or its failure. */
async function replyTo(port: Port, asked: Envelope, answer: () => Promise<unknown>): Promise<void> {
  const { channel, id } = asked;
  let reply: Envelope;
  try {
    reply = { channel, id, reply: true, body: (await answer()) ?? null };
  } catch (error) {
    reply = { channel, id, reply: true, body: null, error: error instanceof Error ? error.message : String(error) };
  }
  port.send(reply);
}
