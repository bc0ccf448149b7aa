import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  kafkaConfig,
  kafkaEnv,
  redisConfig,
  redisEnv,
  readEnv,
  securityConfig,
  securityEnv,
  requireSecrets,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const ProjectorEnv = Type.Object({
  ...serviceEnv(3003),
  ...securityEnv,
  ...kafkaEnv,
  ...elasticsearchEnv,
  ...redisEnv,
});

/** The projector's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(ProjectorEnv, env);
  const { database, mongo, audit, ...base } = serviceConfig(vars, stdoutIsTerminal);
  const secrets = requireSecrets(securityConfig(vars));
  return Object.freeze({
    secrets,
    ...base,
    engines: {
      database,
      kafka: kafkaConfig(vars),
      elasticsearch: elasticsearchConfig(vars),
      mongo,
      audit,
      redis: redisConfig(vars),
    },
  });
}

export type ProjectorConfig = ReturnType<typeof loadConfig>;
