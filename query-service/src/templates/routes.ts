import { builtInTemplates } from '@mindflow/core/domain';
import { Mood } from '@mindflow/core/events';
import { bearer, errorResponses, type HttpServer } from '@mindflow/core/http';
import { Type } from '@sinclair/typebox';
import { beginRead, readAnswer, readHeaders, type ReadDeps } from '../http/reader.js';

const Template = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  title: Type.String(),
  content: Type.String(),
  tags: Type.Array(Type.String()),
  mood: Type.Union([Mood, Type.Null()]),
  builtIn: Type.Boolean({ description: 'shipped with MindFlow (in your language); it cannot be changed' }),
  version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'send as If-Match to change it (null for a built-in one)',
  }),
});

/** GET /v1/templates: the built-in templates (in the caller's language), then the caller's own. */
export function templateReadRoutes(app: HttpServer, deps: ReadDeps): void {
  app.get(
    '/v1/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'The entry templates you can write from: the built-in ones, then yours',
        security: bearer,
        headers: readHeaders,
        response: {
          200: readAnswer(Type.Object({ items: Type.Array(Template) })),
          ...errorResponses(400, 401, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const reader = await beginRead(deps, request, reply);
      await reader.point();
      const [profile, own] = await Promise.all([
        deps.db.selectFrom('profile_view').select('language').where('user_id', '=', reader.userId).executeTakeFirst(),
        deps.db
          .selectFrom('template_view')
          .selectAll()
          .where('user_id', '=', reader.userId)
          .where('removed', '=', false)
          .orderBy('created_at')
          .orderBy('template_id')
          .execute(),
      ]);
      const language = profile?.language === 'pt' ? 'pt' : 'en';
      return {
        items: [
          ...builtInTemplates.map(({ id, fields }) => ({
            id,
            ...fields[language],
            tags: [...fields[language].tags],
            builtIn: true,
            version: null,
          })),
          ...own.map((row) => ({
            id: row.template_id,
            name: row.name,
            title: row.title,
            content: row.content,
            tags: row.tags,
            mood: row.mood as (typeof Template.static)['mood'],
            builtIn: false,
            version: row.version,
          })),
        ],
      };
    },
  );
}
