import { DataKeyDestroyed, type UserKeyring } from '@mindflow/core/crypto';
import { AppError } from '@mindflow/core/errors';
import type { DomainEvent } from '@mindflow/core/domain';
import { createEventCodec, mindflowEvents } from '@mindflow/core/events';
import { appendToStream, newEventId, type AppendResult, type ExpectedVersion } from '@mindflow/core/eventstore';
import type { Kysely } from 'kysely';
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

export function createRecorder(keyring: UserKeyring): Recorder {
  return {
    record: async (trx, { streamId, expectedVersion, userId, events, context }) => {
      const key = await keyring.keyFor(trx, userId).catch((error: unknown) => {
        // Commands of an erased user (an access token outlives its account) change nothing.
        if (error instanceof DataKeyDestroyed) throw new AppError('UNAUTHENTICATED', 'this account has been deleted');
        throw error;
      });
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
      return appendToStream(trx, streamId, expectedVersion, encoded);
    },
  };
}
