import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { RequestAuth } from '@mindflow/core/auth';
import { AppError } from '@mindflow/core/errors';
import { readUserSince } from '@mindflow/core/eventstore';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { liveEventTypes, liveUpdateOf, type LiveHub, type LiveUpdate } from '@mindflow/core/live';
import type { Logger } from '@mindflow/core/logging';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { EventStoreDb } from '../database.js';

export interface LiveDeps {
  readonly auth: RequestAuth;
  readonly hub: LiveHub;
  readonly events: EventStoreDb;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Streams an account may have open at once. */
  readonly streamsPerUser: number;
  /** How often a stream gets a heartbeat (a comment line), and its place in the registry is renewed. */
  readonly heartbeatMs: number;
}

/** At most this many missed updates are replayed on a reconnect (the oldest first). */
export const replayLimit = 1_000;

/** One update as an SSE message: its position is the id a reconnect sends back as Last-Event-ID. */
const message = (update: LiveUpdate) =>
  `id: ${update.position}\nevent: ${update.type}\ndata: ${JSON.stringify(update)}\n\n`;

/**
 * GET /v1/stream: the caller's live updates as Server-Sent Events, `{ type, id, position }`
 * each (ids only), from every device's writes. A reconnect with Last-Event-ID is first replayed
 * what it missed, from the event store; updates published meanwhile wait, and none is sent twice.
 */
export function liveRoutes(app: HttpServer, deps: LiveDeps): void {
  const open = new Gauge({
    name: 'mindflow_live_streams_open',
    help: 'Live update streams (GET /v1/stream) open in this process',
    registers: [deps.metrics],
  });
  const staleMs = deps.heartbeatMs * 3;
  // The server waits for open connections as it closes: a stream never ends by itself.
  const ending = new Set<() => Promise<void>>();
  app.addHook('preClose', async () => {
    await Promise.all([...ending].map((end) => end()));
  });

  app.get(
    '/v1/stream',
    {
      schema: {
        tags: ['live'],
        summary: 'Your live updates, as Server-Sent Events',
        description: [
          'Each message is `{ type, id, position }` (entry-created, entry-updated, entry-deleted, entry-restored, analysis-ready, insight-ready), the event name being its type. Ids only, never journal text.',
          'An update is sent once the read model shows it: a read on it sees it (or send its `position` as X-Min-Position). The SSE id is the position: reconnect with Last-Event-ID to be sent what you missed (at most 1,000).',
          'A browser’s EventSource, which cannot send the Authorization header, is signed in by the `mindflow_stream` cookie that sign-in and refresh set (httpOnly, SameSite=Strict, sent to this route only).',
          `A comment line is sent as a heartbeat. An account may have ${deps.streamsPerUser} streams open at once; one more is 429 TOO_MANY_STREAMS, with Retry-After.`,
        ].join(' '),
        security: [...bearer, { streamCookie: [] }],
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$', description: 'the id of the last message received' }),
          ),
        }),
        response: {
          200: {
            description: 'an endless stream of messages',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errorResponses(400, 401, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { userId } = await deps.auth.authenticate(request);
      const connectionId = randomUUID();
      if (!(await deps.hub.open(userId, connectionId, deps.streamsPerUser, staleMs))) {
        // A hint: a stream closed by its client frees its place at once, one whose client vanished
        // within a few heartbeats, one whose process died within its alive key's life.
        throw new AppError(
          'TOO_MANY_STREAMS',
          `You have ${deps.streamsPerUser} live update streams open already; close one first.`,
          { headers: { 'retry-after': String(Math.max(1, Math.ceil(deps.heartbeatMs / 1000))) } },
        );
      }
      const out = new PassThrough();
      // How long a client waits before it reconnects (SSE `retry`).
      out.write('retry: 2000\n\n');
      const replayed = new Set<number>();
      const waiting: LiveUpdate[] = [];
      let replaying = true;
      let ended = false;
      let stop: (() => Promise<void>) | undefined;
      let heartbeat: NodeJS.Timeout | undefined = undefined;
      const send = (update: LiveUpdate) => {
        if (!ended && !replayed.has(update.position)) out.write(message(update));
      };
      const end = async () => {
        if (ended) return;
        ended = true;
        ending.delete(end);
        clearInterval(heartbeat);
        out.end();
        open.dec();
        await stop?.().catch(() => undefined);
        await deps.hub.close(userId, connectionId).catch(() => undefined);
      };
      open.inc();
      ending.add(end);
      // The client went away (or the server closes): the stream's place is freed, also when it
      // goes while the stream is still being set up.
      reply.raw.once('close', () => void end());
      // Gone while its place was taken: its 'close' came before the listener above.
      if (reply.raw.destroyed) void end();
      try {
        stop = await deps.hub.listen(
          userId,
          (update) => (replaying ? waiting.push(update) : send(update)),
          () => void end(),
        );
        // Ended while the hub was subscribing (`end` ends `out` at once): it found nothing to stop then.
        if (out.writableEnded) await stop().catch(() => undefined);
        const last = request.headers['last-event-id'];
        if (typeof last === 'string') {
          for (const event of await readUserSince(deps.events, userId, Number(last), liveEventTypes, replayLimit)) {
            const update = liveUpdateOf(event);
            if (update === undefined) continue;
            send(update);
            replayed.add(update.position);
          }
        }
      } catch (error) {
        await end();
        throw error;
      }
      replaying = false;
      for (const update of waiting.splice(0)) send(update);
      // Ended already (told it was lost while it was set up, or the client gone): no heartbeat,
      // whose touch would register the closed stream again.
      if (!out.writableEnded) {
        heartbeat = setInterval(() => {
          out.write(': heartbeat\n\n');
          deps.hub.touch(userId, connectionId, staleMs).catch((error: unknown) => {
            deps.logger.warn({ err: error, userId }, 'live updates: could not renew a stream');
          });
        }, deps.heartbeatMs);
      }
      // The schema's type provider expects a string; a stream is what SSE needs.
      return (reply as FastifyReply)
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(out);
    },
  );
}
