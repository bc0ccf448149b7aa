import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of the relay. */
export interface RelayMetrics {
  readonly published: Counter;
  readonly oversized: Counter;
  readonly failures: Counter;
  readonly leader: Gauge;
}

const shared = new WeakMap<Registry, RelayMetrics>();

/** The relay's metrics on `registry`, created once per registry. */
export function createRelayMetrics(registry: Registry): RelayMetrics {
  const existing = shared.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: RelayMetrics = {
    published: new Counter({ name: 'mindflow_relay_published_events_total', help: 'events published', registers }),
    oversized: new Counter({
      name: 'mindflow_relay_oversized_events_total',
      help: 'events too large for the topic, published as references to the event store',
      registers,
    }),
    failures: new Counter({ name: 'mindflow_relay_failures_total', help: 'failed publish attempts', registers }),
    leader: new Gauge({ name: 'mindflow_relay_leader', help: '1 while this relay holds the leader lock', registers }),
  };
  shared.set(registry, metrics);
  return metrics;
}
