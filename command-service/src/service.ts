import { workerRole } from '@mindflow/core/cluster';
import type { BlobStore } from '@mindflow/core/blobs';
import type { RateLimitConfig, Secrets, SecurityConfig } from '@mindflow/core/config';
import { openUserKeyring } from '@mindflow/core/crypto';
import { AppError } from '@mindflow/core/errors';
import { installRateLimits, type HttpServer } from '@mindflow/core/http';
import type { Logger } from '@mindflow/core/logging';
import type { RedisConnection } from '@mindflow/core/redis';
import type { Kysely } from 'kysely';
import { createAccessTokens, createRequestAuth, createSessionStore, type SessionStore } from '@mindflow/core/auth';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createPasswordHasher } from './auth/passwords.js';
import fastifyCookie from '@fastify/cookie';
import { authRoutes } from './auth/routes.js';
import { register, type AuthDeps } from './auth/service.js';
import { attachmentRemovalRoute, attachmentRoutes } from './attachments/routes.js';
import { attachmentUploadRoutes } from './attachments/uploads.js';
import { defaultUploadSettings, type UploadSettings } from './attachments/settings.js';
import { createUploadSweeper } from './attachments/upload-sweeper.js';
import { entryRoutes } from './entries/routes.js';
import { exportRoutes } from './exports/routes.js';
import { importRoutes } from './imports/routes.js';
import { defaultImportLimits, type ImportLimits } from './imports/read.js';
import { insightRoutes } from './insights/routes.js';
import { notificationRoutes } from './notifications/routes.js';
import { userRoutes } from './users/routes.js';
import { goalRoutes } from './goals/routes.js';
import { templateRoutes } from './templates/routes.js';
import { promptRoutes } from './prompts/routes.js';
import { unsubscribeRoutes } from './users/unsubscribe.js';
import { unsubscribeTokens } from '@mindflow/core/mail';
import type { WriteTables } from '@mindflow/core/write-model';
import { createRecorder } from './recorder.js';
import { createKeyVacuum } from './users/key-vacuum.js';

export interface CommandServiceOptions {
  readonly db: Kysely<WriteTables>;
  /** Rate limits and the login throttle: in process without it, and while it is away. */
  readonly redis: RedisConnection | undefined;
  readonly secrets: Secrets;
  readonly security: SecurityConfig;
  readonly rateLimits: RateLimitConfig;
  readonly logger: Logger;
  /** Where attachments are stored. */
  readonly blobs: BlobStore;
  /** Upload links, time limits and sweeping (defaultUploadSettings for what is not given). */
  readonly uploads?: Partial<UploadSettings>;
  /** What an import archive may hold (defaultImportLimits for what is not given). */
  readonly imports?: Partial<ImportLimits>;
  /** Where the rate-limit counters live in Redis (default `ratelimit:commands:`). */
  readonly rateLimitPrefix?: string;
  /** Sessions, when the process shares them with other routes; else one on `db` and `redis`. */
  readonly sessions?: SessionStore;
}

/** Argon2 runs at most this many hashes at once (each takes ~19 MiB and tens of ms of CPU). */
const hashingConcurrency = 2;

