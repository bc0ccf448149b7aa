import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { crashCount, settle, startFaultPlatform } from './platform.js';
import { assertGuarantees, reportFigures, assertTarget } from './report.js';
import type { ServiceProcess } from './stack.js';

// kill -9 of the relay, then of the projection process, every few seconds under write load
// (creates, updates with If-Match, deletes, restores, logins, and reads that fill the cache).
// Afterwards every store equals the truth: the read model and analytics a fresh rebuild, search,
// audit and cache the write model; every acknowledged command is in each exactly once.
// Longer than tap's 180 s per file: the stack starts, and each kill phase lasts ~20 s plus catch-up.
t.setTimeout(600_000);
const platform = await startFaultPlatform({ projections: 1, writers: 6 });
t.teardown(() => platform.close());

const killPhaseMs = 20_000;
/** A process restarted after kill -9 answers /healthz within this. */
const restartTargetMs = 5_000;

async function underKills(t: Test, target: ServiceProcess, scenario: string) {
  const crashesBefore = crashCount(platform);
  const load = platform.load();
  await sleep(2_000);
  let kills = 0;
  const until = Date.now() + killPhaseMs;
  while (Date.now() < until) {
    await sleep(2_000 + randomInt(3_000));
    await target.kill9AndRestart();
    kills += 1;
  }
  const lastKill = Date.now();
  const restartMs = await target.healthy();
  await sleep(2_000);
  await load.stop();
  const figures = await settle(platform, load, scenario, lastKill, {
    crashesBefore,
    extra: {
      'kill -9': kills,
      'restart to /healthz after the last kill (ms)': restartMs,
      'reads (cache)': `${load.reads.ok}/${load.reads.sent}`,
    },
  });
  reportFigures(t, figures);
  t.ok(kills >= 4, `${kills} kills`);
  assertTarget(t, 'restarted to /healthz after the last kill -9', restartMs, restartTargetMs);
  t.ok(figures.commands.acknowledged > 100, `${figures.commands.acknowledged} commands acknowledged under the kills`);
  assertGuarantees(t, figures);
}

t.test('kill -9 of the relay every few seconds under write load: every store exactly once', async (t) => {
  await underKills(t, platform.relay, 'relay kill -9');
});

t.test('kill -9 of the projector every few seconds under write load: every store exactly once', async (t) => {
  const [projections] = platform.projections;
  if (projections === undefined) throw new Error('no projection process');
  await underKills(t, projections, 'projector kill -9');
});
