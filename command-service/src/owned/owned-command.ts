import type { DomainEvent } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import type { WriteTables } from '@mindflow/core/write-model';
import { sql, type Kysely, type Selectable } from 'kysely';
import { checkExpectedVersion } from '../http/expected-version.js';
import type { Recorder, RequestContext } from '../recorder.js';

/** The tables of a writer's own things, one row each: its owner, and whether it was removed. */
export type OwnedTable = 'goals' | 'templates' | 'prompts';

export type OwnedRow<T extends OwnedTable> = Selectable<WriteTables[T]> & {
  readonly user_id: string;
  readonly removed_at: Date | null;
};

/** One command on a writer's own thing (a goal, a template, a prompt), which is its own stream. */
export interface OwnedCommand<T extends OwnedTable, S> {
  readonly table: T;
  /** Its name in errors: "no such goal". */
  readonly what: string;
  readonly id: string;
  readonly streamId: string;
  /** Its state as its row (none yet: undefined) holds it. */
  readonly state: (row: OwnedRow<T> | undefined) => S;
  /** Its version as its row holds it (the number of events on its stream). */
  readonly version: (row: OwnedRow<T>) => number;
  /**
   * The command's events, or the rule it breaks. `owned()` counts the writer's things of this
   * kind that are not removed, under a lock held to the end of the transaction: a cap on them
   * holds however many commands run at once.
   */
  readonly decide: (state: S, owned: () => Promise<number>) => Promise<readonly DomainEvent[]>;
  /** Keeps the row in step with one event, the thing then being at version `next`. */
  readonly keep: (event: DomainEvent, next: number) => Promise<void>;
}

export interface OwnedResult {
  readonly id: string;
  readonly version: number;
  /** The position of its last event (0 when the command changed nothing). */
  readonly position: number;
}

/**
 * Runs a command on a writer's own thing: locks its row (404 when it is another writer's, as
 * when there is none), checks If-Match against its version, decides, keeps the row in step and
 * records the events on its stream, in the caller's transaction.
 */
export async function runOwnedCommand<T extends OwnedTable, S>(
  recorder: Recorder,
  trx: Kysely<WriteTables>,
  userId: string,
  expectedVersion: number | undefined,
  context: RequestContext,
  command: OwnedCommand<T, S>,
): Promise<OwnedResult> {
  const { rows } = await sql<OwnedRow<T>>`
    select * from ${sql.table(command.table)} where id = ${command.id} for update
  `.execute(trx);
  const row = rows[0];
  if (row !== undefined && row.user_id !== userId) throw new AppError('NOT_FOUND', `no such ${command.what}`);
  const version = row === undefined ? 0 : command.version(row);
  if (row !== undefined) checkExpectedVersion(command.what, expectedVersion, version);
  const events = await command.decide(command.state(row), () => countOwned(trx, command.table, userId));
  if (events.length === 0) return { id: command.id, version, position: 0 };
  const next = version + events.length;
  for (const event of events) await command.keep(event, next);
  const appended = await recorder.record(trx, {
    streamId: command.streamId,
    expectedVersion: version,
    userId,
    events,
    context,
  });
  return { id: command.id, version: next, position: appended.position };
}

/**
 * The writer's things in `table` that are not removed. The writer's lock on that table is taken
 * first and held to the transaction's end, so that two creations at once are counted one after
 * the other: without it, each counts before the other's row is committed, and both pass a cap.
 */
async function countOwned(trx: Kysely<WriteTables>, table: OwnedTable, userId: string): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`mindflow:owned:${table}:${userId}`}, 0))`.execute(trx);
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ${sql.table(table)} where user_id = ${userId} and removed_at is null
  `.execute(trx);
  return rows[0]?.n ?? 0;
}
