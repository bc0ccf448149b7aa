import cluster, { type Worker } from 'node:cluster';
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

/**
 * In the primary, before forking: keeps the registry and relays updates to every worker. The
 * streams a worker registered are closed when it dies: their connections died with it, and the
 * writer's reconnection must find its place free, not wait for them to go stale.
 */
export function serveClusterHub(): void {
  const registry = createMemoryHub();
  /** Each worker's open streams: user id, then connection id. */
  const held = new Map<number, Map<string, string>>();
  const heldBy = (worker: Worker) => {
    const streams = held.get(worker.id) ?? new Map<string, string>();
    held.set(worker.id, streams);
    return streams;
  };
  const answer = async (call: RegistryCall, worker: Worker): Promise<unknown> => {
    switch (call.op) {
      case 'open': {
        const opened = await registry.open(...call.args);
        if (opened) heldBy(worker).set(call.args[1], call.args[0]);
        return opened;
      }
      case 'touch':
        return registry.touch(...call.args);
      case 'close':
        heldBy(worker).delete(call.args[1]);
        return registry.close(...call.args);
      case 'openCount':
        return registry.openCount(...call.args);
    }
  };
  answerWorkers(registryChannel, (body, worker) => answer(body as RegistryCall, worker));
  cluster.on('exit', (worker) => {
    const streams = held.get(worker.id);
    held.delete(worker.id);
    for (const [connectionId, userId] of streams ?? []) void registry.close(userId, connectionId);
  });
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
