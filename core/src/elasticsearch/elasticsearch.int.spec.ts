import t from 'tap';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { connectElasticsearch } from './index.js';

t.test('@elastic/elasticsearch against the real server: the journal analyzer folds accents and stems', async (t) => {
  const { client, health, close } = connectElasticsearch(testEngines().elasticsearch, silentLogger());
  const index = uniqueName('smoke');
  t.teardown(async () => {
    await client.indices.delete({ index }, { ignore: [404] });
    await close();
  });
  await t.resolves(health.check());

  await client.indices.create({
    index,
    settings: {
      analysis: {
        analyzer: {
          journal_analyzer: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', 'stop', 'snowball'],
          },
        },
      },
    },
    mappings: { properties: { title: { type: 'text', analyzer: 'journal_analyzer' } } },
  });
  await client.index({ index, id: '1', document: { title: 'Café running' }, refresh: true });
  await client.index({ index, id: '2', document: { title: 'Tea walking' }, refresh: true });

  const tokens = await client.indices.analyze({ index, analyzer: 'journal_analyzer', text: 'Café running' });
  t.same(
    tokens.tokens?.map((token) => token.token),
    ['cafe', 'run'],
  );

  const found = await client.search<{ title: string }>({ index, query: { match: { title: 'cafe run' } } });
  t.same(
    found.hits.hits.map((hit) => hit._source?.title),
    ['Café running'],
  );
});
