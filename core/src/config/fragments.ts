import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { LoggingConfig } from '../logging/index.js';
import { ConfigError } from './read-env.js';

/** The parsed variables of a group of schema properties. */
export type EnvOf<P extends TProperties> = Static<TObject<P>>;

const postgresUrl = (description: string) => Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description }));

// ── HTTP and logging ─────────────────────────────────────────────────────────────────────

/** PORT and HOST; each service has its own default port so that they can run side by side. */
export const serverEnv = (defaultPort: number) => ({
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: defaultPort,
    description: `HTTP port (default ${defaultPort})`,
  }),
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'interface to listen on; 0.0.0.0 in containers',
  }),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description: '/metrics answers only with `Authorization: Bearer <this>`; unset, only requests from loopback',
    }),
  ),
});

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** What a Prometheus scrape must send as its bearer token; unset, only loopback may scrape. */
  readonly metricsToken?: string;
}

export function serverConfig(env: EnvOf<ReturnType<typeof serverEnv>>): ServerConfig {
  return {
    port: env.PORT,
    host: env.HOST,
    ...(env.METRICS_TOKEN === undefined ? {} : { metricsToken: env.METRICS_TOKEN }),
  };
}

/** How many processes serve HTTP on the port (the command and query routes; npm start: the platform). */
export const workersEnv = {
  MINDFLOW_WORKERS: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 64,
      description:
        'HTTP processes sharing the port (node:cluster); default: the number of cores, at most 8. Each opens up to 3 × DATABASE_POOL_SIZE connections. Projections, the relay and the ai-worker run in one of them only',
    }),
  ),
};

/** One HTTP process per core by default, at most 8 (each holds its own database pools). */
export const workersConfig = (env: EnvOf<typeof workersEnv>): number =>
  env.MINDFLOW_WORKERS ?? Math.min(availableParallelism(), 8);

export const loggingEnv = {
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    {
      default: 'info',
      description: 'fatal | error | warn | info | debug | trace | silent',
    },
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto',
    description: 'json | pretty | auto (pretty in a terminal, JSON otherwise)',
  }),
};

export function loggingConfig(env: EnvOf<typeof loggingEnv>, stdoutIsTerminal: boolean): LoggingConfig {
  return {
    level: env.LOG_LEVEL as LoggingConfig['level'],
    pretty: env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === 'auto' && stdoutIsTerminal),
  };
}

// ── PostgreSQL ───────────────────────────────────────────────────────────────────────────

export const databaseEnv = {
  WRITE_DATABASE_URL: postgresUrl('write database (event store); unset: embedded PostgreSQL'),
  READ_DATABASE_URL: postgresUrl('read-model database; default: WRITE_DATABASE_URL with database mindflow_read'),
  ANALYTICS_DATABASE_URL: postgresUrl(
    'analytics database; default: WRITE_DATABASE_URL with database mindflow_analytics',
  ),
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: 'connections per database',
  }),
  ANALYTICS_DATABASE_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 2_000,
    description:
      'ms to get a connection to the analytics database before the call fails (503) and counts against its circuit breaker',
  }),
};

export const dataDirEnv = {
  MINDFLOW_DATA_DIR: Type.String({
    minLength: 1,
    default: './.mindflow',
    description: 'embedded data (PostgreSQL, files)',
  }),
};

export type DatabaseName = 'write' | 'read' | 'analytics';
export type DatabaseUrls = Readonly<Record<DatabaseName, string>>;

/** Either the three databases of a PostgreSQL server, or an embedded PostgreSQL in dataDir. */
export type DatabaseConfig =
  | {
      readonly kind: 'server';
      readonly urls: DatabaseUrls;
      readonly poolSize: number;
      readonly analyticsTimeoutMs?: number;
    }
  | {
      readonly kind: 'embedded';
      readonly dataDir: string;
      readonly poolSize: number;
      readonly analyticsTimeoutMs?: number;
    };

