import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { answerPrimary, answerWorkers, requestPrimary, requestWorker } from './ipc.js';

/**
 * /metrics of a cluster: whichever worker a scrape reaches asks the primary, which collects the
 * registry of every worker that serves and merges them (prom-client's AggregatorRegistry.aggregate:
 * counters and histograms summed, gauges summed unless they say otherwise).
 */
const asked = 'mindflow:metrics';
const collected = 'mindflow:metrics:collect';

/** One registry's metrics, as getMetricsAsJSON gives them. */
type Collected = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * In the primary: answers the workers' requests for the cluster's metrics, from the workers
 * `serving` names (one still starting is not asked; one that does not answer within
 * `timeoutMs` is left out of that answer).
 */
export function serveClusterMetrics(serving: () => readonly Worker[], timeoutMs = 3_000): void {
  const collect = async (worker: Worker) =>
    ((await requestWorker(worker, collected, null, timeoutMs).catch(() => [])) ?? []) as Collected;
  answerWorkers(asked, async () => {
    const registries = await Promise.all(
      serving()
        .filter((worker) => worker.isConnected())
        .map(collect),
    );
    return AggregatorRegistry.aggregate(registries.filter((metrics) => metrics.length > 0)).metrics();
  });
}

let reported: Registry | undefined;

/** In a worker, first thing: answers the primary's collection (with nothing until reportToCluster). */
export function answerClusterMetrics(): void {
  answerPrimary(collected, async () => (await reported?.getMetricsAsJSON()) ?? []);
}

/** In a worker: `registry` is what it reports to the cluster's /metrics. */
export function reportToCluster(registry: Registry): void {
  reported = registry;
}

/** In a worker: the metrics of every worker of the cluster, in the text format. */
export async function clusterMetrics(timeoutMs = 6_000): Promise<string> {
  return String(await requestPrimary(asked, null, timeoutMs));
}
