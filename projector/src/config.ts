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
  kafkaConfig,
  kafkaEnv,
  mongoConfig,
  mongoEnv,
  redisConfig,
  redisEnv,
  type Env,
} from '@mindflow/core/config';

const ProjectorEnv = Type.Object({
  ...serverEnv(3003),
  ...loggingEnv,
  ...databaseEnv,
  ...dataDirEnv,
  ...kafkaEnv,
  ...elasticsearchEnv,
  ...mongoEnv,
  ...redisEnv,
});

/** The projector's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(ProjectorEnv, env);
  return Object.freeze({
    server: serverConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    engines: {
      database: serverDatabaseConfig(vars),
      kafka: kafkaConfig(vars),
      elasticsearch: elasticsearchConfig(vars),
      mongo: mongoConfig(vars),
      redis: redisConfig(vars),
    },
  });
}

export type ProjectorConfig = ReturnType<typeof loadConfig>;
