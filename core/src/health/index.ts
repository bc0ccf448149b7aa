/**
 * Something a process depends on, and a cheap way to see that it answers. When it does not,
 * the process is not ready (`not-ready`, the default: send it no traffic), or still serves with
 * less (`degraded`: /readyz stays 200 and names it in `degraded`).
 */
export interface HealthCheck {
  readonly name: string;
  readonly impact?: 'not-ready' | 'degraded';
  /** Throws when it does not answer; what it resolves to, if a string, is reported as the result's detail. */
  check(): Promise<unknown>;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
  /** What the check reported when it passed (e.g. a projection's lag). */
  readonly detail?: string;
}

export interface ReadinessReport {
  /** False when a `not-ready` check failed. */
  readonly ok: boolean;
  /** The `degraded` checks that failed: what the process serves without. */
  readonly degraded: readonly string[];
  readonly checks: readonly CheckResult[];
}

/** Runs every check at once, each bounded by `timeoutMs`; never throws. */
export async function checkReadiness(checks: readonly HealthCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  const failed = (impact: HealthCheck['impact']) =>
    checks
      .filter((check, i) => results[i]?.ok === false && (check.impact ?? 'not-ready') === impact)
      .map((check) => check.name);
  return { ok: failed('not-ready').length === 0, degraded: failed('degraded'), checks: results };
}

/** The same check with another impact. */
export function withImpact(check: HealthCheck, impact: NonNullable<HealthCheck['impact']>): HealthCheck {
  return { name: check.name, impact, check: () => check.check() };
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([check.check(), timeout]);
    return {
      name: check.name,
      ok: true,
      latencyMs: elapsed(started),
      ...(typeof detail === 'string' ? { detail } : {}),
    };
  } catch (error) {
    return {
      name: check.name,
      ok: false,
      latencyMs: elapsed(started),
      error: messageOf(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}
