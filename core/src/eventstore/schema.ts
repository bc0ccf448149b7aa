import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** The events table, as Kysely sees it (migrations/src/write/0001-event-store.ts). */
export interface EventsTable {
  global_position: ColumnType<string, never, never>;
  transaction_id: Generated<string>;
  event_id: string;
  type: string;
  schema_version: number;
  stream_id: string;
  stream_version: number;
  user_id: string | null;
  occurred_at: ColumnType<Date, Date, never>;
  recorded_at: Generated<Date>;
  data: JSONColumnType<Record<string, unknown>>;
  metadata: JSONColumnType<Record<string, unknown>>;
}

export interface EventStoreTables {
  events: EventsTable;
}
