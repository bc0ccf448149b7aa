import type { WriteTables } from '@mindflow/core/write-model';
import type { RuntimeTables } from '@mindflow/core/projections';
import type { ColumnType, Kysely } from 'kysely';

type DateText = ColumnType<string, string, string>;
type Json<T> = ColumnType<T, string, string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** The ai-worker's own tables in the write database (migrations/src/write/0005-ai-worker.ts). */
export interface AiTables {
  entry_analyses: {
    entry_id: string;
    user_id: string;
    entry_version: number;
    score: number;
    label: string;
    themes: Json<{ phrase: string; count: number }[]>;
    language: string;
    analyzed_at: Defaulted<Date>;
  };
  insight_schedule: { user_id: string; kind: 'weekly' | 'monthly'; next_from: DateText };
  insight_periods: {
    user_id: string;
    kind: string;
    period_from: DateText;
    period_to: DateText;
    insight_id: string;
    created_at: Defaulted<Date>;
  };
  insight_requests: {
    insight_id: string;
    user_id: string;
    kind: string;
    period_from: DateText;
    period_to: DateText;
    requested_at: Defaulted<Date>;
  };
}

/** The write database as the ai-worker sees it: the command side's tables, the runtime's and its own. */
export type WorkerTables = WriteTables & RuntimeTables & AiTables;
export type WorkerDb = Kysely<WorkerTables>;
