import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { tally } from './load.js';
import { crashCount, settle, startFaultPlatform } from './platform.js';
import { assertGuarantees, reportFigures } from './report.js';
import { startEngine, stopEngine, type Engine } from './stack.js';

// Kafka, Elasticsearch, the MongoDB-protocol server (FerretDB) and Redis, each stopped for 30 s
// under write load. None of them is the write database, so commands keep being acknowledged
// (at least 99% of those sent while it is down); after it returns, every store catches up
// within 10 s and
// holds each acknowledged command exactly once, and nothing is dead-lettered.
t.setTimeout(900_000);
const platform = await startFaultPlatform({ projections: 1, writers: 6 });
t.teardown(() => platform.close());

const outageMs = 30_000;
/** Every store shows every writer's last command within this of its engine's return. */
const catchUpTargetMs = 10_000;

for (const engine of ['kafka', 'elasticsearch', 'ferretdb', 'redis'] as const satisfies readonly Engine[]) {
  t.test(`${engine} down for 30 s under write load: commands go on, the backlog drains, nothing lost`, async (t) => {
    const crashesBefore = crashCount(platform);
    const load = platform.load();
    // Whatever happens, the engine is up again for the next scenario and the other files.
    t.teardown(() => startEngine(engine));
    await sleep(3_000);
    // The window starts as the engine starts going down (a graceful stop takes a while).
    const down = Date.now();
    await stopEngine(engine);
    await sleep(outageMs);
    await startEngine(engine);
    const up = Date.now();
    await load.stop();
    const during = tally(load.sent, down, up);
    const figures = await settle(platform, load, `${engine} down`, up, {
      crashesBefore,
      during,
      extra: {
        'down (s)': Math.round((up - down) / 100) / 10,
        'commands/s while down': Math.round((10_000 * during.sent) / (up - down)) / 10,
        'reads (cache)': `${load.reads.ok}/${load.reads.sent}`,
      },
    });
    reportFigures(t, figures);
    // The fault was exercised (with Redis down, commands are slow: few are sent).
    t.ok(during.sent >= 10, `${during.sent} commands sent while ${engine} was down`);
    t.ok(
      during.answeredPercent >= 99,
      `commands acknowledged while ${engine} was down: ${during.answeredPercent}% (refused ${JSON.stringify(during.refused)})`,
    );
    assertGuarantees(t, figures, catchUpTargetMs);
  });
}
