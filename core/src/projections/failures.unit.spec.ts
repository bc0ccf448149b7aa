import t from 'tap';
import { standaloneServices } from './external.js';
import { failurePolicy, maxOutageBackoffMs } from './failures.js';

t.test('however long an engine has been away, the next try comes within the outage back-off cap', async (t) => {
  const policy = failurePolicy('search', standaloneServices());
  const away = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { code: 'ECONNREFUSED' });
  for (let i = 0; i < 20; i++) t.ok(policy.isOutage(away), 'an outage');
  const started = performance.now();
  await t.rejects(policy.retryLater({ kind: 'outage' }, away), { name: 'ProjectionRetry' });
  const waited = performance.now() - started;
  t.ok(waited <= maxOutageBackoffMs + 250, `waited ${Math.round(waited)} ms after 20 failures in a row`);
});
