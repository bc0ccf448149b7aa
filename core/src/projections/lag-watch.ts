import type { EventStoreTables } from '../eventstore/index.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../logging/index.js';
import type { Kysely } from 'kysely';
import { defaultLagLimit, measureLag, type LagSource, type ProjectionLag } from './lag.js';
import type { ProjectionMetrics } from './metrics.js';

/** How far behind a projection may be and still be ready. */
export interface LagLimits {
  /** Most events committed and not applied. */
  readonly maxEvents: number;
  /** Longest time the oldest event not applied may have waited, in seconds. */
  readonly maxSeconds: number;
}

/** The defaults of PROJECTION_READY_MAX_LAG_EVENTS and PROJECTION_READY_MAX_LAG_SECONDS. */
export const defaultLagLimits: LagLimits = { maxEvents: 1_000, maxSeconds: 30 };

export interface LagWatch {
  /** Each projection's lag, measured at most a second ago; concurrent callers share one measure. */
  current(): Promise<readonly ProjectionLag[]>;
  /** One readiness check per projection (`projection:<name>`), failing with its lag when over the limits. */
  readonly readiness: readonly HealthCheck[];
  stop(): void;
}

export interface LagWatchOptions<DB extends EventStoreTables> {
  readonly writeDb: Kysely<DB>;
  readonly projections: readonly LagSource[];
  /**
   * The events topic's partition count with Kafka (asked at each measure: the topic may not be
   * reachable yet at start); undefined on the embedded bus.
   */
  readonly partitions: (() => Promise<number>) | undefined;
  readonly metrics: ProjectionMetrics;
  readonly logger: Logger;
  readonly limits?: LagLimits;
  /** How often the lag metrics are refreshed (default 5 s). */
  readonly intervalMs?: number;
}

/** Why a lag is over the limits, or undefined when it is within them. */
export function overLimits(lag: ProjectionLag, limits: LagLimits): string | undefined {
  const events = `${lag.behind}${lag.more ? '+' : ''} event(s) behind`;
  const seconds = `the oldest waiting ${Math.round(lag.seconds)} s`;
  if (lag.behind > limits.maxEvents) return `${events} (limit ${limits.maxEvents}), ${seconds}`;
  if (lag.seconds > limits.maxSeconds) return `${events}, ${seconds} (limit ${limits.maxSeconds} s)`;
  return undefined;
}

/**
 * Watches the lag of a process's projections from their stored offsets (measureLag): sets
 * mindflow_projection_lag_events and mindflow_projection_lag_seconds every `intervalMs`, and
 * gives one readiness check per projection that fails, naming the projection and its lag, when
 * it is more than `limits.maxEvents` events or `limits.maxSeconds` seconds behind (a projection
 * that is stuck is one whose oldest waiting event grows old). Each measure is bounded (a count
 * with a limit), and readiness reuses one taken within the last second.
 */
export function watchLag<DB extends EventStoreTables>(options: LagWatchOptions<DB>): LagWatch {
  const { metrics, logger } = options;
  const limits = options.limits ?? defaultLagLimits;
  // Readiness needs only to know whether the limit is passed; the metrics count further.
  const countUpTo = Math.max(defaultLagLimit, limits.maxEvents + 1);
  let latest: { at: number; lags: Promise<readonly ProjectionLag[]> } | undefined;
  // Until Kafka has answered once (asked in the background, never waited on), events are
  // counted past the furthest partition only.
  let partitions: number | undefined;
  let asking = false;
  const partitionCount = () => {
    if (partitions === undefined && options.partitions !== undefined && !asking) {
      asking = true;
      options
        .partitions()
        .then((count) => (partitions = count))
        .catch(() => undefined)
        .finally(() => (asking = false));
    }
    return partitions;
  };

  const current = () => {
    if (latest !== undefined && Date.now() - latest.at < 1_000) return latest.lags;
    const lags = measureLag(options.writeDb, options.projections, partitionCount(), countUpTo).then((measured) => {
      for (const lag of measured) {
        metrics.lagEvents.set({ projection: lag.name }, lag.behind);
        metrics.lagSeconds.set({ projection: lag.name }, lag.seconds);
      }
      return measured;
    });
    latest = { at: Date.now(), lags };
    // A failed measure is not reused.
    lags.catch(() => {
      if (latest?.lags === lags) latest = undefined;
    });
    return lags;
  };

  const refresh = () =>
    void current().catch((error: unknown) => logger.warn({ err: error }, 'projection lag: measure failed'));
  const timer = setInterval(refresh, options.intervalMs ?? 5_000);
  timer.unref();
  refresh();

  const readiness = options.projections.map((projection): HealthCheck => ({
    name: `projection:${projection.name}`,
    check: async () => {
      const lag = (await current()).find((candidate) => candidate.name === projection.name);
      if (lag === undefined) throw new Error('not measured');
      const over = overLimits(lag, limits);
      if (over !== undefined) throw new Error(over);
      return `${lag.behind}${lag.more ? '+' : ''} event(s) behind, the oldest waiting ${Math.round(lag.seconds)} s`;
    },
  }));

  return { current, readiness, stop: () => clearInterval(timer) };
}
