import { enterUserFence, isUserErased, UserErasedError, type UserKeyring } from '@mindflow/core/crypto';
import {
  createEventCodec,
  mindflowEvents,
  type DecodedEvent,
  type EventData,
  type MindflowEvents,
} from '@mindflow/core/events';
import { appendToStream, newEventId, type AppendResult } from '@mindflow/core/eventstore';
import type { WorkerDb } from './database.js';

const codec = createEventCodec(mindflowEvents);

type Derived = 'EntryAnalyzed' | 'EntryAnalysisWithdrawn' | 'InsightGenerated' | 'ThumbnailGenerated';

/**
 * Appends an event the ai-worker derived, sealed with its owner's key, inside the caller's
 * transaction. Its metadata says it was the worker (a system actor) and which event caused it.
 * Of an erased user, nothing is appended: it throws UserErasedError (not retriable), whether the
 * erasure committed before (the fence or the keyring say so) or while it waited (the trigger).
 */
export async function appendDerived<T extends Derived>(
  trx: WorkerDb,
  keyring: UserKeyring,
  derived: {
    readonly streamId: string;
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
        actorId: 'ai-worker',
        actorRole: 'system',
        ...(derived.cause === undefined ? {} : { causationId: derived.cause.eventId }),
        ...(correlationId === undefined ? {} : { correlationId }),
      },
    } as Parameters<typeof codec.encode>[0],
    key,
  );
  return appendToStream(trx, derived.streamId, 'any', [encoded]).catch(erased);
}
