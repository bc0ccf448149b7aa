import type { Kysely } from 'kysely';
import {
  enterUserFence,
  isUserErased,
  UserErasedError,
  type ErasedUsersTables,
  type UserKeyring,
  type UserKeysTables,
} from '../crypto/index.js';
import {
  createEventCodec,
  mindflowEvents,
  type DecodedEvent,
  type EventData,
  type MindflowEvents,
} from '../events/index.js';
import {
  appendToStream,
  newEventId,
  type AppendResult,
  type EventStoreTables,
  type ExpectedVersion,
} from '../eventstore/index.js';

/** What appending a derived event touches: the events, the user's key, and the erasure fence. */
type DerivedTables = EventStoreTables & UserKeysTables & ErasedUsersTables;

const codec = createEventCodec(mindflowEvents);

type Derived =
  'EntryAnalyzed' | 'EntryAnalysisWithdrawn' | 'InsightGenerated' | 'ThumbnailGenerated' | 'NotificationRaised';

/**
 * Appends an event a worker derived from others (the ai-worker's analyses and insights, the
 * notifier's notifications), sealed with its owner's key, inside the caller's transaction. Its
 * metadata says it was that worker (a system actor) and which event caused it; `expectedVersion`
 * (default any) makes an append that must come first fail when it was made already.
 * Of an erased user, nothing is appended: it throws UserErasedError (not retriable), whether the
 * erasure committed before (the fence or the keyring say so) or while it waited (the trigger).
 */
export async function appendDerived<T extends Derived>(
  /** A write database or transaction (any typing of it: only the event store and keys are used). */
  database: Pick<Kysely<unknown>, 'isTransaction'>,
  keyring: UserKeyring,
  derived: {
    readonly streamId: string;
    readonly expectedVersion?: ExpectedVersion;
    /** Who derived it (default the ai-worker). */
    readonly actorId?: string;
    readonly userId: string;
    readonly type: T;
    readonly data: EventData<MindflowEvents, T>;
    readonly cause?: Pick<DecodedEvent<MindflowEvents>, 'eventId' | 'metadata'>;
    readonly at: Date;
  },
): Promise<AppendResult> {
  const erased = (error: unknown) => {
    throw isUserErased(error) && !(error instanceof UserErasedError)
      ? new UserErasedError(derived.userId, { cause: error })
      : error;
  };
  // Kysely is invariant in its tables: only these are used here (every write database has them).
  const trx = database as unknown as Kysely<DerivedTables>;
  await enterUserFence(trx, derived.userId);
  const key = await keyring.keyFor(trx, derived.userId).catch(erased);
  const correlationId = derived.cause?.metadata.correlationId ?? derived.cause?.metadata.requestId;
  const encoded = codec.encode(
    {
      eventId: newEventId(),
      type: derived.type,
      data: derived.data,
      occurredAt: derived.at,
      userId: derived.userId,
      metadata: {
        actorId: derived.actorId ?? 'ai-worker',
        actorRole: 'system',
        ...(derived.cause === undefined ? {} : { causationId: derived.cause.eventId }),
        ...(correlationId === undefined ? {} : { correlationId }),
      },
    } as Parameters<typeof codec.encode>[0],
    key,
  );
  return appendToStream(trx, derived.streamId, derived.expectedVersion ?? 'any', [encoded]).catch(erased);
}
