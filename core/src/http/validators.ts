import ajvCompiler, { type RouteDefinition, type ValidatorFactory } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

const common = { removeAdditional: false, useDefaults: true, allErrors: true } as const;

type Validate = (route: Omit<RouteDefinition, 'httpPart'> & { httpPart: string }) => unknown;
type Pool = (externalSchemas: unknown, options: { customOptions: object }) => Validate;

/**
 * Request validation with two Ajv instances: query strings, path parameters and headers are
 * text on the wire, so they are coerced to their schema's types ("7" becomes 7); JSON bodies
 * are typed already and are not (`{"refreshToken": 7}` is a 400, not the string "7").
 */
export function requestValidators(): NonNullable<FastifyServerOptions['schemaController']> {
  // At run time Fastify calls a validator with the route definition ({ schema, httpPart, … });
  // the package's declared types describe Ajv's compile(schema) instead.
  const pool = ajvCompiler() as unknown as Pool;
  const buildValidator = (externalSchemas: unknown, options: object | undefined): Validate => {
    const strict = pool(externalSchemas, { ...options, customOptions: { ...common, coerceTypes: false } });
    const coercing = pool(externalSchemas, { ...options, customOptions: { ...common, coerceTypes: 'array' } });
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
  return { compilersFactory: { buildValidator: buildValidator as unknown as ValidatorFactory } };
}
