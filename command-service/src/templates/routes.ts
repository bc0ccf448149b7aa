import { Type } from '@sinclair/typebox';
import { Mood } from '@mindflow/core/events';
import { nonBlankText, type HttpServer } from '@mindflow/core/http';
import { ownedRoutes, type OwnedRouteDeps } from '../owned/routes.js';
import { runTemplateCommand } from './service.js';

const templateFields = {
  name: nonBlankText(100),
  title: nonBlankText(200),
  content: Type.String({ maxLength: 10_000, description: 'Markdown' }),
  tags: Type.Array(nonBlankText(50), { maxItems: 20 }),
  mood: Type.Union([Mood, Type.Null()]),
};

/** POST /v1/templates, PATCH and DELETE /v1/templates/{id}: a writer's entry templates (their text sealed). */
export function templateRoutes(app: HttpServer, deps: OwnedRouteDeps) {
  ownedRoutes(app, deps, {
    path: '/v1/templates',
    tag: 'templates',
    name: 'Template',
    create: {
      summary: 'Save an entry template',
      description: 'POST /v1/entries with `templateId` fills the fields its body leaves out from it.',
      body: Type.Object(
        {
          name: templateFields.name,
          title: templateFields.title,
          content: templateFields.content,
          tags: Type.Optional(templateFields.tags),
          mood: Type.Optional(templateFields.mood),
        },
        { additionalProperties: false },
      ),
      run: (trx, call, templateId, template) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'CreateTemplate', templateId, template },
          undefined,
          call.context,
        ),
    },
    change: {
      summary: 'Change some fields of a template (If-Match required)',
      body: Type.Partial(Type.Object(templateFields), { additionalProperties: false, minProperties: 1 }),
      run: (trx, call, templateId, changes) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'ChangeTemplate', templateId, changes },
          call.expectedVersion,
          call.context,
        ),
    },
    remove: {
      summary: 'Remove a template of yours (the built-in ones stay)',
      versioned: true,
      run: (trx, call, templateId) =>
        runTemplateCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'RemoveTemplate', templateId },
          call.expectedVersion,
          call.context,
        ),
    },
  });
}
