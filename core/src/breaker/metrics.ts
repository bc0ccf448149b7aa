import { Gauge, type Registry } from 'prom-client';
import type { Breaker, BreakerState } from './breaker.js';

const values: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** `mindflow_engine_breaker_state{engine}`: 0 closed, 1 half-open (one trial call), 2 open (calls fail fast). */
export function installBreakerMetrics(registry: Registry, breakers: readonly Breaker[]): void {
  new Gauge({
    name: 'mindflow_engine_breaker_state',
    help: "State of each engine client's circuit breaker: 0 closed, 1 half-open, 2 open (calls fail fast)",
    labelNames: ['engine'] as const,
    registers: [registry],
    // In a cluster, the worst of the workers' states.
    aggregator: 'max',
    collect() {
      for (const breaker of breakers) this.set({ engine: breaker.engine }, values[breaker.state()]);
    },
  });
}
