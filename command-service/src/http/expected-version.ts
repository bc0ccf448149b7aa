import { AppError } from '@mindflow/core/errors';

/** PRECONDITION_FAILED, naming the current version (and as ETag), when If-Match named another. */
export function checkExpectedVersion(what: string, expected: number | undefined, current: number): void {
  if (expected === undefined || expected === current) return;
  throw new AppError('PRECONDITION_FAILED', `the ${what} is at version ${String(current)}, not ${String(expected)}`, {
    details: [{ currentVersion: current }],
    headers: { etag: `"${String(current)}"` },
  });
}
