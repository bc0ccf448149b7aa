import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createMemoryHub } from './memory-hub.js';
import type { LiveHub, LiveUpdate } from './types.js';

/**
 * The hub of a cluster on one machine without Redis (`mindflow start --workers N`): the
 * primary holds the registry of open streams and relays every update to every worker over
 * the cluster's IPC channel; each worker hands them to its own streams.
 */
const channel = 'mindflow:live';

type RegistryCall =
  | { readonly op: 'open'; readonly args: [string, string, number, number] }
  | { readonly op: 'touch'; readonly args: [string, string, number] }
  | { readonly op: 'close'; readonly args: [string, string] }
  | { readonly op: 'openCount'; readonly args: [string] };

type ToPrimary =
  | { readonly channel: typeof channel; readonly kind: 'publish'; readonly userId: string; readonly update: LiveUpdate }
  | ({ readonly channel: typeof channel; readonly kind: 'call'; readonly id: string } & RegistryCall);

type ToWorker =
  | { readonly channel: typeof channel; readonly kind: 'update'; readonly userId: string; readonly update: LiveUpdate }
  | { readonly channel: typeof channel; readonly kind: 'result'; readonly id: string; readonly value: unknown };

const ours = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === channel;

/** In the primary, before forking: keeps the registry and relays updates to every worker. */
export function serveClusterHub(): void {
  const registry = createMemoryHub();
  const answer = async (call: RegistryCall): Promise<unknown> => {
    switch (call.op) {
      case 'open':
        return registry.open(...call.args);
      case 'touch':
        return registry.touch(...call.args);
      case 'close':
        return registry.close(...call.args);
      case 'openCount':
        return registry.openCount(...call.args);
    }
  };
  cluster.on('message', (worker, received: unknown) => {
    if (!ours(received)) return;
    const message = received as ToPrimary;
    if (message.kind === 'publish') {
      const relayed: ToWorker = { channel, kind: 'update', userId: message.userId, update: message.update };
      for (const each of Object.values(cluster.workers ?? {})) if (each?.isConnected() === true) each.send(relayed);
      return;
    }
    void answer(message).then((value) => {
      const result: ToWorker = { channel, kind: 'result', id: message.id, value: value ?? null };
      if (worker.isConnected()) worker.send(result);
    });
  });
}

/** In a worker: the cluster's hub, through the primary (see serveClusterHub). */
export function createClusterHub(timeoutMs = 5_000): LiveHub {
  const send = process.send?.bind(process);
  if (send === undefined || !cluster.isWorker) throw new Error('the cluster hub runs in a cluster worker');
  const updates = new EventEmitter();
  updates.setMaxListeners(0);
  const pending = new Map<string, { resolve: (value: unknown) => void; timer: NodeJS.Timeout }>();
  const onMessage = (received: unknown) => {
    if (!ours(received)) return;
    const message = received as ToWorker;
    if (message.kind === 'update') {
      updates.emit(message.userId, message.update);
      return;
    }
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    call.resolve(message.value);
  };
  process.on('message', onMessage);
  const call = (registryCall: RegistryCall) =>
    new Promise<unknown>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the cluster's primary did not answer ${registryCall.op} within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, timer });
      send({ channel, kind: 'call', id, ...registryCall } satisfies ToPrimary);
    });
  return {
    kind: 'cluster',
    async publish(userId, update) {
      send({ channel, kind: 'publish', userId, update } satisfies ToPrimary);
    },
    async listen(userId, listener) {
      const deliver = (update: LiveUpdate) => listener(update);
      updates.on(userId, deliver);
      return async () => {
        updates.off(userId, deliver);
      };
    },
    open: async (userId, connectionId, cap, staleMs) =>
      (await call({ op: 'open', args: [userId, connectionId, cap, staleMs] })) === true,
    async touch(userId, connectionId, staleMs) {
      await call({ op: 'touch', args: [userId, connectionId, staleMs] });
    },
    async close(userId, connectionId) {
      await call({ op: 'close', args: [userId, connectionId] });
    },
    openCount: async (userId) => Number(await call({ op: 'openCount', args: [userId] })),
    async shutdown() {
      updates.removeAllListeners();
      process.off('message', onMessage);
      for (const { timer } of pending.values()) clearTimeout(timer);
    },
  };
}
