import {
  sql,
  type ColumnType,
  type Selectable,
  type Expression,
  type ExpressionBuilder,
  type Generated,
  type Kysely,
  type SqlBool,
} from 'kysely';
import { chainAppender, ChainConflict, type ChainBackend } from './append.js';
import { expiryOf, pseudonymized, retentionOf } from './chain.js';
import { words } from './tokens.js';
import type { AuditStoreOptions } from './options.js';
import type {
  AuditAction,
  AuditFilter,
  AuditRecord,
  AuditStore,
  DataCategory,
  LogCollection,
  Pseudonyms,
} from './types.js';

type Json<T> = ColumnType<T, string, string>;

interface AuditLogsTable {
  event_id: string;
  user_id: string | null;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  timestamp: Date;
  metadata: Json<Record<string, unknown>>;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  data_category: string;
  retention: string;
  expires_at: Date | null;
  legal_hold: boolean;
  recorded_at: Date;
  chain: string;
  seq: number;
  prev_hash: string;
  hash: string;
  pseudonyms: Json<Pseudonyms>;
  salt: string | null;
  tokens: string[];
}

/** The audit store's tables in the read database (migration 0008-audit). */
export interface AuditTables {
  audit_logs: AuditLogsTable;
  audit_chains: { chain: string; seq: number; hash: string; until: Date };
  audit_subjects: { user_id: string; salt: string };
  audit_holds: { user_id: string; reason: string; placed_by: string; placed_at: Date };
  application_logs: {
    id: Generated<string>;
    time: Date;
    level: string;
    service: string;
    message: string;
    request_id: string | null;
    context: Json<Record<string, unknown>>;
    expires_at: Date;
  };
  api_requests: {
    id: Generated<string>;
    time: Date;
    service: string;
    request_id: string;
    method: string;
    path: string;
    query: Json<Record<string, unknown>>;
    body: Json<unknown>;
    status: number;
    duration_ms: number;
    response_bytes: number | null;
    user_id: string | null;
    ip: string | null;
    expires_at: Date;
  };
}

type Row = Selectable<AuditLogsTable>;

function toRecord(row: Row): AuditRecord {
  return {
    eventId: row.event_id,
    userId: row.user_id,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action as AuditAction,
    timestamp: row.timestamp,
    metadata: row.metadata,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    requestId: row.request_id,
    dataCategory: row.data_category as DataCategory,
    retention: row.retention,
    expiresAt: row.expires_at,
    legalHold: row.legal_hold,
    recordedAt: row.recorded_at,
    chain: row.chain,
    seq: row.seq,
    prevHash: row.prev_hash,
    hash: row.hash,
    pseudonyms: row.pseudonyms,
    salt: row.salt,
    tokens: row.tokens,
  };
}

function toRow(record: AuditRecord) {
  return {
    event_id: record.eventId,
    user_id: record.userId,
    actor_id: record.actorId,
    actor_role: record.actorRole,
    action: record.action,
    timestamp: record.timestamp,
    metadata: JSON.stringify(record.metadata),
    ip_address: record.ipAddress,
    user_agent: record.userAgent,
    request_id: record.requestId,
    data_category: record.dataCategory,
    retention: record.retention,
    expires_at: record.expiresAt,
    legal_hold: record.legalHold,
    recorded_at: record.recordedAt,
    chain: record.chain,
    seq: record.seq,
    prev_hash: record.prevHash,
    hash: record.hash,
    pseudonyms: JSON.stringify(record.pseudonyms),
    salt: record.salt,
    tokens: [...record.tokens],
  };
}

/** Rows read back in the documents' field names (`request_id` → `requestId`). */
function camelCase(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      value,
    ]),
  );
}

const uniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

const pageSize = 500;

/**
 * The audit store on PostgreSQL (embedded mode): a GIN index over `tokens` is its text index,
 * and, having no TTL, it relies on the retention sweeper. Same records, same contract.
 */
