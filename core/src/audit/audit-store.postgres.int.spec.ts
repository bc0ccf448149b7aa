import t from 'tap';
import { sql } from 'kysely';
import { createTestDatabase } from '../testing/database.js';
import { auditStoreContract } from './audit-store.contract.js';
import { openPostgresAuditStore, type AuditTables } from './postgres-audit-store.js';

const database = await createTestDatabase<AuditTables>('read');
const { db } = database;

auditStoreContract(t, {
  open: async (retention) => openPostgresAuditStore(db, { retention }),
  modify: async (eventId, field, value) => {
    const column = { action: 'action', userId: 'user_id', ipAddress: 'ip_address' }[field];
    await sql`update audit_logs set ${sql.ref(column)} = ${value} where event_id = ${eventId}`.execute(db);
  },
  remove: async (eventId) => {
    await db.deleteFrom('audit_logs').where('event_id', '=', eventId).execute();
  },
  swap: async (first, second) => {
    const seqOf = async (eventId: string) =>
      (await db.selectFrom('audit_logs').select('seq').where('event_id', '=', eventId).executeTakeFirstOrThrow()).seq;
    const [a, b] = [await seqOf(first), await seqOf(second)];
    await db.updateTable('audit_logs').set({ seq: -1 }).where('event_id', '=', first).execute();
    await db.updateTable('audit_logs').set({ seq: a }).where('event_id', '=', second).execute();
    await db.updateTable('audit_logs').set({ seq: b }).where('event_id', '=', first).execute();
  },
  clear: async () => {
    await sql`truncate audit_logs, audit_chains, audit_subjects, audit_holds, application_logs, api_requests`.execute(
      db,
    );
  },
  close: () => database.drop(),
});
