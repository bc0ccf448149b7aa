import { Type } from '@sinclair/typebox';
import {
  kafkaConfig,
  kafkaEnv,
  redisConfig,
  redisEnv,
  readEnv,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const AiWorkerEnv = Type.Object({ ...serviceEnv(3004), ...kafkaEnv, ...redisEnv });

/** The ai-worker's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(AiWorkerEnv, env);
  const { database, ...base } = serviceConfig(vars, stdoutIsTerminal);
  return Object.freeze({ ...base, engines: { database, kafka: kafkaConfig(vars), redis: redisConfig(vars) } });
}

export type AiWorkerConfig = ReturnType<typeof loadConfig>;
