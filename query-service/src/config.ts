import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  readEnv,
  readsConfig,
  readsEnv,
  redisConfig,
  redisEnv,
  s3Config,
  s3Env,
  serviceConfig,
  serviceEnv,
  tokenCheckEnv,
  workersConfig,
  workersEnv,
  type Env,
} from '@mindflow/core/config';

const QueryServiceEnv = Type.Object({
  ...serviceEnv(3002),
  ...workersEnv,
  ...tokenCheckEnv,
  ...readsEnv,
  ...redisEnv,
  ...elasticsearchEnv,
  ...s3Env,
});

/** The query-service's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(QueryServiceEnv, env);
  const { database, mongo, audit, ...base } = serviceConfig(vars, stdoutIsTerminal);
  return Object.freeze({
    ...base,
    /** HTTP processes sharing the port (MINDFLOW_WORKERS, else one per core). */
    workers: workersConfig(vars),
    jwtSecret: vars.MINDFLOW_JWT_SECRET,
    reads: readsConfig(vars),
    engines: {
      database,
      redis: redisConfig(vars),
      elasticsearch: elasticsearchConfig(vars),
      mongo,
      audit,
      s3: s3Config(vars),
    },
  });
}

export type QueryServiceConfig = ReturnType<typeof loadConfig>;
