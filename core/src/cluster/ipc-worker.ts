// A cluster worker for ipc.unit.spec.ts: asks its primary twice on `ipc-test` (one answer
// fails, the other not) and reports what each request gave.
import { requestPrimary } from './ipc.js';

const outcomes: unknown[] = [];
for (const body of ['fail', 'answer']) {
  try {
    outcomes.push(await requestPrimary('ipc-test', body, 5_000));
  } catch (error) {
    outcomes.push(`failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.send?.({ channel: 'ipc-test-done', outcomes }, () => process.exit(0));