export function databaseConfig(env: EnvOf<typeof databaseEnv> & EnvOf<typeof dataDirEnv>): DatabaseConfig {
  const write = env.WRITE_DATABASE_URL;
  if (write === undefined) {
    for (const name of ['READ_DATABASE_URL', 'ANALYTICS_DATABASE_URL'] as const) {
      if (env[name] !== undefined) throw new ConfigError(name, `${name} is set but WRITE_DATABASE_URL is not`);
    }
    return {
      kind: 'embedded',
      dataDir: env.MINDFLOW_DATA_DIR,
      poolSize: env.DATABASE_POOL_SIZE,
      analyticsTimeoutMs: env.ANALYTICS_DATABASE_TIMEOUT_MS,
    };
  }
  return {
    kind: 'server',
    poolSize: env.DATABASE_POOL_SIZE,
    analyticsTimeoutMs: env.ANALYTICS_DATABASE_TIMEOUT_MS,
    urls: {
      write,
      read: env.READ_DATABASE_URL ?? withDatabase(write, 'mindflow_read'),
      analytics: env.ANALYTICS_DATABASE_URL ?? withDatabase(write, 'mindflow_analytics'),
    },
  };
}

/** For services that run alone: they share their databases with others, so embedded is no option. */
export function serverDatabaseConfig(env: EnvOf<typeof databaseEnv> & EnvOf<typeof dataDirEnv>) {
  const config = databaseConfig(env);
  if (config.kind !== 'server') {
    throw new ConfigError(
      'WRITE_DATABASE_URL',
      'Environment variable WRITE_DATABASE_URL is required when a service runs alone (npm start runs everything embedded)',
    );
  }
  return config;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

// ── Other engines: each optional; unset means the embedded adapter ──────────────────────

export const kafkaEnv = {
  KAFKA_BROKERS: Type.Optional(
    Type.String({
      pattern: '^[^,\\s]+(,[^,\\s]+)*$',
      description: 'host:port[,host:port…]; unset: the event store is the bus',
    }),
  ),
  KAFKA_CLIENT_ID: Type.String({
    minLength: 1,
    default: 'mindflow',
    description: 'Kafka client id prefix',
  }),
  KAFKA_EVENTS_TOPIC: Type.String({
    minLength: 1,
    default: 'mindflow.events',
    description: 'the topic events are published to',
  }),
  KAFKA_GROUP_PREFIX: Type.String({
    default: 'mindflow.',
    description: 'consumer groups are named <prefix><projection>',
  }),
  KAFKA_EVENTS_PARTITIONS: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 6,
    description: 'partitions of the events topic when it is created',
  }),
  KAFKA_REPLICATION_FACTOR: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 1,
    description: 'replicas of the events topic when it is created (production: 3)',
  }),
  KAFKA_MIN_INSYNC_REPLICAS: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 1,
    description: 'min.insync.replicas of the events topic when it is created (production: 2)',
  }),
  KAFKA_SESSION_TIMEOUT_MS: Type.Integer({
    minimum: 1_000,
    maximum: 1_800_000,
    default: 10_000,
    description:
      "how long a consumer may go without a heartbeat before Kafka drops it from its group (within the broker's group.min/max.session.timeout.ms: 6 s to 30 min by default)",
  }),
  KAFKA_HEARTBEAT_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 3_000,
    description:
      'how often a consumer heartbeats, also while a batch is being handled (at most a third of the session timeout)',
  }),
  KAFKA_REBALANCE_TIMEOUT_MS: Type.Integer({
    minimum: 1_000,
    maximum: 1_800_000,
    default: 30_000,
    description: 'how long a rebalance waits for every member to rejoin (at least the session timeout)',
  }),
};

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topic: string;
  readonly groupPrefix: string;
  /** How the events topic is created when absent (it never deletes: retention.ms=-1). */
  readonly topicSettings: EventsTopicSettings;
  /** How every consumer group member keeps its place in its group. */
  readonly consumerTimeouts: ConsumerTimeouts;
}

/**
 * A consumer's group membership timings, in milliseconds. A member killed without leaving its
 * group holds its partitions until `sessionTimeoutMs` passes (a restarted process's new member
 * waits that long for them); a live member heartbeats every `heartbeatIntervalMs`, also while it
 * handles a batch; a rebalance waits up to `rebalanceTimeoutMs` for every live member to rejoin.
 */
