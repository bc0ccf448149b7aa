import { createRecorder, changeRole } from '@mindflow/command-service';
import { createSessionStore } from '@mindflow/core/auth';
import { openUserKeyring } from '@mindflow/core/crypto';
import { toRoles, type Role } from '@mindflow/core/domain';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import type { PlatformConfig } from '../config.js';
import { findUser } from './find-user.js';
import { requireMigrated } from '../require-migrated.js';
import { writeDatabase } from '@mindflow/core/write-model';

/** Finds a user by email, or grants or revokes one of their roles, as an admin would over HTTP. */
export async function admin(
  config: PlatformConfig,
  action: { kind: 'find'; email: string } | { kind: 'grant' | 'revoke'; email: string; role: Role },
): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  // Redis too, when configured: the services' cached sessions must learn of a role change at once.
  const engines = await connectEngines({ database: config.engines.database, redis: config.engines.redis }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const db = writeDatabase(engines.databases.write.db);
    const user = await findUser(db, action.email);
    if (user === undefined) return 1;
    if (action.kind !== 'find') {
      const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
      const recorder = createRecorder(await openUserKeyring(db, secrets.masterKey));
      const context = {
        requestId: `cli-${process.pid}`,
        actorId: undefined,
        actorRole: 'admin',
        ip: '127.0.0.1',
        userAgent: 'mindflow-cli',
        traceparent: undefined,
        now: new Date(),
      };
      await db
        .transaction()
        .execute((trx) => changeRole(recorder, trx, user.id, action.role, action.kind === 'grant', context));
      const sessions = createSessionStore(db, { redis: engines.redis, logger });
      await sessions.forgetUser(user.id);
      sessions.close();
    }
    const roles = await db.selectFrom('users').select('roles').where('id', '=', user.id).executeTakeFirstOrThrow();
    process.stdout.write(
      `${user.id}  ${user.email}  ${user.display_name}  roles: ${toRoles(roles.roles).join(', ')}\n`,
    );
    return 0;
  } finally {
    await engines.close();
  }
}
