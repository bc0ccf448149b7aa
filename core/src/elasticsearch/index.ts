import { Client } from '@elastic/elasticsearch';
import { createBreaker, type Breaker } from '../breaker/index.js';
import type { ElasticsearchConfig } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';

export interface ElasticsearchConnection {
  readonly client: Client;
  /**
   * Request-serving calls (search) go through it, with `requestOptions`: they fail within
   * `config.timeoutMs`, and at once while the breaker is open. Indexing (the projection) does
   * not: it keeps the client's own long timeout and waits an outage out.
   */
  readonly breaker: Breaker;
  /** Per-request options of a request-serving call: its timeout, no retries. */
  readonly requestOptions: { readonly requestTimeout: number; readonly maxRetries: number };
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** An Elasticsearch v8 client; healthy while the cluster is green or yellow. */
export function connectElasticsearch(config: ElasticsearchConfig, logger: Logger): ElasticsearchConnection {
  const client = new Client({
    node: config.url,
    requestTimeout: 30_000,
    maxRetries: 2,
  });
  const breaker = createBreaker({ engine: 'elasticsearch', timeoutMs: config.timeoutMs, logger });
  const requestOptions = { requestTimeout: config.timeoutMs, maxRetries: 0 };
  return {
    client,
    breaker,
    requestOptions,
    health: {
      name: 'elasticsearch',
      // cluster health, not ping: a node's root endpoint is not served by every distribution
      check: async () => {
        const health = await breaker.run(() => client.cluster.health({}, requestOptions));
        if (health.status === 'red') throw new Error('cluster status is red');
      },
    },
    close: async () => {
      breaker.shutdown();
      await client.close();
    },
  };
}
