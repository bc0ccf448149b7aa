import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type Env = Readonly<Record<string, string | undefined>>;

/** A bad or missing environment variable; the message names it. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/**
 * Reads the variables a schema names from `env`, applies defaults, converts strings to the
 * schema's types and validates. Unknown variables are ignored; empty ones count as unset.
 * Throws a ConfigError naming the first bad variable. The result is frozen.
 *
 * @example
 *   const env = readEnv(Type.Object({ PORT: Type.Integer({ default: 3000 }) }), process.env);
 */
export function readEnv<T extends TObject>(schema: T, env: Env): Readonly<Static<T>> {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') picked[name] = raw.trim();
  }
  const fail = (variable: string, problem: string): never => {
    const description: unknown = schema.properties[variable]?.description;
    const hint = typeof description === 'string' ? ` (${description})` : '';
    throw new ConfigError(variable, `Environment variable ${variable} ${problem}${hint}`);
  };
  // TypeBox converts "3.5" to the integer 3; a configuration must say what it means.
  for (const [name, raw] of Object.entries(picked)) {
    if (schema.properties[name]?.type === 'integer' && !/^[+-]?\d+$/.test(String(raw))) {
      fail(name, 'is invalid: Expected integer');
    }
  }
  const value = Value.Convert(schema, Value.Default(schema, picked));
  const error = Value.Errors(schema, value).First();
  if (error !== undefined) {
    const variable = error.path.split('/')[1] ?? error.path;
    fail(variable, picked[variable] === undefined ? 'is required' : `is invalid: ${error.message}`);
  }
  return Object.freeze(value as Static<T>);
}
