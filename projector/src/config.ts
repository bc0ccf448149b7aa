import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  kafkaConfig,
  kafkaEnv,
  mongoConfig,
  mongoEnv,
  redisConfig,
  redisEnv,
  readEnv,
  securityConfig,
  securityEnv,
  ConfigError,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const ProjectorEnv = Type.Object({
  ...serviceEnv(3003),
  ...securityEnv,
  ...kafkaEnv,
  ...elasticsearchEnv,
  ...mongoEnv,
  ...redisEnv,
});

/** The projector's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(ProjectorEnv, env);
  const { database, ...base } = serviceConfig(vars, stdoutIsTerminal);
  const { secrets } = securityConfig(vars);
  if (secrets === undefined) {
    throw new ConfigError(
      'MINDFLOW_MASTER_KEY',
      'MINDFLOW_MASTER_KEY and MINDFLOW_JWT_SECRET are required when a service runs alone',
    );
  }
  return Object.freeze({
    secrets,
    ...base,
    engines: {
      database,
      kafka: kafkaConfig(vars),
      elasticsearch: elasticsearchConfig(vars),
      mongo: mongoConfig(vars),
      redis: redisConfig(vars),
    },
  });
}

export type ProjectorConfig = ReturnType<typeof loadConfig>;