export interface ConsumerTimeouts {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
}

/** Partitions, replication factor and min.insync.replicas of the events topic. */
export interface EventsTopicSettings {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

export function kafkaConfig(env: EnvOf<typeof kafkaEnv>): KafkaConfig | undefined {
  if (env.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > env.KAFKA_SESSION_TIMEOUT_MS) {
    throw new ConfigError(
      'KAFKA_HEARTBEAT_INTERVAL_MS',
      `KAFKA_HEARTBEAT_INTERVAL_MS (${env.KAFKA_HEARTBEAT_INTERVAL_MS}) must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${env.KAFKA_SESSION_TIMEOUT_MS}), so that one lost heartbeat does not drop a consumer from its group`,
    );
  }
  if (env.KAFKA_REBALANCE_TIMEOUT_MS < env.KAFKA_SESSION_TIMEOUT_MS) {
    throw new ConfigError(
      'KAFKA_REBALANCE_TIMEOUT_MS',
      `KAFKA_REBALANCE_TIMEOUT_MS (${env.KAFKA_REBALANCE_TIMEOUT_MS}) must be at least KAFKA_SESSION_TIMEOUT_MS (${env.KAFKA_SESSION_TIMEOUT_MS})`,
    );
  }
  return env.KAFKA_BROKERS === undefined
    ? undefined
    : {
        brokers: env.KAFKA_BROKERS.split(','),
        clientId: env.KAFKA_CLIENT_ID,
        topic: env.KAFKA_EVENTS_TOPIC,
        groupPrefix: env.KAFKA_GROUP_PREFIX,
        topicSettings: {
          partitions: env.KAFKA_EVENTS_PARTITIONS,
          replicationFactor: env.KAFKA_REPLICATION_FACTOR,
          minInsyncReplicas: env.KAFKA_MIN_INSYNC_REPLICAS,
        },
        consumerTimeouts: {
          sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
          rebalanceTimeoutMs: env.KAFKA_REBALANCE_TIMEOUT_MS,
        },
      };
}

export const elasticsearchEnv = {
  ELASTICSEARCH_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'Elasticsearch URL; unset: PostgreSQL full-text search',
    }),
  ),
  ELASTICSEARCH_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 800,
    description: 'ms a search may take before it fails (503) and counts against the circuit breaker',
  }),
};

export interface ElasticsearchConfig {
  readonly url: string;
  /** How long a request-serving call (search, the health check) may take; see core/src/breaker. */
  readonly timeoutMs: number;
}

export function elasticsearchConfig(env: EnvOf<typeof elasticsearchEnv>): ElasticsearchConfig | undefined {
  return env.ELASTICSEARCH_URL === undefined
    ? undefined
    : { url: env.ELASTICSEARCH_URL, timeoutMs: env.ELASTICSEARCH_TIMEOUT_MS };
}

export const mongoEnv = {
  MONGODB_URL: Type.Optional(
    Type.String({
      pattern: '^mongodb(\\+srv)?://',
      description: 'MongoDB URL for audit logs; unset: a PostgreSQL table',
    }),
  ),
  MONGODB_DATABASE: Type.String({
    minLength: 1,
    default: 'mindflow_logs',
    description: 'MongoDB database',
  }),
  MONGODB_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 2000,
    description: 'ms a compliance read may take before it fails (503) and counts against the circuit breaker',
  }),
};

export interface MongoConfig {
  readonly url: string;
  readonly database: string;
  /** How long a request-serving call (compliance reads, the health check) may take; see core/src/breaker. */
  readonly timeoutMs: number;
}

export function mongoConfig(env: EnvOf<typeof mongoEnv>): MongoConfig | undefined {
  return env.MONGODB_URL === undefined
    ? undefined
    : { url: env.MONGODB_URL, database: env.MONGODB_DATABASE, timeoutMs: env.MONGODB_TIMEOUT_MS };
}

export const auditEnv = {
  AUDIT_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 7 * 365 + 2,
    description: 'how long audit records are kept (default seven years)',
  }),
  APPLICATION_LOG_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'how long shipped application logs are kept',
  }),
  API_REQUEST_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 90,
    description: 'how long the API request log is kept',
  }),
  AUDIT_SWEEP_SECONDS: Type.Integer({
    minimum: 1,
    default: 3600,
    description: 'how often expired logs are removed where the store has no TTL index',
  }),
};

