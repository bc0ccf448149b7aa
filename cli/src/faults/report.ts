import type { Test } from 'tap';
import type { tally } from './load.js';
import type { StoreFigures, StoreName } from './stores.js';

/** What a fault scenario measured: commands, what each store holds of them, and recovery times. */
export interface FaultFigures {
  readonly scenario: string;
  readonly commands: ReturnType<typeof tally>;
  /** The commands sent while the fault lasted (an engine down), when that is a window of its own. */
  readonly during?: ReturnType<typeof tally>;
  readonly stores: readonly StoreFigures[];
  /** Milliseconds from the end of the fault until each store showed every writer's last command. */
  readonly recovery: Record<StoreName, number | undefined>;
  readonly lostInWriteModel: number;
  readonly deadLetters: Record<string, number>;
  readonly crashes: readonly string[];
  /** Where each process's whole output is (named in the report, for a failure's post-mortem). */
  readonly logs?: Record<string, string>;
  readonly extra?: Record<string, string | number>;
}

const seconds = (ms: number | undefined) => (ms === undefined ? 'not caught up' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The figures as tap comments (one line each, prefixed `fault-figures`), so that a CI log can
 * be searched for them, and as one JSON line for tools.
 */
export function reportFigures(t: Test, figures: FaultFigures): void {
  const { commands, during } = figures;
  t.comment(
    `fault-figures ${figures.scenario}: sent ${commands.sent}, acknowledged ${commands.acknowledged} (${commands.answeredPercent}%), refused ${JSON.stringify(commands.refused)}, p50 ${commands.p50Ms} ms, max ${commands.maxMs} ms`,
  );
  if (during !== undefined) {
    t.comment(
      `fault-figures ${figures.scenario}: during the fault sent ${during.sent}, acknowledged ${during.acknowledged} (${during.answeredPercent}%), refused ${JSON.stringify(during.refused)}, p50 ${during.p50Ms} ms, max ${during.maxMs} ms`,
    );
  }
  for (const store of figures.stores) {
    t.comment(
      `fault-figures ${figures.scenario}: ${store.store}: lost ${store.lost}, duplicated ${store.duplicated}, caught up ${seconds(figures.recovery[store.store])} after; ${store.detail}`,
    );
  }
  t.comment(
    `fault-figures ${figures.scenario}: lost in the write model ${figures.lostInWriteModel}; dead letters ${JSON.stringify(figures.deadLetters)}; crashes ${figures.crashes.length}${
      figures.extra === undefined
        ? ''
        : `; ${Object.entries(figures.extra)
            .map(([key, value]) => `${key} ${value}`)
            .join('; ')}`
    }`,
  );
  for (const crash of figures.crashes) t.comment(`fault-figures ${figures.scenario}: crash: ${crash}`);
  if (figures.logs !== undefined) t.comment(`fault-figures ${figures.scenario}: logs ${JSON.stringify(figures.logs)}`);
  t.comment(`fault-figures-json ${JSON.stringify(figures)}`);
}

/**
 * The guarantees of the spine for one scenario: nothing acknowledged lost or applied twice in
 * any store, every store caught up (within `catchUpWithinMs` of the fault's end, when given),
 * no dead letters, no process crashed.
 */
/**
 * A target of "staying up through engine faults" (a restart within 5 s, a catch-up within 10 s),
 * asserted as such, the measured figure in the message.
 */
export function assertTarget(t: Test, what: string, measuredMs: number | undefined, targetMs: number): void {
  t.ok(
    measuredMs !== undefined && measuredMs <= targetMs,
    `${what}: ${seconds(measuredMs)} (target ${seconds(targetMs)})`,
  );
}

/** How long a scenario waits for a process to start before it reports the start missing. */
export const ceilings = { restartMs: 15_000 } as const;

export function assertGuarantees(t: Test, figures: FaultFigures, catchUpWithinMs?: number): void {
  t.equal(figures.lostInWriteModel, 0, `${figures.scenario}: every acknowledged command is in the event store`);
  for (const store of figures.stores) {
    const recovery = figures.recovery[store.store];
    t.ok(recovery !== undefined, `${figures.scenario}: ${store.store} caught up`);
    if (catchUpWithinMs !== undefined)
      assertTarget(t, `${figures.scenario}: ${store.store} caught up after`, recovery, catchUpWithinMs);
    t.equal(store.lost, 0, `${figures.scenario}: ${store.store} lost nothing (${store.detail})`);
    t.equal(store.duplicated, 0, `${figures.scenario}: ${store.store} applied nothing twice (${store.detail})`);
  }
  t.same(figures.deadLetters, {}, `${figures.scenario}: nothing dead-lettered`);
  t.same(figures.crashes, [], `${figures.scenario}: no process died of the fault`);
}
