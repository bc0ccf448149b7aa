import { ensureAuditIndexes } from '@mindflow/migrations';
import {
  MongoBulkWriteError,
  MongoServerError,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type ObjectId,
} from 'mongodb';
import { chainAppender, ChainConflict, type ChainBackend } from './append.js';
import { expiryOf, pseudonymized, retentionOf } from './chain.js';
import { words } from './tokens.js';
import type { AuditStoreOptions } from './options.js';
import type { AuditCursor, AuditFilter, AuditRecord, AuditStore, LegalHold, LogCollection } from './types.js';

type RecordDoc = AuditRecord & { _id?: ObjectId };
interface HeadDoc {
  _id: string;
  seq: number;
  hash: string;
  until: Date;
}
interface SubjectDoc {
  _id: string;
  salt: string;
}
type HoldDoc = Omit<LegalHold, 'userId'> & { _id: string };

const duplicateKey = 11000;
const insertSlice = 100;
const lookupSlice = 50;
const isDuplicate = (error: unknown) => error instanceof MongoServerError && error.code === duplicateKey;

function toRecord(doc: RecordDoc): AuditRecord {
  const { _id, ...record } = doc;
  return record;
}

/**
 * Deletes what matches, in slices: FerretDB deletes with one PostgreSQL statement whose
 * parameters (one per document) may not exceed 65,535.
 */
async function removeAll<T extends Document>(collection: Collection<T>, filter: Filter<T>): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = (
      await collection
        .find(filter, { projection: { _id: 1 } })
        .limit(10_000)
        .toArray()
    ).map((doc) => doc._id);
    if (ids.length === 0) return removed;
    const result = await collection.deleteMany({ _id: { $in: ids } } as Filter<T>);
    removed += result.deletedCount;
  }
}

/**
 * The audit store on MongoDB (database mindflow_logs). Capabilities are detected once, when
 * the indexes are made: without a TTL index the sweeper removes expired documents, without a
 * text index the search matches every query word against the indexed `tokens`.
 */
