import { createUserKeyring } from '@mindflow/core/crypto';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines, loadOrCreateSecrets } from '@mindflow/core/runtime';
import {
  createDecoder,
  listDeadLetters,
  projectorDatabases,
  projectionStatus,
  replayDeadLetters,
} from '@mindflow/projector';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

type Action =
  | { kind: 'status'; json: boolean }
  | { kind: 'dlq-list'; projection: string | undefined; json: boolean }
  | { kind: 'dlq-replay'; projection: string | undefined; ids: readonly string[] | undefined };

/** Projection operations against the read and write databases. */
export async function projections(config: PlatformConfig, action: Action): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const { writeDb, readDb } = projectorDatabases(engines.databases.write.db, engines.databases.read.db);
    const print = (value: unknown, json: boolean, text: () => string) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
    switch (action.kind) {
      case 'status': {
        const statuses = await projectionStatus(writeDb, readDb);
        print(statuses, action.json, () =>
          statuses
            .map(
              (s) =>
                `${s.name}: ${s.behind} event(s) behind, ${s.deadLetters} dead letter(s), ${Object.keys(s.offsets).length} partition(s)\n`,
            )
            .join(''),
        );
        return statuses.some((s) => s.deadLetters > 0) ? 1 : 0;
      }
      case 'dlq-list': {
        const letters = await listDeadLetters(readDb, action.projection);
        print(letters, action.json, () =>
          letters.length === 0
            ? 'no dead letters\n'
            : letters
                .map(
                  (l) =>
                    `#${l.id}  ${l.projection}  ${l.event.type} ${l.event.eventId}  ${l.attempts} tries  ${l.createdAt.toISOString()}\n    ${l.error.split('\n')[0] ?? ''}\n`,
                )
                .join(''),
        );
        return 0;
      }
      case 'dlq-replay': {
        const secrets = config.security.secrets ?? (await loadOrCreateSecrets(config.engines.dataDir));
        const decode = createDecoder(createUserKeyring(secrets.masterKey), writeDb);
        const result = await replayDeadLetters(readDb, decode, {
          ...(action.projection === undefined ? {} : { projection: action.projection }),
          ...(action.ids === undefined ? {} : { ids: action.ids }),
        });
        process.stdout.write(`${result.replayed} replayed, ${result.failed} failed again\n`);
        return result.failed > 0 ? 1 : 0;
      }
    }
  } finally {
    await engines.close();
  }
}