export interface AuditSettings {
  /** Seconds each kind of record is kept. */
  readonly retention: { readonly auditLogs: number; readonly applicationLogs: number; readonly apiRequests: number };
  readonly sweepSeconds: number;
}

export function auditSettings(env: EnvOf<typeof auditEnv>): AuditSettings {
  const day = 86_400;
  return {
    retention: {
      auditLogs: env.AUDIT_RETENTION_DAYS * day,
      applicationLogs: env.APPLICATION_LOG_RETENTION_DAYS * day,
      apiRequests: env.API_REQUEST_RETENTION_DAYS * day,
    },
    sweepSeconds: env.AUDIT_SWEEP_SECONDS,
  };
}

export const redisEnv = {
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'Redis URL for cache, sessions, rate limits; unset: in-process',
    }),
  ),
  REDIS_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 250,
    description: 'ms a Redis command may take before the cache is skipped or counters fall back in-process',
  }),
};

export interface RedisConfig {
  readonly url: string;
  /** How long a command may take; see core/src/breaker and docs/security.md. */
  readonly timeoutMs: number;
}

export function redisConfig(env: EnvOf<typeof redisEnv>): RedisConfig | undefined {
  return env.REDIS_URL === undefined ? undefined : { url: env.REDIS_URL, timeoutMs: env.REDIS_TIMEOUT_MS };
}

// ── Email ──────────────────────────────────────────────────────────────────────────────

export const mailEnv = {
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description:
        'SMTP server for email (smtp://user:pass@host:587, smtps://… for TLS from the start); unset: each message is written as an .eml file under MINDFLOW_DATA_DIR/outbox/',
    }),
  ),
  MAIL_FROM: Type.String({
    minLength: 3,
    default: 'MindFlow <no-reply@mindflow.invalid>',
    description: 'the From of every email',
  }),
  SMTP_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 300_000,
    default: 10_000,
    description: 'ms the SMTP server may take to accept a connection, greet, or answer a command',
  }),
  MAIL_LINK_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^/]+$',
      description:
        'the web app as writers reach it, for the links in emails (unsubscribe, settings); default: this process own address',
    }),
  ),
  REMINDER_CHECK_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 60,
    description:
      'how often the projector raises the reminders to write that are due; 0: never (use `mindflow notifications run-due`)',
  }),
};

/** Where email goes: an SMTP server, or an outbox folder of .eml files (never dropped). */
export interface MailConfig {
  readonly transport:
    { readonly kind: 'smtp'; readonly url: string } | { readonly kind: 'outbox'; readonly dir: string };
  readonly from: string;
  readonly timeoutMs: number;
  /** The web app's address in emails' links; undefined: the process's own. */
  readonly linkBaseUrl: string | undefined;
  /** How often due reminders are raised; 0: never. */
  readonly reminderCheckSeconds: number;
}

export function mailConfig(env: EnvOf<typeof mailEnv> & EnvOf<typeof dataDirEnv>): MailConfig {
  return {
    transport:
      env.SMTP_URL === undefined
        ? { kind: 'outbox', dir: path.join(env.MINDFLOW_DATA_DIR, 'outbox') }
        : { kind: 'smtp', url: env.SMTP_URL },
    from: env.MAIL_FROM,
    timeoutMs: env.SMTP_TIMEOUT_MS,
    linkBaseUrl: env.MAIL_LINK_BASE_URL,
    reminderCheckSeconds: env.REMINDER_CHECK_SECONDS,
  };
}

// ── The projector ──────────────────────────────────────────────────────────────────────────

/**
 * What a projector process runs with Kafka: the relay and the projections (`all`), or one of
 * them, so that each can be scaled, stopped or restarted on its own.
 */
export const projectorEnv = {
  PROJECTOR_ROLE: Type.Union([Type.Literal('all'), Type.Literal('relay'), Type.Literal('projections')], {
    default: 'all',
    description: 'all | relay | projections: what a projector process runs (relay or projections alone need Kafka)',
  }),
};

