import type { ColumnType, Generated } from 'kysely';

/** The runtime's own tables in the read database (migrations/src/read/0002, 0003). */
export interface RuntimeTables {
  projection_offsets: {
    projection: string;
    partition: string;
    offset: string;
    updated_at: ColumnType<Date, never, Date>;
  };
  dead_letters: {
    id: Generated<string>;
    projection: string;
    event_id: string;
    event: ColumnType<unknown, string, string>;
    error: string;
    attempts: number;
    created_at: ColumnType<Date, never, never>;
    replayed_at: Date | null;
  };
}
