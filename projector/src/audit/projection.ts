import type { AuditStore, NewAuditRecord } from '@mindflow/core/audit';
import { defaultReminders, defaultSettings } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readStream, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import { sql, type Kysely } from 'kysely';
import {
  hostExternalProjection,
  standaloneServices,
  type RuntimeServices,
  type HostedProjection,
  type RuntimeTables,
} from '@mindflow/core/projections';
import { auditRecordOf, entryFactFields, isAudited, profileFactFields, type Facts } from './records.js';

export interface AuditTrailOptions<W extends EventStoreTables, R extends RuntimeTables> {
  readonly store: AuditStore;
  readonly writeDb: Kysely<W>;
  readonly readDb: Kysely<R>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /** Metrics, logs, the erasure fence and the failure policy of the runtime hosting it. */
  readonly runtime?: RuntimeServices;
  /** Where its offsets and dead letters are kept: `audit` unless a rebuild runs it under its own. */
  readonly name?: string;
}

/** The fields an update's "before" is made of, by event type; none for other events. */
function factFields(event: RecordedEvent): readonly string[] {
  if (event.type === 'EntryUpdated') return entryFactFields;
  if (event.type === 'UserProfileUpdated') return profileFactFields;
  if (event.type === 'SettingsUpdated' || event.type === 'RemindersSet') return Object.keys(event.data);
  return [];
}

/**
 * The facts as they stood before an update, folded from its stream. They are never personal
 * (dates, moods, settings, time zones), so they are read without opening sealed fields.
 */
async function factsBefore<W extends EventStoreTables>(writeDb: Kysely<W>, event: RecordedEvent): Promise<Facts> {
  const fields = factFields(event);
  if (fields.length === 0) return {};
  // Settings and reminders are each replaced whole, by their own event only.
  const wholes: Record<string, Facts> = {
    SettingsUpdated: { ...defaultSettings },
    RemindersSet: { ...defaultReminders },
  };
  const whole = wholes[event.type];
  const facts: Record<string, unknown> = { ...whole };
  for (const earlier of await readStream(writeDb, event.streamId)) {
    if (earlier.streamVersion >= event.streamVersion) break;
    if (whole !== undefined && earlier.type !== event.type) continue;
    const data = (earlier.data.changes ?? earlier.data) as Facts;
    for (const field of fields) if (field in data) facts[field] = data[field];
  }
  return facts;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The users among `ids` whose UserErased is in the log (erased_users, written with it). */
async function erasedAmong<W extends EventStoreTables>(writeDb: Kysely<W>, ids: readonly string[]): Promise<string[]> {
  const userIds = ids.filter((id) => uuid.test(id));
  if (userIds.length === 0) return [];
  const rows = await sql<{ user_id: string }>`
    select user_id::text as user_id from erased_users where user_id = any(${userIds}::uuid[])`.execute(writeDb);
  return rows.rows.map((row) => row.user_id);
}

/** The name the audit trail keeps its offsets and dead letters under. */
export const auditProjectionName = 'audit';

/**
 * The audit trail: one record per audited event, appended to the audit store (hash-chained,
 * idempotent by event id, so redeliveries and replays add nothing). Erasure leaves the
 * subject's records under their pseudonym; a record that arrives after its subject's erasure
 * (a dead letter replayed, a rebuild filling a gap) is put under a pseudonym at once. An event
 * older than the audit retention gets no record: its record would have been removed already.
 */
export function auditTrail<W extends EventStoreTables, R extends RuntimeTables>(
  options: AuditTrailOptions<W, R>,
): HostedProjection {
  const { store } = options;
  return hostExternalProjection(
    options.name ?? auditProjectionName,
    options.readDb,
    options.runtime ?? standaloneServices(),
    async (deliveries) => {
      const records: NewAuditRecord[] = [];
      const erased = new Set<string>();
      const keptSince = Date.now() - store.retention.auditLogs * 1000;
      for (const { event } of deliveries) {
        if (!isAudited(event.type as DecodedEvent<MindflowEvents>['type'])) continue;
        if (event.type === 'UserErased' && event.userId !== null) erased.add(event.userId);
        if (event.occurredAt.getTime() <= keptSince) continue;
        const decoded = await options.decode(event);
        const record = auditRecordOf(decoded, await factsBefore(options.writeDb, event));
        if (record !== undefined) records.push(record);
      }
      if (records.length > 0 && (await store.append(records)).appended > 0) {
        const subjects = new Set(records.flatMap((record) => [record.userId, record.actorId]));
        const late = [...subjects].filter((id): id is string => id !== null && !erased.has(id));
        for (const userId of await erasedAmong(options.writeDb, late)) erased.add(userId);
      }
      for (const userId of erased) await store.pseudonymize(userId);
    },
  );
}