export async function openMongoAuditStore(db: Db, options: AuditStoreOptions): Promise<AuditStore> {
  const found = await ensureAuditIndexes(db);
  const info = await db.admin().command({ buildInfo: 1 });
  const ferret = typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion}` : undefined;
  const capabilities = {
    adapter: 'mongodb',
    ttl: found.ttl,
    textIndex: found.textIndex,
    server: ferret ?? `MongoDB ${String(info.version)}`,
  } as const;

  const logs = db.collection<RecordDoc>('audit_logs');
  const heads = db.collection<HeadDoc>('audit_chains');
  const subjects = db.collection<SubjectDoc>('audit_subjects');
  const holds = db.collection<HoldDoc>('audit_holds');
  const collections = {
    application_logs: db.collection('application_logs'),
    api_requests: db.collection('api_requests'),
  };

  const backend: ChainBackend = {
    isStored: async (eventId) => (await logs.findOne({ eventId }, { projection: { _id: 1 } })) !== null,
    async storedEventIds(eventIds) {
      if (ferret === undefined) {
        const docs = await logs.find({ eventId: { $in: [...eventIds] } }, { projection: { eventId: 1 } }).toArray();
        return new Set(docs.map((doc) => doc.eventId));
      }
      // One lookup per id: FerretDB pushes equality down to its index, not $in (which scans
      // every record, so a replay would slow down as the trail grows).
      const stored = new Set<string>();
      for (let start = 0; start < eventIds.length; start += lookupSlice) {
        const docs = await Promise.all(
          eventIds
            .slice(start, start + lookupSlice)
            .map((eventId) => logs.findOne({ eventId }, { projection: { eventId: 1 } })),
        );
        for (const doc of docs) if (doc !== null) stored.add(doc.eventId);
      }
      return stored;
    },
    async salts(userIds, fresh) {
      // One lookup per subject: FerretDB pushes equality down, not $in.
      const read = async () => {
        const docs = await Promise.all(userIds.map((id) => subjects.findOne({ _id: id })));
        return new Map(docs.filter((doc) => doc !== null).map((doc) => [doc._id, doc.salt]));
      };
      const known = await read();
      const missing = userIds.filter((id) => !known.has(id));
      if (missing.length === 0) return known;
      await subjects
        .insertMany(
          missing.map((id) => ({ _id: id, salt: fresh() })),
          { ordered: false },
        )
        .catch((error: unknown) => {
          if (!(error instanceof MongoBulkWriteError && error.code === duplicateKey)) throw error;
        });
      return read();
    },
    async heldUsers(userIds) {
      // Holds are few: all of them, rather than a lookup per subject.
      const docs = await holds.find({}, { projection: { _id: 1 } }).toArray();
      return new Set(docs.map((doc) => doc._id).filter((id) => userIds.includes(id)));
    },
    async tail(chain, catchUp) {
      const head = await heads.findOne({ _id: chain });
      const known = head?.seq ?? 0;
      const exists = async (seq: number) => (await logs.findOne({ chain, seq }, { projection: { _id: 1 } })) !== null;
      const fromHead = head === null ? undefined : { chain, seq: head.seq, hash: head.hash, until: head.until };
      if (!catchUp || !(await exists(known + 1))) return fromHead;
      // Records a writer inserted without moving the head yet (it stopped, or is midway): the
      // last of them, found by doubling then halving the distance (a lookup scans on FerretDB).
      let low = known + 1;
      let step = 1;
      while (await exists(low + step)) {
        low += step;
        step *= 2;
      }
      let high = low + step;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (await exists(middle)) low = middle;
        else high = middle;
      }
      const last = await logs.findOne({ chain, seq: low });
      if (last === null) return fromHead;
      const until = expiryOf(last.recordedAt, last.retention);
      return {
        chain,
        seq: last.seq,
        hash: last.hash,
        until: fromHead === undefined || until > fromHead.until ? until : fromHead.until,
      };
    },
    async insert(records) {
      // At most 100 per call: FerretDB inserts in slices of 100 and, after a slice fails, goes on
      // with the next, which would leave records after a gap in the chain.
      let inserted = 0;
      for (let start = 0; start < records.length; start += insertSlice) {
        const slice = records.slice(start, start + insertSlice).map((record) => ({ ...record }));
        try {
          await logs.insertMany(slice, { ordered: true });
          inserted += slice.length;
        } catch (error) {
          if (error instanceof MongoBulkWriteError && error.code === duplicateKey) {
            throw new ChainConflict(inserted + error.result.insertedCount);
          }
          throw error;
        }
      }
    },
    async advanceHead(head) {
      await heads
        .updateOne(
          { _id: head.chain, seq: { $lt: head.seq } },
          { $set: { seq: head.seq, hash: head.hash, until: head.until } },
          { upsert: true },
        )
        .catch((error: unknown) => {
          // The head is already further on: another writer moved it.
          if (!isDuplicate(error)) throw error;
        });
    },
  };

  const query = (filter: AuditFilter): Filter<RecordDoc> => {
    const conditions: Filter<RecordDoc>[] = [];
    if (filter.userId !== undefined) conditions.push({ userId: filter.userId });
    if (filter.action !== undefined) conditions.push({ action: filter.action });
    if (filter.from !== undefined) conditions.push({ timestamp: { $gte: filter.from } });
    if (filter.to !== undefined) conditions.push({ timestamp: { $lt: filter.to } });
    const terms = filter.text === undefined ? [] : words(filter.text);
    if (terms.length > 0) {
      conditions.push(
        capabilities.textIndex
          ? { $text: { $search: terms.map((term) => `"${term}"`).join(' ') } }
          : { tokens: { $all: terms } },
      );
    }
    return conditions.length === 0 ? {} : { $and: conditions };
  };
  const after = (cursor: AuditCursor): Filter<RecordDoc> => ({
    $or: [{ timestamp: { $lt: cursor.timestamp } }, { timestamp: cursor.timestamp, eventId: { $lt: cursor.eventId } }],
  });

  async function* cursorRecords(cursor: AsyncIterable<RecordDoc>) {
    for await (const doc of cursor) yield toRecord(doc);
  }

  const retention = options.retention;
  const appender = chainAppender(backend, retentionOf(retention.auditLogs));
  return {
    capabilities,
    retention,
    append: (records) => appender.append(records),
    async list(filter, limit, cursor) {
      const where = cursor === undefined ? query(filter) : { $and: [query(filter), after(cursor)] };
      const docs = await logs.find(where).sort({ timestamp: -1, eventId: -1 }).limit(limit).toArray();
      return docs.map(toRecord);
    },
    count: (filter) => logs.countDocuments(query(filter)),
    stream: (filter) => cursorRecords(logs.find(query(filter)).sort({ timestamp: 1, eventId: 1 }).batchSize(500)),
    chainRecords: (from, to) =>
      cursorRecords(
        logs
          .find({ chain: { $gte: from, $lte: to } })
          .sort({ chain: 1, seq: 1 })
          .batchSize(500),
      ),
    async chainHeads(from, to) {
      const docs = await heads.find({ _id: { $gte: from, $lte: to } }).toArray();
      return docs.map((doc) => ({ chain: doc._id, seq: doc.seq, hash: doc.hash, until: doc.until }));
    },
    async placeHold(hold) {
      const { userId, ...rest } = hold;
      await holds.updateOne({ _id: userId }, { $set: rest }, { upsert: true });
      const result = await logs.updateMany({ userId }, { $set: { legalHold: true, expiresAt: null } });
      return { records: result.modifiedCount };
    },
    async liftHold(userId) {
      await holds.deleteOne({ _id: userId });
      let records = 0;
      const held = logs.find({ userId, legalHold: true }, { projection: { _id: 1, recordedAt: 1, retention: 1 } });
      let batch: { _id: ObjectId; expiresAt: Date }[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const result = await logs.bulkWrite(
          batch.map((doc) => ({
            updateOne: { filter: { _id: doc._id }, update: { $set: { legalHold: false, expiresAt: doc.expiresAt } } },
          })),
        );
        records += result.modifiedCount;
        batch = [];
      };
      for await (const doc of held) {
        batch.push({ _id: doc._id, expiresAt: expiryOf(doc.recordedAt, doc.retention) });
        if (batch.length === 500) await flush();
      }
      await flush();
      return { records };
    },
    async holds() {
      const docs = await holds.find().sort({ placedAt: 1 }).toArray();
      return docs.map(({ _id, ...rest }) => ({ userId: _id, ...rest }));
    },
    async pseudonymize(userId) {
      let records = 0;
      for await (const doc of logs.find({ $or: [{ userId }, { actorId: userId }] })) {
        const next = pseudonymized(toRecord(doc));
        const { userId: subject, actorId, ipAddress, userAgent, salt, tokens } = next;
        await logs.updateOne(
          { _id: doc._id },
          { $set: { userId: subject, actorId, ipAddress, userAgent, salt, tokens } },
        );
        records += 1;
      }
      await subjects.deleteOne({ _id: userId });
      appender.forget(userId);
      await collections.api_requests.deleteMany({ userId });
      return { records };
    },
    async sweep(now) {
      const expired = { expiresAt: { $lte: now } };
      const [audit, application, api] = await Promise.all([
        removeAll(logs, { ...expired, legalHold: false }),
        removeAll(collections.application_logs, expired),
        removeAll(collections.api_requests, expired),
      ]);
      return { audit_logs: audit, application_logs: application, api_requests: api };
    },
    async appendApplicationLogs(lines) {
      if (lines.length === 0) return;
      await collections.application_logs.insertMany(
        lines.map((line) => ({ ...line, expiresAt: new Date(line.time.getTime() + retention.applicationLogs * 1000) })),
        { ordered: false },
      );
    },
    async appendApiRequests(requests) {
      if (requests.length === 0) return;
      await collections.api_requests.insertMany(
        requests.map((request) => ({
          ...request,
          expiresAt: new Date(request.time.getTime() + retention.apiRequests * 1000),
        })),
        { ordered: false },
      );
    },
    async readLogs(collection: LogCollection, limit) {
      return collections[collection]
        .find({}, { projection: { _id: 0 } })
        .sort({ time: 1 })
        .limit(limit)
        .toArray();
    },
    close: async () => undefined,
  };
}
