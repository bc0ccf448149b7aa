import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of every projection in a process, labelled by projection. */
export interface ProjectionMetrics {
  readonly applied: Counter<'projection'>;
  readonly errors: Counter<'projection'>;
  readonly deadLetters: Counter<'projection'>;
  /** Failures classified retriable (an engine away): waited out, never dead-lettered. */
  readonly retries: Counter<'projection'>;
  /** Events skipped because they come after their user's UserErased. */
  readonly erasedSkipped: Counter<'projection'>;
  readonly lagEvents: Gauge<'projection'>;
  readonly lagSeconds: Gauge<'projection'>;
  readonly lastProgress: Gauge<'projection'>;
}

/**
 * The metrics on `registry`, created once: every consumer in a process (the projector's
 * projections, the ai-worker's) shares them, each under its own label.
 */
export function createProjectionMetrics(registry: Registry): ProjectionMetrics {
  const existing = shared.get(registry);
  if (existing !== undefined) return existing;
  const metrics = newProjectionMetrics(registry);
  shared.set(registry, metrics);
  return metrics;
}

const shared = new WeakMap<Registry, ProjectionMetrics>();

function newProjectionMetrics(registry: Registry): ProjectionMetrics {
  const registers = [registry];
  return {
    applied: new Counter({
      name: 'mindflow_projection_events_total',
      help: 'events applied',
      labelNames: ['projection'],
      registers,
    }),
    errors: new Counter({
      name: 'mindflow_projection_errors_total',
      help: 'failed attempts to apply an event',
      labelNames: ['projection'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'mindflow_projection_dead_letters_total',
      help: 'events given up on and dead-lettered',
      labelNames: ['projection'],
      registers,
    }),
    retries: new Counter({
      name: 'mindflow_projection_retries_total',
      help: 'retriable infrastructure failures waited out (never dead-lettered)',
      labelNames: ['projection'],
      registers,
    }),
    erasedSkipped: new Counter({
      name: 'mindflow_projection_erased_skipped_total',
      help: "events skipped because they follow their user's UserErased",
      labelNames: ['projection'],
      registers,
    }),
    lagEvents: new Gauge({
      name: 'mindflow_projection_lag_events',
      help: 'events committed but not yet applied, from the stored offsets',
      labelNames: ['projection'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'mindflow_projection_lag_seconds',
      help: 'how long the oldest event not yet applied has waited in the event store',
      labelNames: ['projection'],
      registers,
    }),
    lastProgress: new Gauge({
      name: 'mindflow_projection_last_progress_timestamp_seconds',
      help: 'when the projection last applied an event',
      labelNames: ['projection'],
      registers,
    }),
  };
}
