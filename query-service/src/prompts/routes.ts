import { localDate, promptOfDay } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const OwnPrompt = Type.Object({
  id: Type.String({ format: 'uuid' }),
  text: Type.String(),
  theme: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

const PromptOfDay = Type.Object({
  id: Type.String({ description: 'send as promptId with the entry written from it' }),
  text: Type.String(),
  theme: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('library'), Type.Literal('mine')]),
  language: Type.String({ description: 'the language it is given in: your profile’s (the library has en and pt)' }),
  date: Type.String({ format: 'date', description: 'your day it is the prompt of' }),
});

/** GET /v1/prompts (the caller's own) and GET /v1/prompts/today (one prompt for the caller's day). */
export function promptReadRoutes(app: HttpServer, deps: ReadDeps): void {
  const own = (userId: string) =>
    deps.db
      .selectFrom('prompt_view')
      .select(['prompt_id', 'text', 'theme', 'created_at'])
      .where('user_id', '=', userId)
      .where('removed', '=', false)
      .orderBy('created_at')
      .orderBy('prompt_id')
      .execute();

  app.get(
    '/v1/prompts',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Your own writing prompts',
        security: bearer,
        headers: readHeaders,
        response: {
          200: readAnswer(Type.Object({ items: Type.Array(OwnPrompt) })),
          ...errorResponses(400, 401, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const rows = await own(reader.userId);
      return {
        items: rows.map((row) => ({
          id: row.prompt_id,
          text: row.text,
          theme: row.theme,
          createdAt: row.created_at.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/v1/prompts/today',
    {
      schema: {
        tags: ['prompts'],
        summary: 'The writing prompt of your day',
        description:
          'The same all day (your time zone), another the next day. From the library (in your language) and your own prompts (`from=all`, the default), or only one of them. Your prompts join from the day after you add them.',
        security: bearer,
        headers: readHeaders,
        querystring: Type.Object(
          {
            from: Type.Union([Type.Literal('all'), Type.Literal('library'), Type.Literal('mine')], { default: 'all' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: readAnswer(PromptOfDay), ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const [profile, rows] = await Promise.all([
        deps.db
          .selectFrom('profile_view')
          .select(['timezone', 'language'])
          .where('user_id', '=', reader.userId)
          .executeTakeFirst(),
        own(reader.userId),
      ]);
      if (profile === undefined) throw new AppError('NOT_FOUND', 'no profile yet; retry with X-Min-Position');
      const today = localDate(deps.now(), profile.timezone);
      const pool = rows
        .filter((row) => localDate(row.created_at, profile.timezone) < today)
        .map((row) => ({ id: row.prompt_id, text: row.text, theme: row.theme }));
      const drawn = promptOfDay(reader.userId, today, profile.language, pool, request.query.from);
      if (drawn === undefined) {
        throw new AppError('NOT_FOUND', 'no prompt of yours yet: those you add join from the next day');
      }
      const language = drawn.source === 'library' && profile.language !== 'pt' ? 'en' : profile.language;
      return { ...drawn, language, date: today };
    },
  );
}
