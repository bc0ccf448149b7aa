import { Type } from '@sinclair/typebox';
import {
  redisConfig,
  redisEnv,
  s3Config,
  s3Env,
  rateLimitConfig,
  rateLimitEnv,
  readEnv,
  securityConfig,
  securityEnv,
  requireSecrets,
  serviceConfig,
  serviceEnv,
  workersConfig,
  workersEnv,
  type Env,
} from '@mindflow/core/config';

const CommandServiceEnv = Type.Object({
  ...serviceEnv(3001),
  ...workersEnv,
  ...securityEnv,
  ...redisEnv,
  ...s3Env,
  ...rateLimitEnv,
});

/** The command-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(CommandServiceEnv, env);
  const { database, mongo, audit, ...base } = serviceConfig(vars, stdoutIsTerminal);
  const security = securityConfig(vars);
  return Object.freeze({
    security,
    rateLimits: rateLimitConfig(vars),
    secrets: requireSecrets(security),
    ...base,
    /** HTTP processes sharing the port (MINDFLOW_WORKERS, else one per core). */
    workers: workersConfig(vars),
    engines: { database, mongo, audit, redis: redisConfig(vars), s3: s3Config(vars) },
  });
}

export type CommandServiceConfig = ReturnType<typeof loadConfig>;
