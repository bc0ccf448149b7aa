import type { HealthCheck } from '../health/index.js';
import type { HostedProjection } from './host.js';

/**
 * Not ready when a projection has events to apply and has made no progress for `stallSeconds`:
 * a stuck projection is reported, not silently left behind.
 */
export function stalledCheck(
  projection: Pick<HostedProjection, 'name' | 'lastPosition' | 'lastProgressAt'>,
  head: () => Promise<number>,
  stallSeconds: number,
): HealthCheck {
  return {
    name: `projection:${projection.name}`,
    check: async () => {
      const behind = (await head()) - projection.lastPosition();
      const idleSeconds = (Date.now() - projection.lastProgressAt()) / 1000;
      if (behind > 0 && idleSeconds > stallSeconds) {
        throw new Error(`stalled: ${behind} event(s) behind, no progress for ${Math.round(idleSeconds)} s`);
      }
    },
  };
}
