import cluster from 'node:cluster';

/**
 * In a cluster, the first worker is the leader: it alone runs what must be single (migrations
 * first, then projections, the relay and the ai-worker). The followers only serve HTTP.
 */
export type WorkerRole = 'leader' | 'follower';

/** How the cluster's primary tells a worker its role (runClustered). */
export const roleVariable = 'MINDFLOW_WORKER_ROLE';

/** This process's role in a cluster; undefined when it runs alone. */
export function workerRole(): WorkerRole | undefined {
  if (!cluster.isWorker) return undefined;
  return process.env[roleVariable] === 'leader' ? 'leader' : 'follower';
}