export type ProjectorRole = EnvOf<typeof projectorEnv>['PROJECTOR_ROLE'];

/**
 * When a process hosting projections (the projector, the ai-worker, the platform) stops being
 * ready: a projection more events or seconds behind the event store head than these, measured
 * from its stored offsets.
 */
export const projectionLagEnv = {
  PROJECTION_READY_MAX_LAG_EVENTS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'a projection more events behind the event store head than this is not ready',
  }),
  PROJECTION_READY_MAX_LAG_SECONDS: Type.Number({
    exclusiveMinimum: 0,
    default: 30,
    description: 'a projection whose oldest event not applied has waited longer (s) is not ready',
  }),
};

export interface ProjectionLagLimits {
  readonly maxEvents: number;
  readonly maxSeconds: number;
}

export function projectionLagLimits(env: EnvOf<typeof projectionLagEnv>): ProjectionLagLimits {
  return { maxEvents: env.PROJECTION_READY_MAX_LAG_EVENTS, maxSeconds: env.PROJECTION_READY_MAX_LAG_SECONDS };
}

// ── The ai-worker ──────────────────────────────────────────────────────────────────────────

export const aiEnv = {
  AI_INSIGHT_INTERVAL_SECONDS: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'how often the ai-worker looks for insights that are due',
  }),
  AI_PROVIDER_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'base URL of an OpenAI-compatible API (…/v1) for insight summaries; unset: written locally',
    }),
  ),
  AI_PROVIDER_MODEL: Type.String({ minLength: 1, default: 'gpt-4o-mini', description: 'the model asked' }),
  AI_PROVIDER_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'its API key (a bearer token)' })),
  AI_PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000, description: 'per attempt' }),
  AI_PROVIDER_RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 2, description: 'extra attempts' }),
};

export interface AiSettings {
  readonly insightIntervalSeconds: number;
  /** The remote writer; undefined: the local one. */
  readonly provider:
    | {
        readonly url: string;
        readonly model: string;
        readonly apiKey: string | undefined;
        readonly timeoutMs: number;
        readonly retries: number;
      }
    | undefined;
}

export function aiSettings(env: EnvOf<typeof aiEnv>): AiSettings {
  return {
    insightIntervalSeconds: env.AI_INSIGHT_INTERVAL_SECONDS,
    provider:
      env.AI_PROVIDER_URL === undefined
        ? undefined
        : {
            url: env.AI_PROVIDER_URL,
            model: env.AI_PROVIDER_MODEL,
            apiKey: env.AI_PROVIDER_API_KEY,
            timeoutMs: env.AI_PROVIDER_TIMEOUT_MS,
            retries: env.AI_PROVIDER_RETRIES,
          },
  };
}

export const s3Env = {
  S3_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'S3-compatible endpoint; unset: files under MINDFLOW_DATA_DIR',
    }),
  ),
  S3_REGION: Type.String({
    minLength: 1,
    default: 'us-east-1',
    description: 'S3 region',
  }),
  S3_BUCKET: Type.String({
    minLength: 3,
    default: 'mindflow-attachments',
    description: 'bucket for attachments',
  }),
  S3_ACCESS_KEY_ID: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'S3 access key (required with S3_ENDPOINT)',
    }),
  ),
  S3_SECRET_ACCESS_KEY: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'S3 secret key (required with S3_ENDPOINT)',
    }),
  ),
  S3_FORCE_PATH_STYLE: Type.Boolean({
    default: true,
    description: 'path-style URLs (MinIO and most S3-compatible stores)',
  }),
  S3_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 3_000,
    description:
      'ms a request to the store (head, get, copy, delete) may take before it fails (503) and counts against the circuit breaker',
  }),
};

