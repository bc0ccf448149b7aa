export {
  createBreaker,
  EngineUnavailableError,
  type Breaker,
  type BreakerOptions,
  type BreakerState,
} from './breaker.js';
export { installBreakerMetrics } from './metrics.js';
