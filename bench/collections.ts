// What V8's collector and the event loop did in a bench's server: on SIGINT, one line on stderr
// with the count and time of the young-generation scavenges and of the full mark-sweeps (which
// stop everything: the tail of the latencies), and the event loop's delay.
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export function reportCollections(label: string): void {
  const pauses = { scavenge: [] as number[], markSweep: [] as number[] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = entry.detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.scavenge.push(entry.duration);
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) pauses.markSweep.push(entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const summary = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const total = sorted.reduce((sum, time) => sum + time, 0);
    return `${String(sorted.length)} (${total.toFixed(0)} ms, longest ${(sorted.at(-1) ?? 0).toFixed(1)} ms)`;
  };
  process.once('SIGINT', () => {
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    process.stderr.write(
      `${label}: scavenges ${summary(pauses.scavenge)}, mark-sweeps ${summary(pauses.markSweep)}; event loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms\n`,
    );
  });
}
