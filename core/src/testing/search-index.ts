import type { ElasticsearchConfig } from '../config/index.js';
import { connectElasticsearch } from '../elasticsearch/index.js';
import { silentLogger, testEngines, uniqueName } from './index.js';

/**
 * An Elasticsearch search alias of a test's own on the test server: its versioned indices and
 * its template are deleted by `close`. `config`: another way to the server (e.g. through a proxy).
 */
export function searchIndexForTest(config: ElasticsearchConfig = testEngines().elasticsearch) {
  const connection = connectElasticsearch(config, silentLogger());
  const alias = uniqueName('journal_entries')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  return {
    client: connection.client,
    /** The connection searches go through (its breaker and short timeout). */
    connection,
    alias,
    close: async () => {
      await connection.client.indices.delete({ index: `${alias}_v*` }, { ignore: [404] });
      await connection.client.indices.deleteIndexTemplate({ name: `${alias}_template` }, { ignore: [404] });
      await connection.close();
    },
  };
}
