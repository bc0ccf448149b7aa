import { createLogger } from '@mindflow/core/logging';
import { runClustered } from '@mindflow/core/cluster';
import { runMain } from '@mindflow/core/program';
import { loadConfig } from './config.js';

// Runs the command-service alone, against the configured engines, in MINDFLOW_WORKERS processes.
// The service's code loads in the process that serves: a cluster's primary serves nothing, and
// starts its first worker sooner without it.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.logging, 'command-service');
  await runClustered({ workers: config.workers, logger }, async () =>
    (await import('./serve.js')).serveCommands(config),
  );
});
