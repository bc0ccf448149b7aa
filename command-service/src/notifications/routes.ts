import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { decideNotificationRead, notificationState, notificationStream } from '@mindflow/core/domain';
import { readStream } from '@mindflow/core/eventstore';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { runCommand } from '../http/run-command.js';
import { CommandResult, commandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';

export interface NotificationRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly auth: RequestAuth;
}

/** POST /v1/notifications/{id}/read: marks one of your notifications read (again: nothing changes). */
export function notificationRoutes(app: HttpServer, deps: NotificationRouteDeps): void {
  app.post(
    '/v1/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark one of your notifications read',
        description:
          'Reading it again changes nothing (the answer has its current version). Another user’s notification is 404.',
        security: bearer,
        headers: commandHeaders,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 200: CommandResult, ...errorResponses(400, 401, 404, 409, 422, 429) },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 200 }, async (trx, call) => {
        const notificationId = request.params.id;
        const streamId = notificationStream(notificationId);
        const stream = await readStream<WriteTables>(trx, streamId);
        const state = notificationState(stream);
        const events = decideNotificationRead(state, { userId: call.caller.userId, notificationId });
        if (events.length === 0 || state === undefined) {
          return { id: notificationId, version: state?.version ?? 0, position: stream.at(-1)?.globalPosition ?? 0 };
        }
        const appended = await deps.recorder.record(trx, {
          streamId,
          expectedVersion: state.version,
          userId: call.caller.userId,
          events,
          context: call.context,
        });
        return { id: notificationId, version: appended.streamVersion, position: appended.position };
      }),
  );
}
