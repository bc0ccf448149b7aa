import { Type } from '@sinclair/typebox';
import {
  aiEnv,
  aiSettings,
  enginesConfig,
  enginesEnv,
  loggingConfig,
  loggingEnv,
  mailConfig,
  mailEnv,
  projectionLagEnv,
  projectionLagLimits,
  readEnv,
  readsConfig,
  readsEnv,
  securityConfig,
  securityEnv,
  serverConfig,
  serverEnv,
  workersConfig,
  workersEnv,
  type Env,
} from '@mindflow/core/config';

const PlatformEnv = Type.Object({
  ...serverEnv(3000),
  ...workersEnv,
  ...loggingEnv,
  ...enginesEnv,
  ...securityEnv,
  ...readsEnv,
  ...aiEnv,
  ...projectionLagEnv,
  ...mailEnv,
});

/**
 * The whole platform's configuration, for `mindflow start` and the other commands. Every
 * engine is optional: without WRITE_DATABASE_URL, PostgreSQL is embedded in MINDFLOW_DATA_DIR.
 */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(PlatformEnv, env);
  return Object.freeze({
    server: serverConfig(vars),
    /** HTTP processes of `mindflow start` (MINDFLOW_WORKERS, else one per core). */
    workers: workersConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    engines: enginesConfig(vars),
    mail: mailConfig(vars),
    security: securityConfig(vars),
    reads: readsConfig(vars),
    ai: aiSettings(vars),
    readyLag: projectionLagLimits(vars),
  });
}

export type PlatformConfig = ReturnType<typeof loadConfig>;
