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
  kafkaConfig,
  kafkaEnv,
  redisConfig,
  redisEnv,
  type Env,
} from '@mindflow/core/config';

const AiWorkerEnv = Type.Object({
  ...serverEnv(3004),
  ...loggingEnv,
  ...databaseEnv,
  ...dataDirEnv,
  ...kafkaEnv,
  ...redisEnv,
});

/** The ai-worker's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(AiWorkerEnv, env);
  return Object.freeze({
    server: serverConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    engines: {
      database: serverDatabaseConfig(vars),
      kafka: kafkaConfig(vars),
      redis: redisConfig(vars),
    },
  });
}

export type AiWorkerConfig = ReturnType<typeof loadConfig>;
