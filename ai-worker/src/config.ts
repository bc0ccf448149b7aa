import { Type } from '@sinclair/typebox';
import {
  aiEnv,
  aiSettings,
  kafkaConfig,
  kafkaEnv,
  projectionLagEnv,
  projectionLagLimits,
  redisConfig,
  redisEnv,
  readEnv,
  s3Config,
  s3Env,
  requireSecrets,
  securityConfig,
  securityEnv,
  serviceConfig,
  serviceEnv,
  type Env,
} from '@mindflow/core/config';

const AiWorkerEnv = Type.Object({
  ...serviceEnv(3004),
  ...securityEnv,
  ...kafkaEnv,
  ...redisEnv,
  ...s3Env,
  ...aiEnv,
  ...projectionLagEnv,
});

/** The ai-worker's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(AiWorkerEnv, env);
  const { database, mongo, audit, ...base } = serviceConfig(vars, stdoutIsTerminal);
  return Object.freeze({
    ...base,
    secrets: requireSecrets(securityConfig(vars)),
    ai: aiSettings(vars),
    readyLag: projectionLagLimits(vars),
    engines: { database, mongo, audit, kafka: kafkaConfig(vars), redis: redisConfig(vars), s3: s3Config(vars) },
  });
}

export type AiWorkerConfig = ReturnType<typeof loadConfig>;
