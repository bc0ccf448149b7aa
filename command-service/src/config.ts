import { Type } from '@sinclair/typebox';
import {
  databaseEnv,
  dataDirEnv,
  loggingConfig,
  loggingEnv,
  readEnv,
  serverConfig,
  serverDatabaseConfig,
  serverEnv,
  redisConfig,
  redisEnv,
  s3Config,
  s3Env,
  type Env,
} from '@mindflow/core/config';

const CommandServiceEnv = Type.Object({
  ...serverEnv(3001),
  ...loggingEnv,
  ...databaseEnv,
  ...dataDirEnv,
  ...redisEnv,
  ...s3Env,
});

/** The command-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(CommandServiceEnv, env);
  return Object.freeze({
    server: serverConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    engines: {
      database: serverDatabaseConfig(vars),
      redis: redisConfig(vars),
      s3: s3Config(vars),
    },
  });
}

export type CommandServiceConfig = ReturnType<typeof loadConfig>;
