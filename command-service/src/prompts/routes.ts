import { Type } from '@sinclair/typebox';
import { promptThemes } from '@mindflow/core/domain';
import { nonBlankText, type HttpServer } from '@mindflow/core/http';
import { ownedRoutes, type OwnedRouteDeps } from '../owned/routes.js';
import { runPromptCommand } from './service.js';

/** POST /v1/prompts and DELETE /v1/prompts/{id}: a writer's own writing prompts (their text sealed). */
export function promptRoutes(app: HttpServer, deps: OwnedRouteDeps) {
  ownedRoutes(app, deps, {
    path: '/v1/prompts',
    tag: 'prompts',
    name: 'Prompt',
    create: {
      summary: 'Add a writing prompt of your own',
      description:
        'It joins the prompts of the day (GET /v1/prompts/today) from the next day on, so that the prompt of a day never changes.',
      body: Type.Object(
        {
          text: nonBlankText(500),
          theme: Type.Optional(
            Type.Union([
              Type.String({ pattern: `^(${promptThemes.join('|')})$`, description: promptThemes.join(', ') }),
              Type.Null(),
            ]),
          ),
        },
        { additionalProperties: false },
      ),
      run: (trx, call, promptId, { text, theme }) =>
        runPromptCommand(
          deps.recorder,
          trx,
          call.caller.userId,
          { type: 'AddPrompt', promptId, text, theme: theme ?? null },
          call.context,
        ),
    },
    remove: {
      summary: 'Remove a writing prompt of yours',
      versioned: false,
      run: (trx, call, promptId) =>
        runPromptCommand(deps.recorder, trx, call.caller.userId, { type: 'RemovePrompt', promptId }, call.context),
    },
  });
}
