export { runClustered, type ClusterOptions } from './run.js';
export { workerRole, type WorkerRole } from './config.js';
export { clusterMetrics, reportToCluster } from './metrics.js';
