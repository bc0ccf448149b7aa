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
  elasticsearchConfig,
  elasticsearchEnv,
  mongoConfig,
  mongoEnv,
  redisConfig,
  redisEnv,
  type Env,
} from '@mindflow/core/config';

const QueryServiceEnv = Type.Object({
  ...serverEnv(3002),
  ...loggingEnv,
  ...databaseEnv,
  ...dataDirEnv,
  ...redisEnv,
  ...elasticsearchEnv,
  ...mongoEnv,
});

/** The query-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(QueryServiceEnv, env);
  return Object.freeze({
    server: serverConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    engines: {
      database: serverDatabaseConfig(vars),
      redis: redisConfig(vars),
      elasticsearch: elasticsearchConfig(vars),
      mongo: mongoConfig(vars),
    },
  });
}

export type QueryServiceConfig = ReturnType<typeof loadConfig>;
