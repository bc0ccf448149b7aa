import { Type } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { decideInsightRequest, localDate, insightStream } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { newEventId } from '@mindflow/core/eventstore';
import { InsightKind } from '@mindflow/core/events';
import { bearer, EntryDate, errorResponses, linkOperations, type HttpServer } from '@mindflow/core/http';
import { createCounters } from '@mindflow/core/counters';
import type { RedisConnection } from '@mindflow/core/redis';
import type { Kysely } from 'kysely';
import type { WriteTables } from '@mindflow/core/write-model';
import { runCommand } from '../http/run-command.js';
import { CommandResult, commandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';

/** On-demand insights a user may ask for: each is a model call when one is configured. */
export const insightRequestLimit = { points: 10, windowSeconds: 3_600 } as const;

export interface InsightRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly recorder: Recorder;
  readonly auth: RequestAuth;
  /** The counters' home: in process without it, and while it is away. */
  readonly redis: RedisConnection | undefined;
}

export function insightRoutes(app: HttpServer, deps: InsightRouteDeps): void {
  const requests = createCounters({
    redis: deps.redis,
    keyPrefix: 'ratelimit:insights',
    windowSeconds: insightRequestLimit.windowSeconds,
  });

  app.post(
    '/v1/insights',
    {
      schema: {
        tags: ['insights'],
        summary: `Ask for an insight over a period (at most ${String(insightRequestLimit.points)} an hour)`,
        description:
          'Answers 202 at once; the insight appears in GET /v1/insights/{id} once the ai-worker has written it.',
        security: bearer,
        headers: commandHeaders,
        body: Type.Object({ type: InsightKind, from: EntryDate, to: EntryDate }, { additionalProperties: false }),
        response: { 202: CommandResult, ...errorResponses(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authorize(request);
      const asked = await requests.add(caller.userId);
      if (asked.count > insightRequestLimit.points) {
        const wait = Math.max(1, Math.ceil(asked.msBeforeReset / 1000));
        throw new AppError('RATE_LIMITED', `too many insight requests: try again in ${String(wait)} s`, {
          headers: { 'retry-after': String(wait) },
        });
      }
      return runCommand(deps, request, reply, { status: 202 }, async (trx, call) => {
        const userId = call.caller.userId;
        const user = await trx
          .selectFrom('users')
          .innerJoin('user_settings', 'user_settings.user_id', 'users.id')
          .select(['users.timezone', 'user_settings.private_mode'])
          .where('users.id', '=', userId)
          .executeTakeFirstOrThrow();
        const insightId = newEventId();
        const events = decideInsightRequest(request.body, {
          insightId,
          privateMode: user.private_mode,
          today: localDate(call.context.now, user.timezone),
        });
        const appended = await deps.recorder.record(trx, {
          streamId: insightStream(insightId),
          expectedVersion: 0,
          userId,
          events,
          context: call.context,
        });
        return { id: insightId, version: appended.streamVersion, position: appended.position };
      });
    },
  );
  linkOperations(app, {
    from: 'POST /v1/insights',
    status: 202,
    name: 'GetInsight',
    to: 'GET /v1/insights/{id}',
    parameters: { 'path.id': '$response.body#/id' },
  });
}
