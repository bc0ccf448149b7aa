import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** One registry's metrics, as getMetricsAsJSON gives them. */
type Collected = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * /metrics of a cluster: whichever worker a scrape reaches asks the primary, which collects the
 * registry of every worker that serves and merges them (prom-client's AggregatorRegistry.aggregate:
 * counters and histograms summed, gauges summed unless they say otherwise).
 */
const channel = 'mindflow:metrics';

type Message =
  /** A worker asks the primary for the cluster's metrics. */
  | { readonly channel: typeof channel; readonly kind: 'ask'; readonly id: string }
  /** The primary asks a worker for its own. */
  | { readonly channel: typeof channel; readonly kind: 'collect'; readonly id: string }
  | { readonly channel: typeof channel; readonly kind: 'collected'; readonly id: string; readonly metrics: Collected }
  | { readonly channel: typeof channel; readonly kind: 'answer'; readonly id: string; readonly text: string };

const ours = (message: unknown): message is Message =>
  typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === channel;

/**
 * In the primary: answers the workers' requests for the cluster's metrics, from the workers
 * `serving` names (one still starting is not asked; one that does not answer within
 * `timeoutMs` is left out of that answer).
 */
export function serveClusterMetrics(serving: () => readonly Worker[], timeoutMs = 3_000): void {
  const pending = new Map<string, (metrics: Collected) => void>();
  const collect = (worker: Worker) =>
    new Promise<Collected>((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve([]);
      }, timeoutMs);
      pending.set(id, (metrics) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(metrics);
      });
      worker.send({ channel, kind: 'collect', id } satisfies Message);
    });
  cluster.on('message', (worker, message: unknown) => {
    if (!ours(message)) return;
    if (message.kind === 'collected') {
      pending.get(message.id)?.(message.metrics);
      return;
    }
    if (message.kind !== 'ask') return;
    void Promise.all(
      serving()
        .filter((each) => each.isConnected())
        .map(collect),
    ).then(async (registries) => {
      const text = await AggregatorRegistry.aggregate(registries.filter((metrics) => metrics.length > 0)).metrics();
      if (worker.isConnected()) worker.send({ channel, kind: 'answer', id: message.id, text } satisfies Message);
    });
  });
}

let reported: Registry | undefined;

/** In a worker, first thing: answers the primary's collection (with nothing until reportToCluster). */
export function answerClusterMetrics(): void {
  process.on('message', (message: unknown) => {
    if (!ours(message) || message.kind !== 'collect') return;
    void (reported?.getMetricsAsJSON() ?? Promise.resolve([])).then((metrics) => {
      process.send?.({ channel, kind: 'collected', id: message.id, metrics } satisfies Message);
    });
  });
}

/** In a worker: `registry` is what it reports to the cluster's /metrics. */
export function reportToCluster(registry: Registry): void {
  reported = registry;
}

/** In a worker: the metrics of every worker of the cluster, in the text format. */
export function clusterMetrics(timeoutMs = 6_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const onMessage = (message: unknown) => {
      if (!ours(message) || message.kind !== 'answer' || message.id !== id) return;
      settle();
      resolve(message.text);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`the cluster's primary did not send its metrics within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    const settle = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ channel, kind: 'ask', id } satisfies Message);
  });
}
