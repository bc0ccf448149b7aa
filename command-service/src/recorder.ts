import { enterUserFence, isUserErased, type UserKeyring } from '@mindflow/core/crypto';
import { AppError } from '@mindflow/core/errors';
import type { DomainEvent } from '@mindflow/core/domain';
import { createEventCodec, mindflowEvents } from '@mindflow/core/events';
import { appendToStream, newEventId, type AppendResult, type ExpectedVersion } from '@mindflow/core/eventstore';
import type { Kysely, Transaction } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';

/** Who asks, from where, and when: the metadata every event of a request carries. */
export interface RequestContext {
  readonly requestId: string;
  readonly actorId: string | undefined;
  readonly actorRole: string | undefined;
  readonly ip: string;
  readonly userAgent: string | undefined;
  readonly traceparent: string | undefined;
  readonly now: Date;
}

export interface Recording {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  /** Whose data the events hold: their personal fields are sealed with this user's key. */
  readonly userId: string;
  readonly events: readonly DomainEvent[];
  readonly context: RequestContext;
}

export interface Recorder {
  /** Encodes (validates, seals) and appends the events, inside the caller's transaction. */
  record(trx: Kysely<WriteTables>, recording: Recording): Promise<AppendResult>;
}

const codec = createEventCodec(mindflowEvents);

/** What a command of an erased user gets (an access token outlives its account): it changes nothing. */
const accountErased = (cause: unknown) => new AppError('UNAUTHENTICATED', 'this account has been deleted', { cause });

/**
 * Enters the erasure fence of the user a command acts for, first thing in its transaction (see
 * enterUserFence): an erasure in progress is waited for, then the command is refused as
 * UNAUTHENTICATED; an erasure that comes later waits for this transaction to end.
 */
export async function enterFence(trx: Kysely<WriteTables>, userId: string): Promise<void> {
  await enterUserFence<WriteTables>(trx, userId).catch((error: unknown) => {
    throw isUserErased(error) ? accountErased(error) : error;
  });
}

/**
 * Runs `work` in a transaction that enters the user's erasure fence before anything else. Every
 * transaction that appends for a user opens this way (or through runIdempotent, which does the
 * same): one that locked a row first (an entry, an attachment, a refresh token) and only then met
 * the fence in the events trigger would hold that row while it waits on an erasure that waits on
 * the row, a deadlock PostgreSQL breaks by failing one side.
 */
export async function inUserTransaction<T>(
  db: Kysely<WriteTables>,
  userId: string,
  work: (trx: Transaction<WriteTables>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await enterFence(trx, userId);
    return work(trx);
  });
}

export function createRecorder(keyring: UserKeyring): Recorder {
  return {
    record: async (trx, { streamId, expectedVersion, userId, events, context }) => {
      const refuseErased = (error: unknown) => {
        throw isUserErased(error) ? accountErased(error) : error;
      };
      const key = await keyring.keyFor(trx, userId).catch(refuseErased);
      const metadata = {
        requestId: context.requestId,
        correlationId: context.requestId,
        ip: context.ip,
        ...(context.actorId === undefined ? {} : { actorId: context.actorId }),
        ...(context.actorRole === undefined ? {} : { actorRole: context.actorRole }),
        ...(context.userAgent === undefined ? {} : { userAgent: context.userAgent }),
        ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
      };
      const encoded = events.map((event) =>
        codec.encode({ ...event, eventId: newEventId(), occurredAt: context.now, userId, metadata }, key),
      );
      // The events trigger refuses an event of an erased user, whoever appends it.
      return appendToStream(trx, streamId, expectedVersion, encoded).catch(refuseErased);
    },
  };
}