export function openPostgresAuditStore(db: Kysely<AuditTables>, options: AuditStoreOptions): AuditStore {
  const backend: ChainBackend = {
    isStored: async (eventId) =>
      (await db.selectFrom('audit_logs').select('event_id').where('event_id', '=', eventId).executeTakeFirst()) !==
      undefined,
    async storedEventIds(eventIds) {
      if (eventIds.length === 0) return new Set();
      const rows = await db.selectFrom('audit_logs').select('event_id').where('event_id', 'in', eventIds).execute();
      return new Set(rows.map((row) => row.event_id));
    },
    async salts(userIds, fresh) {
      if (userIds.length > 0) {
        await db
          .insertInto('audit_subjects')
          .values(userIds.map((id) => ({ user_id: id, salt: fresh() })))
          .onConflict((conflict) => conflict.column('user_id').doNothing())
          .execute();
      }
      const rows =
        userIds.length === 0
          ? []
          : await db.selectFrom('audit_subjects').selectAll().where('user_id', 'in', userIds).execute();
      return new Map(rows.map((row) => [row.user_id, row.salt]));
    },
    async heldUsers(userIds) {
      if (userIds.length === 0) return new Set();
      const rows = await db.selectFrom('audit_holds').select('user_id').where('user_id', 'in', userIds).execute();
      return new Set(rows.map((row) => row.user_id));
    },
    async tail(chain, catchUp) {
      const head = await db.selectFrom('audit_chains').selectAll().where('chain', '=', chain).executeTakeFirst();
      if (!catchUp) return head;
      const beyond = await db
        .selectFrom('audit_logs')
        .select(['seq', 'hash', 'recorded_at', 'retention'])
        .where('chain', '=', chain)
        .where('seq', '>', head?.seq ?? 0)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (beyond === undefined) return head;
      const until = expiryOf(beyond.recorded_at, beyond.retention);
      return {
        chain,
        seq: beyond.seq,
        hash: beyond.hash,
        until: head !== undefined && head.until > until ? head.until : until,
      };
    },
    async insert(records) {
      // One statement: all or none, so a conflict means nothing of this batch went in.
      try {
        await db.insertInto('audit_logs').values(records.map(toRow)).execute();
      } catch (error) {
        if (uniqueViolation(error)) throw new ChainConflict(0);
        throw error;
      }
    },
    async advanceHead(head) {
      await db
        .insertInto('audit_chains')
        .values(head)
        .onConflict((conflict) =>
          conflict
            .column('chain')
            .doUpdateSet({ seq: head.seq, hash: head.hash, until: head.until })
            .where('audit_chains.seq', '<', head.seq),
        )
        .execute();
    },
  };

  const where = (filter: AuditFilter) => {
    return (eb: ExpressionBuilder<AuditTables, 'audit_logs'>) => {
      const conditions: Expression<SqlBool>[] = [];
      if (filter.userId !== undefined) conditions.push(eb('user_id', '=', filter.userId));
      if (filter.action !== undefined) conditions.push(eb('action', '=', filter.action));
      if (filter.from !== undefined) conditions.push(eb('timestamp', '>=', filter.from));
      if (filter.to !== undefined) conditions.push(eb('timestamp', '<', filter.to));
      const terms = filter.text === undefined ? [] : words(filter.text);
      if (terms.length > 0) conditions.push(sql<SqlBool>`tokens @> ${sql.val(terms)}::text[]`);
      return eb.and(conditions);
    };
  };

  async function* pages(filter: AuditFilter) {
    let last: { timestamp: Date; eventId: string } | undefined;
    for (;;) {
      let query = db.selectFrom('audit_logs').selectAll().where(where(filter));
      if (last !== undefined) {
        const { timestamp, eventId } = last;
        query = query.where((eb) =>
          eb.or([
            eb('timestamp', '>', timestamp),
            eb.and([eb('timestamp', '=', timestamp), eb('event_id', '>', eventId)]),
          ]),
        );
      }
      const rows = await query.orderBy('timestamp').orderBy('event_id').limit(pageSize).execute();
      for (const row of rows) yield toRecord(row);
      const end = rows.at(-1);
      if (end === undefined || rows.length < pageSize) return;
      last = { timestamp: end.timestamp, eventId: end.event_id };
    }
  }

  async function* chainPages(from: string, to: string) {
    let last = { chain: '', seq: 0 };
    for (;;) {
      const { chain, seq } = last;
      const rows = await db
        .selectFrom('audit_logs')
        .selectAll()
        .where('chain', '>=', from)
        .where('chain', '<=', to)
        .where((eb) => eb.or([eb('chain', '>', chain), eb.and([eb('chain', '=', chain), eb('seq', '>', seq)])]))
        .orderBy('chain')
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) yield toRecord(row);
      const end = rows.at(-1);
      if (end === undefined || rows.length < pageSize) return;
      last = { chain: end.chain, seq: end.seq };
    }
  }

  const retention = options.retention;
  const appender = chainAppender(backend, retentionOf(retention.auditLogs));
  const expiry = (time: Date, seconds: number) => new Date(time.getTime() + seconds * 1000);
  return {
    capabilities: { adapter: 'postgres', ttl: false, textIndex: true, server: 'PostgreSQL' },
    retention,
    append: (records) => appender.append(records),
    async list(filter, limit, cursor) {
      let query = db.selectFrom('audit_logs').selectAll().where(where(filter));
      if (cursor !== undefined) {
        const { timestamp, eventId } = cursor;
        query = query.where((eb) =>
          eb.or([
            eb('timestamp', '<', timestamp),
            eb.and([eb('timestamp', '=', timestamp), eb('event_id', '<', eventId)]),
          ]),
        );
      }
      const rows = await query.orderBy('timestamp', 'desc').orderBy('event_id', 'desc').limit(limit).execute();
      return rows.map(toRecord);
    },
    async count(filter) {
      const row = await db
        .selectFrom('audit_logs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where(where(filter))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    stream: pages,
    chainRecords: chainPages,
    async chainHeads(from, to) {
      return db
        .selectFrom('audit_chains')
        .selectAll()
        .where('chain', '>=', from)
        .where('chain', '<=', to)
        .orderBy('chain')
        .execute();
    },
    async placeHold(hold) {
      await db
        .insertInto('audit_holds')
        .values({ user_id: hold.userId, reason: hold.reason, placed_by: hold.placedBy, placed_at: hold.placedAt })
        .onConflict((conflict) =>
          conflict.column('user_id').doUpdateSet({ reason: hold.reason, placed_by: hold.placedBy }),
        )
        .execute();
      const result = await db
        .updateTable('audit_logs')
        .set({ legal_hold: true, expires_at: null })
        .where('user_id', '=', hold.userId)
        .executeTakeFirst();
      return { records: Number(result.numUpdatedRows) };
    },
    async liftHold(userId) {
      await db.deleteFrom('audit_holds').where('user_id', '=', userId).execute();
      // One statement: `retention` is an ISO 8601 duration, which PostgreSQL reads as an interval.
      const result = await db
        .updateTable('audit_logs')
        .set({ legal_hold: false, expires_at: sql<Date>`recorded_at + retention::interval` })
        .where('user_id', '=', userId)
        .where('legal_hold', '=', true)
        .executeTakeFirst();
      return { records: Number(result.numUpdatedRows) };
    },
    async holds() {
      const rows = await db.selectFrom('audit_holds').selectAll().orderBy('placed_at').execute();
      return rows.map((row) => ({
        userId: row.user_id,
        reason: row.reason,
        placedBy: row.placed_by,
        placedAt: row.placed_at,
      }));
    },
    async pseudonymize(userId) {
      const rows = await db
        .selectFrom('audit_logs')
        .selectAll()
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('actor_id', '=', userId)]))
        .execute();
      await db.transaction().execute(async (trx) => {
        for (const row of rows) {
          const next = pseudonymized(toRecord(row));
          await trx
            .updateTable('audit_logs')
            .set({
              user_id: next.userId,
              actor_id: next.actorId,
              ip_address: null,
              user_agent: null,
              salt: null,
              tokens: [...next.tokens],
            })
            .where('event_id', '=', row.event_id)
            .execute();
        }
        await trx.deleteFrom('audit_subjects').where('user_id', '=', userId).execute();
        await trx.deleteFrom('api_requests').where('user_id', '=', userId).execute();
      });
      appender.forget(userId);
      return { records: rows.length };
    },
    async sweep(now) {
      const removed = async (table: 'audit_logs' | LogCollection) => {
        let query = db.deleteFrom(table).where('expires_at', '<=', now);
        if (table === 'audit_logs') query = query.where('legal_hold', '=', false);
        const result = await query.executeTakeFirst();
        return Number(result.numDeletedRows);
      };
      return {
        audit_logs: await removed('audit_logs'),
        application_logs: await removed('application_logs'),
        api_requests: await removed('api_requests'),
      };
    },
    async appendApplicationLogs(lines) {
      if (lines.length === 0) return;
      await db
        .insertInto('application_logs')
        .values(
          lines.map((line) => ({
            time: line.time,
            level: line.level,
            service: line.service,
            message: line.message,
            request_id: line.requestId,
            context: JSON.stringify(line.context),
            expires_at: expiry(line.time, retention.applicationLogs),
          })),
        )
        .execute();
    },
    async appendApiRequests(requests) {
      if (requests.length === 0) return;
      await db
        .insertInto('api_requests')
        .values(
          requests.map((request) => ({
            time: request.time,
            service: request.service,
            request_id: request.requestId,
            method: request.method,
            path: request.path,
            query: JSON.stringify(request.query),
            body: JSON.stringify(request.body ?? null),
            status: request.status,
            duration_ms: request.durationMs,
            response_bytes: request.responseBytes,
            user_id: request.userId,
            ip: request.ip,
            expires_at: expiry(request.time, retention.apiRequests),
          })),
        )
        .execute();
    },
    async readLogs(collection, limit) {
      const rows = await db.selectFrom(collection).selectAll().orderBy('time').limit(limit).execute();
      return rows.map(({ id: _id, ...row }) => camelCase(row));
    },
    close: async () => undefined,
  };
}
