import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  mongoConfig,
  mongoEnv,
  redisConfig,
  redisEnv,
  readEnv,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const QueryServiceEnv = Type.Object({ ...serviceEnv(3002), ...redisEnv, ...elasticsearchEnv, ...mongoEnv });

/** The query-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(QueryServiceEnv, env);
  const { database, ...base } = serviceConfig(vars, stdoutIsTerminal);
  return Object.freeze({
    ...base,
    engines: { database, redis: redisConfig(vars), elasticsearch: elasticsearchConfig(vars), mongo: mongoConfig(vars) },
  });
}

export type QueryServiceConfig = ReturnType<typeof loadConfig>;
