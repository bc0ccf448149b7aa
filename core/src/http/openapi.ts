import type { FastifyInstance } from 'fastify';
import { rateLimitHeaders, retryAfterHeader } from './rate-limits.js';

/**
 * What /openapi.json says beyond each route's own schema, so that the document describes
 * exactly what the server accepts and answers: text is refused with U+0000 anywhere (the
 * boundary check in server.ts), a parameter with a default may be left out, links tell
 * clients (and stateful testers) where an answer's ids lead, and the answers of a rate-limited
 * route carry its budget's headers.
 */

declare module 'fastify' {
  interface FastifyInstance {
    /** Links between operations that /openapi.json states; services add theirs (see linkOperations). */
    openapiLinks: OperationLink[];
  }
}

/** A link from one operation's answer to another operation (OpenAPI `links`). */
export interface OperationLink {
  /** The operation whose answer holds the value, e.g. `POST /v1/entries`, and the status. */
  readonly from: string;
  readonly status: number;
  /** The link's name in the document, e.g. `GetEntry`. */
  readonly name: string;
  /** The operation it leads to, e.g. `GET /v1/entries/{id}`. */
  readonly to: string;
  /** The target's parameters, each a runtime expression such as `$response.body#/id`. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** States links between operations in /openapi.json, e.g. from a created entry's id to reading it. */
export function linkOperations(app: FastifyInstance, ...links: OperationLink[]): void {
  app.openapiLinks.push(...links);
}

/** Where a route's schema states its multipart file part for the document (see multipartFile). */
const multipartKey = 'x-multipart-file';

interface MultipartFile {
  readonly field: string;
  readonly description: string;
  readonly contentTypes: readonly string[];
}

/**
 * The route-schema keys of an upload that takes one file part, `field`, as multipart/form-data:
 * the document states it as the operation's requestBody. Fastify does not validate multipart
 * bodies (the route reads its part, and answers 400 VALIDATION_FAILED when there is none);
 * `contentTypes` are the part's types the document names (the server tells a file's type by its
 * bytes).
 */
export function multipartFile(field: string, description: string, contentTypes: readonly string[]) {
  const file: MultipartFile = { field, description, contentTypes };
  return { consumes: ['multipart/form-data'], [multipartKey]: file };
}

function isMultipartFile(
  value: Json | undefined,
): value is JsonObject & { field: string; description: string; contentTypes: string[] } {
  return (
    isObject(value) &&
    typeof value.field === 'string' &&
    typeof value.description === 'string' &&
    Array.isArray(value.contentTypes) &&
    value.contentTypes.every((type) => typeof type === 'string')
  );
}

/** Operations that declared a multipart file (multipartFile) get it as their requestBody. */
function describeMultipart(paths: JsonObject): void {
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      if (!isObject(operation)) continue;
      const file = operation[multipartKey];
      // The key only carries the description to here: it leaves the document.
      Reflect.deleteProperty(operation, multipartKey);
      if (!isMultipartFile(file)) continue;
      operation.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: [file.field],
              properties: { [file.field]: { type: 'string', format: 'binary', description: file.description } },
              additionalProperties: false,
            },
            encoding: { [file.field]: { contentType: file.contentTypes.join(', ') } },
          },
        },
      };
    }
  }
}

/** Text without U+0000: what the server's boundary admits in every string. */
export const textPattern = '^[^\\u0000]*$';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string schema with no pattern, format or enum of its own gets the text pattern. */
function refuseNul(schema: Json): void {
  if (Array.isArray(schema)) {
    for (const item of schema) refuseNul(item);
    return;
  }
  if (!isObject(schema)) return;
  const plainString =
    schema.type === 'string' &&
    schema.pattern === undefined &&
    schema.format === undefined &&
    schema.enum === undefined &&
    schema.const === undefined &&
    schema.contentMediaType === undefined;
  if (plainString) schema.pattern = textPattern;
  for (const [key, value] of Object.entries(schema)) {
    // `example(s)` and `default` are values, not schemas.
    if (key !== 'example' && key !== 'examples' && key !== 'default') refuseNul(value);
  }
}

/** A parameter with a default is filled in by the server: it is not required. */
function defaultsAreOptional(paths: JsonObject): void {
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      if (!isObject(operation) || !Array.isArray(operation.parameters)) continue;
      for (const parameter of operation.parameters) {
        if (isObject(parameter) && isObject(parameter.schema) && parameter.schema.default !== undefined) {
          parameter.required = false;
        }
      }
    }
  }
}

function operationRef(operation: string): { method: string; path: string } {
  const [method = '', path = ''] = operation.split(' ');
  return { method: method.toLowerCase(), path };
}

function addLinks(paths: JsonObject, links: readonly OperationLink[]): void {
  for (const link of links) {
    const from = operationRef(link.from);
    const to = operationRef(link.to);
    const operations = paths[from.path];
    const operation = isObject(operations) ? operations[from.method] : undefined;
    const responses = isObject(operation) ? operation.responses : undefined;
    const response = isObject(responses) ? responses[String(link.status)] : undefined;
    const target = paths[to.path];
    // A service run alone documents only its own routes: a link to another's is left out.
    if (!isObject(response) || !isObject(target) || !isObject(target[to.method])) continue;
    const existing = isObject(response.links) ? response.links : {};
    response.links = {
      ...existing,
      [link.name]: {
        operationRef: `#/paths/${to.path.replaceAll('~', '~0').replaceAll('/', '~1')}/${to.method}`,
        parameters: { ...link.parameters },
      },
    };
  }
}

/**
 * An operation that may answer 429 is behind the rate limits: each of its answers carries the
 * budget's headers, and its 429 Retry-After (installRateLimits).
 */
function documentRateLimits(paths: JsonObject): void {
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      const responses = isObject(operation) ? operation.responses : undefined;
      if (!isObject(responses) || !isObject(responses['429'])) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (!isObject(response)) continue;
        response.headers = {
          ...(isObject(response.headers) ? response.headers : {}),
          ...structuredClone(rateLimitHeaders),
          ...(status === '429' ? structuredClone(retryAfterHeader) : {}),
        };
      }
    }
  }
}

/** The document Fastify's swagger plugin built, completed as described above (in place). */
export function completeOpenApi<T extends object>(document: T, links: readonly OperationLink[]): T {
  const json = document as unknown as JsonObject;
  const paths = isObject(json.paths) ? json.paths : {};
  refuseNul(paths);
  if (isObject(json.components)) refuseNul(json.components);
  defaultsAreOptional(paths);
  describeMultipart(paths);
  addLinks(paths, links);
  documentRateLimits(paths);
  return document;
}
