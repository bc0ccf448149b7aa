import {
  decideEntry,
  evolveEntry,
  type CountedDay,
  type EntryCommand,
  type EntryInput,
  type EntryState,
  entryStream,
} from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { StreamVersionConflict } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../auth/service.js';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Recorder, RequestContext } from '../recorder.js';
import { lockEntry, refreshStreaks, saveEntry } from './repository.js';
import { entryProgress, unlockAchievements } from '../achievements/unlock.js';
import { checkExpectedVersion } from '../http/expected-version.js';

export interface EntryDeps {
  readonly recorder: Recorder;
}

export interface EntryResult {
  readonly id: string;
  readonly version: number;
  /** The global position of the event appended (0 when the command changed nothing). */
  readonly position: number;
}

/**
 * Creates an entry for the caller. A second entry for the same date is a CONFLICT, and so is an
 * `entryId` that exists. An id the caller has just made (`id.fresh`: a random UUID) is not looked
 * up; were it ever taken, the stream's first version would be, and the command refused.
 */
export async function createEntry(
  deps: EntryDeps,
  trx: Kysely<WriteTables>,
  userId: string,
  entryId: string,
  entry: EntryInput,
  context: RequestContext,
  id: { readonly fresh: boolean } = { fresh: false },
): Promise<EntryResult> {
  if (!id.fresh && (await lockEntry(trx, entryId)) !== undefined)
    throw new AppError('CONFLICT', `entry ${entryId} already exists`);
  return apply(deps, trx, userId, { entryId, version: 0 }, { type: 'CreateEntry', entryId, entry }, context);
}

/**
 * Changes, deletes or restores one of the caller's entries. Another user's entry is NOT_FOUND;
 * an `expectedVersion` other than the entry's is PRECONDITION_FAILED, naming the current one.
 */
export async function changeEntry(
  deps: EntryDeps,
  trx: Kysely<WriteTables>,
  userId: string,
  entryId: string,
  expectedVersion: number | undefined,
  command: Exclude<EntryCommand, { type: 'CreateEntry' }>,
  context: RequestContext,
): Promise<EntryResult> {
  const stored = await lockEntry(trx, entryId);
  if (stored?.userId !== userId) throw new AppError('NOT_FOUND', 'no such entry');
  checkExpectedVersion('entry', expectedVersion, stored.state.version);
  return apply(deps, trx, userId, { entryId, version: stored.state.version }, command, context, stored.state);
}

async function apply(
  deps: EntryDeps,
  trx: Kysely<WriteTables>,
  userId: string,
  at: { entryId: string; version: number },
  command: EntryCommand,
  context: RequestContext,
  current: Parameters<typeof decideEntry>[1] = { status: 'absent' },
): Promise<EntryResult> {
  const events = decideEntry(command, current);
  if (events.length === 0) return { id: at.entryId, version: at.version, position: 0 };
  const next = events.reduce(evolveEntry, current);
  if (next.status === 'absent') throw new Error('unreachable: an entry event left no entry');
  try {
    const linkedTags = current.status === 'absent' ? null : current.tags;
    await saveEntry(trx, userId, next, next.status === 'deleted' ? context.now : null, linkedTags);
    const appended = await deps.recorder.record(trx, {
      streamId: entryStream(at.entryId),
      expectedVersion: at.version,
      userId,
      events,
      context,
    });
    const stats = await refreshStreaks(trx, userId, context.now, countedDay(current), countedDay(next));
    const progress = await entryProgress(trx, userId, context.now, stats);
    await unlockAchievements(deps.recorder, trx, userId, progress, context);
    return { id: at.entryId, version: appended.streamVersion, position: appended.position };
  } catch (error) {
    if (isUniqueViolation(error, 'journal_entries_one_per_day')) {
      throw new AppError('CONFLICT', `there is already an entry for ${next.date}`, { cause: error });
    }
    if (error instanceof StreamVersionConflict) {
      throw new AppError('PRECONDITION_FAILED', 'the entry changed meanwhile: read it again', { cause: error });
    }
    throw error;
  }
}

/** An entry as the streaks and totals count it: not at all when it is absent or deleted. */
function countedDay(state: EntryState): CountedDay | undefined {
  return state.status === 'active' ? { date: state.date, words: state.wordCount } : undefined;
}
