import { Type } from '@sinclair/typebox';
import {
  elasticsearchConfig,
  elasticsearchEnv,
  kafkaConfig,
  kafkaEnv,
  mailConfig,
  mailEnv,
  projectorEnv,
  projectionLagEnv,
  projectionLagLimits,
  ConfigError,
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
  ...projectorEnv,
  ...projectionLagEnv,
  ...elasticsearchEnv,
  ...redisEnv,
  ...mailEnv,
});

/** The projector's configuration, from the environment; throws a ConfigError naming a bad variable. */
export function loadConfig(env: Env = process.env, stdoutIsTerminal = process.stdout.isTTY) {
  const vars = readEnv(ProjectorEnv, env);
  const { database, mongo, audit, ...base } = serviceConfig(vars, stdoutIsTerminal);
  const secrets = requireSecrets(securityConfig(vars));
  const kafka = kafkaConfig(vars);
  if (vars.PROJECTOR_ROLE !== 'all' && kafka === undefined) {
    throw new ConfigError(
      'PROJECTOR_ROLE',
      `Environment variable PROJECTOR_ROLE=${vars.PROJECTOR_ROLE} needs KAFKA_BROKERS (without Kafka there is no relay)`,
    );
  }
  return Object.freeze({
    secrets,
    role: vars.PROJECTOR_ROLE,
    readyLag: projectionLagLimits(vars),
    mail: mailConfig(vars),
    ...base,
    engines: {
      database,
      kafka,
      elasticsearch: elasticsearchConfig(vars),
      mongo,
      audit,
      redis: redisConfig(vars),
    },
  });
}

export type ProjectorConfig = ReturnType<typeof loadConfig>;
