import { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';

export interface ElasticsearchConnection {
  readonly client: Client;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** An Elasticsearch v8 client; healthy while the cluster is green or yellow. */
export function connectElasticsearch(config: ElasticsearchConfig): ElasticsearchConnection {
  const client = new Client({
    node: config.url,
    requestTimeout: 30_000,
    maxRetries: 2,
  });
  return {
    client,
    health: {
      name: 'elasticsearch',
      // cluster health, not ping: a node's root endpoint is not served by every distribution
      check: async () => {
        const health = await client.cluster.health({ timeout: '2s' });
        if (health.status === 'red') throw new Error('cluster status is red');
      },
    },
    close: () => client.close(),
  };
}
