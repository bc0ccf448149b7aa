/** Something a process depends on, and a cheap way to see that it answers. */
export interface HealthCheck {
  readonly name: string;
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
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

/** Runs every check at once, each bounded by `timeoutMs`; never throws. */
export async function checkReadiness(checks: readonly HealthCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  return { ok: results.every((result) => result.ok), checks: results };
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
