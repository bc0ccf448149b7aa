import t from 'tap';
import { checkReadiness, withImpact, type HealthCheck } from './index.js';

const up = (name: string): HealthCheck => ({ name, check: async () => undefined });
const down = (name: string): HealthCheck => ({
  name,
  check: async () => {
    throw new Error(`${name} is away`);
  },
});
const silent = (name: string): HealthCheck => ({ name, check: () => new Promise<void>(() => undefined) });

t.test(
  'a failing degraded check is named and leaves the process ready; a failing not-ready one does not',
  async (t) => {
    const report = await checkReadiness([
      up('postgres:write'),
      withImpact(down('redis'), 'degraded'),
      withImpact(up('elasticsearch'), 'degraded'),
    ]);
    t.equal(report.ok, true);
    t.same(report.degraded, ['redis']);
    t.equal(report.checks.find((check) => check.name === 'redis')?.error, 'redis is away');
    const notReady = await checkReadiness([down('postgres:write'), withImpact(down('redis'), 'degraded')]);
    t.equal(notReady.ok, false, 'a check without an impact is not-ready');
    t.same(notReady.degraded, ['redis']);
  },
);

t.test('a silent engine costs /readyz its bound, not more', async (t) => {
  const started = performance.now();
  const report = await checkReadiness([up('postgres:write'), withImpact(silent('kafka'), 'degraded')], 200);
  t.ok(performance.now() - started < 400);
  t.same(report, { ok: true, degraded: ['kafka'], checks: report.checks });
});