/** Registers the command routes on `app` and creates the first admin when configured and absent. */
export async function mountCommandService(app: HttpServer, options: CommandServiceOptions): Promise<void> {
  // Before any route: a process holding another master key than the database's refuses to start.
  const keyring = await openUserKeyring(options.db, options.secrets.masterKey);
  // An erasure whose vacuum failed, or was cut short by a stop, is vacuumed now (in the
  // background), by one process of a cluster: VACUUM FULL locks the key table.
  const keyVacuum = createKeyVacuum(options.db, options.logger);
  if (workerRole() !== 'follower') void keyVacuum.run();
  app.addHook('onClose', async () => keyVacuum.stop());
  const uploads: UploadSettings = { ...defaultUploadSettings, ...options.uploads };
  // Expired upload links: what they wrote, and the uploads never completed, are removed.
  const uploadSweeper = createUploadSweeper(options, uploads);
  uploadSweeper.start();
  app.addHook('onClose', async () => uploadSweeper.stop());
  const sessions = options.sessions ?? ownSessions(app, options);
  const auth: AuthDeps = {
    db: options.db,
    sessions,
    recorder: createRecorder(keyring),
    hasher: await createPasswordHasher(hashingConcurrency),
    tokens: createAccessTokens(options.secrets.jwtSecret, options.security.accessTokenTtlSeconds),
    throttle: createLoginThrottle(options.redis),
    refreshTokenTtlDays: options.security.refreshTokenTtlDays,
  };
  const requestAuth = createRequestAuth(auth.tokens, sessions);
  // The command routes in their own scope, with rate limits of their own (reads have theirs).
  await app.register(async (scope) => {
    installRateLimits(scope, {
      limits: options.rateLimits,
      auth: requestAuth,
      redis: options.redis,
      prefix: options.rateLimitPrefix ?? 'ratelimit:commands:',
    });
    // The refresh token's cookie for browsers (read on /v1/auth only: the cookie's path).
    await scope.register(fastifyCookie);
    authRoutes(scope, auth, requestAuth);
    entryRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
    goalRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
    templateRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
    promptRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
    const users = {
      db: options.db,
      recorder: auth.recorder,
      auth: requestAuth,
      sessions,
      erasure: {
        db: options.db,
        recorder: auth.recorder,
        keyring,
        hasher: auth.hasher,
        throttle: auth.throttle,
        blobs: options.blobs,
        logger: options.logger,
        keyVacuum,
        sessions,
      },
    };
    userRoutes(scope, users);
    // An email's unsubscribe link: its signed token is the only credential.
    unsubscribeRoutes(scope, { ...users, tokens: unsubscribeTokens(options.secrets.jwtSecret) });
    const attachments = {
      db: options.db,
      recorder: auth.recorder,
      auth: requestAuth,
      blobs: options.blobs,
      logger: options.logger,
      uploads,
    };
    await attachmentRoutes(scope, attachments);
    attachmentRemovalRoute(scope, attachments);
    attachmentUploadRoutes(scope, attachments);
    exportRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
    importRoutes(scope, {
      db: options.db,
      recorder: auth.recorder,
      auth: requestAuth,
      blobs: options.blobs,
      uploads,
      limits: { ...defaultImportLimits, ...options.imports },
      logger: options.logger,
    });
    insightRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth, redis: options.redis });
    notificationRoutes(scope, { db: options.db, recorder: auth.recorder, auth: requestAuth });
  });
  if (options.security.admin !== undefined) await ensureAdmin(auth, options.security.admin, options.logger);
}

/** The session store of a command service alone in its process, closed with the app. */
function ownSessions(app: HttpServer, options: CommandServiceOptions): SessionStore {
  const sessions = createSessionStore(options.db, { redis: options.redis, logger: options.logger });
  app.addHook('onClose', async () => sessions.close());
  return sessions;
}

/** The first admin, from MINDFLOW_ADMIN_EMAIL / MINDFLOW_ADMIN_PASSWORD: created when absent, never overwritten. */
async function ensureAdmin(auth: AuthDeps, admin: { email: string; password: string }, logger: Logger): Promise<void> {
  const existing = await auth.db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', admin.email.trim().toLowerCase()))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (existing !== undefined) return;
  // Another instance starting at the same moment may win the race: its admin is as good.
  const created = await register(
    auth,
    {
      email: admin.email,
      password: admin.password,
      displayName: 'Administrator',
      consent: { termsVersion: 'admin', privacyPolicyVersion: 'admin', dataProcessing: true, marketing: false },
    },
    {
      requestId: 'startup',
      actorId: undefined,
      actorRole: 'system',
      ip: '127.0.0.1',
      userAgent: undefined,
      traceparent: undefined,
      now: new Date(),
    },
    ['user', 'admin'],
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'CONFLICT') return undefined;
    throw error;
  });
  if (created !== undefined) logger.info({ userId: created.body.id }, 'first admin created');
}
