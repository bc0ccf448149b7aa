import type { AuditStore } from '@mindflow/core/audit';
import { defaultSettings } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readStream, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
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
}

/** The fields an update's "before" is made of, by event type; none for other events. */
function factFields(event: RecordedEvent): readonly string[] {
  if (event.type === 'EntryUpdated') return entryFactFields;
  if (event.type === 'UserProfileUpdated') return profileFactFields;
  if (event.type === 'SettingsUpdated') return Object.keys(event.data);
  return [];
}

/**
 * The facts as they stood before an update, folded from its stream. They are never personal
 * (dates, moods, settings, time zones), so they are read without opening sealed fields.
 */
async function factsBefore<W extends EventStoreTables>(writeDb: Kysely<W>, event: RecordedEvent): Promise<Facts> {
  const fields = factFields(event);
  if (fields.length === 0) return {};
  const facts: Record<string, unknown> = event.type === 'SettingsUpdated' ? { ...defaultSettings } : {};
  for (const earlier of await readStream(writeDb, event.streamId)) {
    if (earlier.streamVersion >= event.streamVersion) break;
    const data = (earlier.data.changes ?? earlier.data) as Facts;
    for (const field of fields) if (field in data) facts[field] = data[field];
  }
  return facts;
}

/**
 * The audit trail: one record per audited event, appended to the audit store (hash-chained,
 * idempotent by event id, so redeliveries and replays add nothing). Erasure leaves the
 * subject's records under their pseudonym.
 */
export function auditTrail<W extends EventStoreTables, R extends RuntimeTables>(
  options: AuditTrailOptions<W, R>,
): HostedProjection {
  return hostExternalProjection(
    'audit',
    options.readDb,
    options.runtime ?? standaloneServices(),
    async (deliveries) => {
      const records = [];
      const erased: string[] = [];
      for (const { event } of deliveries) {
        if (!isAudited(event.type as DecodedEvent<MindflowEvents>['type'])) continue;
        const decoded = await options.decode(event);
        const record = auditRecordOf(decoded, await factsBefore(options.writeDb, event));
        if (record !== undefined) records.push(record);
        if (event.type === 'UserErased' && event.userId !== null) erased.push(event.userId);
      }
      if (records.length > 0) await options.store.append(records);
      for (const userId of erased) await options.store.pseudonymize(userId);
    },
  );
}
