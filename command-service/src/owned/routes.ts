import { randomUUID } from 'node:crypto';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { RequestAuth } from '@mindflow/core/auth';
import { bearer, errorResponses, linkOperations, type HttpServer } from '@mindflow/core/http';
import type { WriteTables } from '@mindflow/core/write-model';
import type { Kysely, Transaction } from 'kysely';
import { runCommand, type CommandCall } from '../http/run-command.js';
import { CommandResult, commandHeaders, versionedCommandHeaders } from '../http/schemas.js';
import type { Recorder } from '../recorder.js';
import type { OwnedResult } from './owned-command.js';

export interface OwnedRouteDeps {
  readonly db: Kysely<WriteTables>;
  readonly auth: RequestAuth;
  readonly recorder: Recorder;
}

type Run<A extends unknown[]> = (trx: Transaction<WriteTables>, call: CommandCall, ...args: A) => Promise<OwnedResult>;

/** The routes of one kind of a writer's own things, e.g. goals: what each route's command is. */
export interface OwnedRoutes<Create extends TObject, Change extends TObject> {
  /** The collection, e.g. '/v1/goals'; one of them is `${path}/{id}`. */
  readonly path: string;
  readonly tag: string;
  /** The thing, capitalised, as the links name it: 'Goal' (ChangeGoal, RemoveGoal). */
  readonly name: string;
  /** POST {path}: a new one, under a new id. */
  readonly create: {
    readonly summary: string;
    readonly description: string;
    readonly body: Create;
    readonly run: Run<[id: string, body: Static<Create>]>;
  };
  /** PATCH {path}/{id}, If-Match required. None: such a thing is never changed, only removed. */
  readonly change?: {
    readonly summary: string;
    readonly body: Change;
    readonly run: Run<[id: string, body: Static<Change>]>;
  };
  /** DELETE {path}/{id}; `versioned`: it reads If-Match, when sent. */
  readonly remove: { readonly summary: string; readonly versioned: boolean; readonly run: Run<[id: string]> };
}

/**
 * POST {path}, PATCH and DELETE {path}/{id} of a writer's own things, each a command through
 * runCommand, with their OpenAPI links from the created one's id (and version) on.
 */
export function ownedRoutes<Create extends TObject, Change extends TObject>(
  app: HttpServer,
  deps: OwnedRouteDeps,
  routes: OwnedRoutes<Create, Change>,
): void {
  const { path, tag, name, create, change, remove } = routes;
  const versioned = change !== undefined || remove.versioned;
  const errors = versioned
    ? errorResponses(400, 401, 404, 409, 412, 422, 428)
    : errorResponses(400, 401, 404, 409, 422);
  const params = Type.Object({ id: Type.String({ format: 'uuid' }) });

  app.post(
    path,
    {
      schema: {
        tags: [tag],
        summary: create.summary,
        description: create.description,
        security: bearer,
        headers: commandHeaders,
        body: create.body,
        response: { 201: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(deps, request, reply, { status: 201 }, (trx, call) =>
        create.run(trx, call, randomUUID(), request.body as Static<Create>),
      ),
  );

  if (change !== undefined) {
    app.patch(
      `${path}/:id`,
      {
        schema: {
          tags: [tag],
          summary: change.summary,
          security: bearer,
          headers: versionedCommandHeaders,
          params,
          body: change.body,
          response: { 200: CommandResult, ...errors },
        },
      },
      async (request, reply) =>
        runCommand(deps, request, reply, { status: 200, ifMatch: 'required' }, (trx, call) =>
          change.run(trx, call, request.params.id, request.body as Static<Change>),
        ),
    );
  }

  app.delete(
    `${path}/:id`,
    {
      schema: {
        tags: [tag],
        summary: remove.summary,
        security: bearer,
        headers: commandHeaders,
        params,
        response: { 200: CommandResult, ...errors },
      },
    },
    async (request, reply) =>
      runCommand(
        deps,
        request,
        reply,
        { status: 200, ...(remove.versioned ? { ifMatch: 'optional' } : {}) },
        (trx, call) => remove.run(trx, call, request.params.id),
      ),
  );

  const id = { 'path.id': '$response.body#/id' };
  const version = { ...id, 'header.if-match': '$response.body#/version' };
  const from = `POST ${path}`;
  linkOperations(
    app,
    ...(change === undefined
      ? []
      : [{ from, status: 201, name: `Change${name}`, to: `PATCH ${path}/{id}`, parameters: version }]),
    {
      from,
      status: 201,
      name: `Remove${name}`,
      to: `DELETE ${path}/{id}`,
      parameters: remove.versioned ? version : id,
    },
  );
}
