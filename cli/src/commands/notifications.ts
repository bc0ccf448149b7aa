import type { Kysely } from 'kysely';
import type { RuntimeTables } from '@mindflow/core/projections';
import { openUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { loadOrCreateSecrets } from '@mindflow/core/secrets';
import { writeDatabase } from '@mindflow/core/write-model';
import { listDeadLetters, mailProjectionName, raiseDueReminders } from '@mindflow/projector';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

type Action = { readonly kind: 'run-due'; readonly at: Date } | { readonly kind: 'failed'; readonly json: boolean };

/** What a dead-lettered event of the mail projection was to send. */
function messageKind(type: string, data: Record<string, unknown>): string {
  if (type === 'NotificationRaised') return `${String(data.kind)} email`;
  if (type === 'InsightGenerated') return `${String(data.kind)} insight email`;
  if (type === 'RegistrationAttempted') return 'registration-attempt notice';
  return type;
}

/**
 * Delivery operations. `run-due` raises the reminders due as of a time (now by default), as the
 * projector does every REMINDER_CHECK_SECONDS: each at most once per writer and day, so running
 * it beside a projector, or twice, raises nothing twice. `failed` lists the emails the SMTP
 * server refused for good (the mail projection's dead letters, kept until replayed with
 * `mindflow projections dlq replay -p mail`); exit 1 when there are any.
 */
export async function notifications(config: PlatformConfig, action: Action): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    if (action.kind === 'run-due') {
      const writeDb = writeDatabase(engines.databases.write.db);
      const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
      const keyring = await openUserKeyring(writeDb, secrets.masterKey);
      const run = await raiseDueReminders({ writeDb, keyring, logger }, action.at);
      process.stdout.write(`${run.at}: ${String(run.due)} reminder(s) due, ${String(run.raised)} raised\n`);
      return 0;
    }
    const failed = await listDeadLetters([
      { name: mailProjectionName, store: engines.databases.read.db as Kysely<RuntimeTables> },
    ]);
    const rows = failed.map((letter) => ({
      id: letter.id,
      message: messageKind(letter.event.type, letter.event.data),
      userId: letter.event.userId,
      eventId: letter.event.eventId,
      attempts: letter.attempts,
      failedAt: letter.createdAt.toISOString(),
      error: letter.error.split('\n')[0] ?? '',
    }));
    process.stdout.write(
      action.json
        ? `${JSON.stringify(rows, null, 2)}\n`
        : rows.length === 0
          ? 'no failed emails\n'
          : rows
              .map(
                (row) =>
                  `#${row.id}  ${row.message}  user ${row.userId ?? '-'}  ${String(row.attempts)} tries  ${row.failedAt}\n    ${row.error}\n`,
              )
              .join('') + 'send them again with: mindflow projections dlq replay -p mail\n',
    );
    return rows.length === 0 ? 0 : 1;
  } finally {
    await engines.close();
  }
}