export interface S3Config {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
  /** A request-serving call (head, get, copy, delete) fails after this (S3_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

export function s3Config(env: EnvOf<typeof s3Env>): S3Config | undefined {
  if (env.S3_ENDPOINT === undefined) return undefined;
  const accessKeyId = env.S3_ACCESS_KEY_ID;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY;
  if (accessKeyId === undefined)
    throw new ConfigError('S3_ACCESS_KEY_ID', 'S3_ACCESS_KEY_ID is required with S3_ENDPOINT');
  if (secretAccessKey === undefined) {
    throw new ConfigError('S3_SECRET_ACCESS_KEY', 'S3_SECRET_ACCESS_KEY is required with S3_ENDPOINT');
  }
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    bucket: env.S3_BUCKET,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    timeoutMs: env.S3_TIMEOUT_MS,
  };
}

// ── Everything at once ───────────────────────────────────────────────────────────────────

/** The engines a process connects to; an absent engine means its embedded adapter. */
export interface EnginesConfig {
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  readonly kafka: KafkaConfig | undefined;
  readonly elasticsearch: ElasticsearchConfig | undefined;
  readonly mongo: MongoConfig | undefined;
  readonly redis: RedisConfig | undefined;
  readonly s3: S3Config | undefined;
  readonly audit: AuditSettings;
}

export const enginesEnv = {
  ...databaseEnv,
  ...dataDirEnv,
  ...kafkaEnv,
  ...elasticsearchEnv,
  ...mongoEnv,
  ...redisEnv,
  ...s3Env,
  ...auditEnv,
};

export function enginesConfig(env: EnvOf<typeof enginesEnv>): EnginesConfig {
  return {
    database: databaseConfig(env),
    dataDir: env.MINDFLOW_DATA_DIR,
    kafka: kafkaConfig(env),
    elasticsearch: elasticsearchConfig(env),
    mongo: mongoConfig(env),
    redis: redisConfig(env),
    s3: s3Config(env),
    audit: auditSettings(env),
  };
}

// ── What every service reads when it runs alone ──────────────────────────────────────────

export const serviceEnv = (defaultPort: number) => ({
  ...serverEnv(defaultPort),
  ...loggingEnv,
  ...databaseEnv,
  ...dataDirEnv,
  ...mongoEnv,
  ...auditEnv,
});

/**
 * HTTP, logs, the databases (a server: a service alone never embeds PostgreSQL) and the audit
 * store (MongoDB, else the read database), where every service ships its logs and requests.
 */
export function serviceConfig(vars: EnvOf<ReturnType<typeof serviceEnv>>, stdoutIsTerminal: boolean) {
  return {
    server: serverConfig(vars),
    logging: loggingConfig(vars, stdoutIsTerminal),
    database: serverDatabaseConfig(vars),
    mongo: mongoConfig(vars),
    audit: auditSettings(vars),
    /** Where files live without S3 (attachments under blobs/). */
    dataDir: vars.MINDFLOW_DATA_DIR,
  };
}

/** The URL a process's own signed links point at: where its clients reach it. */
export function localUrl(server: ServerConfig): string {
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  return `http://${host}:${String(server.port)}`;
}

// ── Secrets and accounts ────────────────────────────────────────────────────────────────

export const securityEnv = {
  MINDFLOW_MASTER_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description:
        "base64 of 32 random bytes; wraps each user's data key. Unset under npm start: kept in MINDFLOW_DATA_DIR",
    }),
  ),
  MINDFLOW_JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'signs access tokens (HS256), at least 32 characters. Unset under npm start: kept in MINDFLOW_DATA_DIR',
    }),
  ),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 86_400,
    default: 900,
    description: 'access token life',
  }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 30,
    description: 'absolute life of a login (a refresh token family)',
  }),
  MINDFLOW_ADMIN_EMAIL: Type.Optional(Type.String({ minLength: 3, description: 'the first admin, created at start' })),
  MINDFLOW_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 12, description: "the first admin's password" })),
};

export interface Secrets {
  readonly masterKey: Buffer;
  readonly jwtSecret: string;
}

export interface SecurityConfig {
  /** Undefined when not configured: `npm start` then uses the secrets kept in its data dir. */
  readonly secrets: Secrets | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlDays: number;
  readonly admin: { readonly email: string; readonly password: string } | undefined;
}

