import { Type } from '@sinclair/typebox';
import {
  redisConfig,
  redisEnv,
  s3Config,
  s3Env,
  readEnv,
  securityConfig,
  securityEnv,
  ConfigError,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const CommandServiceEnv = Type.Object({ ...serviceEnv(3001), ...securityEnv, ...redisEnv, ...s3Env });

/** The command-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(CommandServiceEnv, env);
  const { database, ...base } = serviceConfig(vars, stdoutIsTerminal);
  const security = securityConfig(vars);
  if (security.secrets === undefined) {
    throw new ConfigError(
      'MINDFLOW_MASTER_KEY',
      'MINDFLOW_MASTER_KEY and MINDFLOW_JWT_SECRET are required when a service runs alone',
    );
  }
  return Object.freeze({
    security,
    secrets: security.secrets,
    ...base,
    engines: { database, redis: redisConfig(vars), s3: s3Config(vars) },
  });
}

export type CommandServiceConfig = ReturnType<typeof loadConfig>;
