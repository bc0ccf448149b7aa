import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics of a cluster: whichever worker a scrape reaches asks the primary, which gathers
 * every worker's registry (prom-client's AggregatorRegistry: counters and histograms summed,
 * gauges summed unless they say otherwise) and answers with the whole.
 */
const channel = 'mindflow:metrics';

interface Ask {
  readonly channel: typeof channel;
  readonly id: string;
}
interface Answer extends Ask {
  readonly text?: string;
  readonly error?: string;
}

const isOurs = (message: unknown): boolean =>
  typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === channel;

/** In the primary: answers the workers' requests for the cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, received: unknown) => {
    if (!isOurs(received)) return;
    const { id } = received as Ask;
    aggregator.clusterMetrics().then(
      (text) => {
        if (worker.isConnected()) worker.send({ channel, id, text } satisfies Answer);
      },
      (error: unknown) => {
        if (worker.isConnected()) worker.send({ channel, id, error: String(error) } satisfies Answer);
      },
    );
  });
}

/** In a worker: reports `registry` to the primary's aggregation (call once per process). */
export function reportToCluster(registry: Registry): void {
  AggregatorRegistry.setRegistries(registry);
  // Its constructor makes this worker answer the primary's requests for its registry.
  new AggregatorRegistry();
}

/** In a worker: the metrics of every worker of the cluster, in the text format. */
export function clusterMetrics(timeoutMs = 6_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const onMessage = (received: unknown) => {
      if (!isOurs(received) || (received as Answer).id !== id) return;
      settle();
      const { text, error } = received as Answer;
      if (text === undefined) reject(new Error(error ?? 'no metrics'));
      else resolve(text);
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
    process.send?.({ channel, id } satisfies Ask);
  });
}
