import { ConfigError } from '../config/index.js';

/**
 * Runs a program's entry point: a configuration error prints its one-line message and exits
 * with status 2; any other failure prints the error and exits with 1.
 */
export function runMain(program: () => Promise<unknown>): void {
  // through a promise, so that an error thrown before the program's first await is caught too
  Promise.resolve()
    .then(program)
    .catch((error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
