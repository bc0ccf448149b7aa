import { randomUUID } from 'node:crypto';
import { logOffset, type Delivery } from '@mindflow/core/bus';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import type { HttpServer } from '@mindflow/core/http';
import { sql, type Kysely } from 'kysely';
import type { ReadModelTables } from './read-model/tables.js';

/** Every row of every read-model table, in a stable order: two models compare equal row by row. */
export async function readModelSnapshot(db: Kysely<ReadModelTables>): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['profile_view', 'user_id'],
    ['journal_view', 'entry_id'],
    ['entry_history', 'entry_id, version'],
    ['mood_calendar', 'user_id, entry_date'],
    ['tag_counts', 'user_id, tag'],
  ] as const) {
    rows[table] = (
      await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db)
    ).rows;
  }
  return rows;
}

/** Registers and signs in `count` writers through the command routes; their access tokens. */
export async function signedInWriters(app: HttpServer, count: number): Promise<{ id: string; token: string }[]> {
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const writers: { id: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${randomUUID()}@example.com`;
    await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password, displayName: `Writer ${i}`, consent },
    });
    const session = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).json<{
      accessToken: string;
      user: { id: string };
    }>();
    writers.push({ id: session.user.id, token: session.accessToken });
  }
  return writers;
}

/** Events as the embedded bus delivers them. */
export function asDeliveries(events: readonly RecordedEvent[]): Delivery[] {
  return events.map((event) => ({
    event,
    partition: 'log',
    offset: logOffset({ transactionId: event.transactionId, position: event.globalPosition }),
  }));
}