export function securityConfig(env: EnvOf<typeof securityEnv>): SecurityConfig {
  const { MINDFLOW_MASTER_KEY: masterKey, MINDFLOW_JWT_SECRET: jwtSecret } = env;
  if ((masterKey === undefined) !== (jwtSecret === undefined)) {
    const missing = masterKey === undefined ? 'MINDFLOW_MASTER_KEY' : 'MINDFLOW_JWT_SECRET';
    throw new ConfigError(missing, `${missing} is required when the other secret is set`);
  }
  const { MINDFLOW_ADMIN_EMAIL: adminEmail, MINDFLOW_ADMIN_PASSWORD: adminPassword } = env;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    const missing = adminEmail === undefined ? 'MINDFLOW_ADMIN_EMAIL' : 'MINDFLOW_ADMIN_PASSWORD';
    throw new ConfigError(missing, `${missing} is required with the other admin variable`);
  }
  return {
    secrets:
      masterKey === undefined || jwtSecret === undefined
        ? undefined
        : { masterKey: Buffer.from(masterKey, 'base64'), jwtSecret },
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    admin:
      adminEmail === undefined || adminPassword === undefined
        ? undefined
        : { email: adminEmail, password: adminPassword },
  };
}

/** The secrets a service that runs alone must be given (only `npm start` may generate them). */
export function requireSecrets(security: SecurityConfig): Secrets {
  if (security.secrets === undefined) {
    throw new ConfigError(
      'MINDFLOW_MASTER_KEY',
      'MINDFLOW_MASTER_KEY and MINDFLOW_JWT_SECRET are required when a service runs alone',
    );
  }
  return security.secrets;
}

// ── Reads ────────────────────────────────────────────────────────────────────────────────

/** Rate limits per window: per IP address, and per caller by role. Reads and commands each have theirs. */
export const rateLimitEnv = {
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3_600,
    default: 60,
    description: 'rate limit window',
  }),
  RATE_LIMIT_PER_IP: Type.Integer({
    minimum: 1,
    default: 1_200,
    description: 'requests per window from one IP address, signed in or not',
  }),
  RATE_LIMIT_PER_USER: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'requests per window for one journal writer',
  }),
  RATE_LIMIT_PER_STAFF: Type.Integer({
    minimum: 1,
    default: 2_400,
    description: 'requests per window for one analyst, compliance officer or admin',
  }),
};

export interface RateLimitConfig {
  readonly windowSeconds: number;
  readonly perIp: number;
  readonly perUser: number;
  readonly perStaff: number;
}

export function rateLimitConfig(env: EnvOf<typeof rateLimitEnv>): RateLimitConfig {
  return {
    windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
    perIp: env.RATE_LIMIT_PER_IP,
    perUser: env.RATE_LIMIT_PER_USER,
    perStaff: env.RATE_LIMIT_PER_STAFF,
  };
}

export const readsEnv = {
  READ_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 30_000,
    default: 2_000,
    description: 'how long a query with X-Min-Position waits for the read model before 503',
  }),
  LIVE_STREAMS_PER_USER: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description:
      'live update streams (GET /v1/stream) an account may have open at once; one more is 429, with Retry-After one heartbeat',
  }),
  LIVE_HEARTBEAT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 300,
    default: 15,
    description: 'how often an open live update stream gets a heartbeat (keeps proxies from closing it)',
  }),
  ...rateLimitEnv,
};

export interface ReadsConfig {
  /** How long a read waits for X-Min-Position. */
  readonly waitMs: number;
  readonly rateLimits: RateLimitConfig;
  /** Live update streams: how many per account, and how often each gets a heartbeat. */
  readonly live: { readonly streamsPerUser: number; readonly heartbeatMs: number };
}

export function readsConfig(env: EnvOf<typeof readsEnv>): ReadsConfig {
  return {
    waitMs: env.READ_WAIT_MS,
    rateLimits: rateLimitConfig(env),
    live: { streamsPerUser: env.LIVE_STREAMS_PER_USER, heartbeatMs: env.LIVE_HEARTBEAT_SECONDS * 1000 },
  };
}

/** What a service that only checks access tokens needs (it never sees the master key). */
export const tokenCheckEnv = {
  MINDFLOW_JWT_SECRET: Type.String({
    minLength: 32,
    description: 'signs access tokens (HS256), at least 32 characters',
  }),
};
