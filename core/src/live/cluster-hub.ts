import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import { answerWorkers, requestPrimary } from '../cluster/ipc.js';
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

interface Relayed {
  readonly channel: typeof channel;
  readonly userId: string;
  readonly update: LiveUpdate;
}
/** The registry's calls, answered by the primary (cluster/ipc). */
const registryChannel = 'mindflow:live:registry';

const relayed = (message: unknown): message is Relayed =>
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
  answerWorkers(registryChannel, (body) => answer(body as RegistryCall));
  // An update a worker publishes goes to every worker, the publisher included.
  cluster.on('message', (_worker, message: unknown) => {
    if (!relayed(message)) return;
    for (const each of Object.values(cluster.workers ?? {})) if (each?.isConnected() === true) each.send(message);
  });
}

/** In a worker: the cluster's hub, through the primary (see serveClusterHub). */
export function createClusterHub(timeoutMs = 5_000): LiveHub {
  const send = process.send?.bind(process);
  if (send === undefined || !cluster.isWorker) throw new Error('the cluster hub runs in a cluster worker');
  const updates = new EventEmitter();
  updates.setMaxListeners(0);
  const onMessage = (message: unknown) => {
    if (relayed(message)) updates.emit(message.userId, message.update);
  };
  process.on('message', onMessage);
  const call = (registryCall: RegistryCall) => requestPrimary(registryChannel, registryCall, timeoutMs);
  return {
    kind: 'cluster',
    async publish(userId, update) {
      send({ channel, userId, update } satisfies Relayed);
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
    },
  };
}
