import { Type } from '@sinclair/typebox';
import { AppError } from '@mindflow/core/errors';
import { errorResponses, type HttpServer } from '@mindflow/core/http';
import { emailSettingOf, type UnsubscribeTokens } from '@mindflow/core/mail';
import type { FastifyRequest } from 'fastify';
import { runCommand } from '../http/run-command.js';
import type { UserRouteDeps } from './routes.js';
import { turnEmailOff } from './service.js';

const Token = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[0-9a-fA-F-]{36}\\.[a-z]+\\.[A-Za-z0-9_-]+$',
      description: 'the signed token of an email’s unsubscribe link',
    }),
  },
  { additionalProperties: false },
);

const Unsubscribed = Type.Object({
  setting: Type.Union([
    Type.Literal('emailReminderToWrite'),
    Type.Literal('emailWeeklyInsights'),
    Type.Literal('emailMonthlyInsights'),
  ]),
  enabled: Type.Literal(false),
  position: Type.Integer({ description: 'the settings change (0: it was off already)' }),
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${String(char.codePointAt(0))};`);
const page = (body: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>MindFlow email</title><main style="font-family:system-ui;max-width:32rem;margin:3rem auto;line-height:1.5">${body}</main></html>`;

/**
 * The unsubscribe link of every email (RFC 8058). POST turns that kind of email off without a
 * sign-in: the token, signed by the server, names the writer and the kind, and can do nothing
 * else; a forged or altered one is 403. Mail clients POST `List-Unsubscribe=One-Click` as a
 * form; a browser following the link GETs a page whose button does the same (a GET changes
 * nothing: link scanners follow links).
 */
export function unsubscribeRoutes(app: HttpServer, deps: UserRouteDeps & { readonly tokens: UnsubscribeTokens }) {
  const named = (request: FastifyRequest) => {
    const found = deps.tokens.read((request.query as { token: string }).token);
    if (found === undefined) throw new AppError('FORBIDDEN', 'this unsubscribe link is not valid');
    return found;
  };

  app.get(
    '/v1/unsubscribe',
    {
      schema: {
        tags: ['me'],
        summary: 'The page an email’s unsubscribe link opens in a browser',
        querystring: Token,
        response: {
          200: { description: 'a page with one button', content: { 'text/html': { schema: Type.String() } } },
          ...errorResponses(400, 403),
        },
      },
    },
    async (request, reply) => {
      const { kind } = named(request);
      const action = `/v1/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            `<h1>Stop these emails?</h1><p>You will no longer get MindFlow’s ${escapeHtml(kind)} emails. You can turn them on again in your settings.</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Stop these emails</button></form>`,
          ),
        );
    },
  );

  app.register(async (scope) => {
    // Mail clients send the one-click request as a form (RFC 8058); its only field says so.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.post(
      '/v1/unsubscribe',
      {
        schema: {
          tags: ['me'],
          summary: 'Turn off the kind of email a signed unsubscribe link names (one click, no sign-in)',
          description:
            'RFC 8058 one-click: the body, if any, is the form `List-Unsubscribe=One-Click`. A forged or altered token is 403.',
          querystring: Token,
          response: { 200: Unsubscribed, ...errorResponses(400, 403, 404) },
        },
      },
      async (request, reply) => {
        const { userId, kind } = named(request);
        const setting = emailSettingOf[kind];
        return runCommand(
          deps,
          request,
          reply.code(200),
          { status: 200, caller: () => ({ userId, roles: ['user'], sessionId: 'unsubscribe-link' }) },
          async (trx, call) => {
            const result = await turnEmailOff(deps.recorder, trx, userId, setting, call.context);
            return { ...result, setting, enabled: false as const };
          },
        );
      },
    );
  });
}
