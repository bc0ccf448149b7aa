import { createHash } from 'node:crypto';
import type pg from 'pg';

/** Which statements a pool keeps prepared. */
export interface PreparedStatementOptions {
  /** A statement is named once its text has been run this many times in the process. */
  readonly after: number;
  /** At most this many named statements, so at most this many on any connection. */
  readonly limit: number;
  /** Longer texts (bulk statements, whose text changes with their number of rows) stay unnamed. */
  readonly maxLength: number;
}

export const defaultPreparedStatements: PreparedStatementOptions = Object.freeze({
  after: 3,
  limit: 1_000,
  maxLength: 8_192,
});

/**
 * A `*` in a select list or a `returning` (`select *`, `select "t".*`, `s.t.*`, `(t).*`,
 * `returning *`): a result whose columns are the table's, so a migration that adds a column
 * changes its type. Not the `*` of `count(*)`. (A multiplication written ` * ` is taken for one
 * too: it only stays unnamed.)
 */
const starColumns = /(?:^|[\s,])(?:(?:"(?:[^"]|"")*"|\w+|\([^)]*\))\.)*\*(?=[\s,;)]|::|$)/;

/**
 * Names the statements run often: PostgreSQL then parses and plans each once per connection (a
 * named prepared statement, which node-postgres prepares on a connection's first use) instead of
 * on every call. Parsing and planning an unnamed statement took more of the server's time than
 * running it (bench/RESULTS.md, commands). Statements without parameters go unnamed and keep
 * the simple protocol (a text of several statements, `begin`). A plan follows DDL:
 * PostgreSQL plans a named statement again when a table it names is altered, swapped or
 * dropped, or the search path changes. What it cannot follow is a result whose columns changed:
 * texts that select `*` stay unnamed, so that a migration adding a column while processes serve
 * fails none of their statements.
 */
export function statementNames(
  options: PreparedStatementOptions = defaultPreparedStatements,
): (text: string) => string | undefined {
  const names = new Map<string, string>();
  const runs = new Map<string, number>();
  const starred = new Set<string>();
  return (text) => {
    const name = names.get(text);
    if (name !== undefined || text.length > options.maxLength || names.size >= options.limit) return name;
    if (starred.has(text)) return undefined;
    if (starColumns.test(text)) {
      if (starred.size < options.limit) starred.add(text);
      return undefined;
    }
    const count = (runs.get(text) ?? 0) + 1;
    if (count < options.after) {
      // Texts that never come back (an IN list of every length) do not pile up.
      if (runs.size >= options.limit * 10) runs.clear();
      runs.set(text, count);
      return undefined;
    }
    runs.delete(text);
    const named = `mf_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, named);
    return named;
  };
}

/**
 * Runs `client`'s parameterised statements that `nameOf` names as named prepared statements.
 * PostgreSQL refuses to run one whose result changed type since it was prepared (a column of its
 * result given another type, by a migration while the process runs): the name is then retired
 * on this connection, and the statement prepared again under another. Outside a transaction the
 * call is run again at once; inside one, the transaction has failed and its error is the caller's
 * (once per statement and connection).
 */
export function prepareNamedStatements(client: pg.PoolClient, nameOf: (text: string) => string | undefined): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const retired = new Map<string, number>();
  const named = async (name: string, text: string, values: unknown[], again = true): Promise<unknown> => {
    const generation = retired.get(name) ?? 0;
    try {
      return await query({ name: generation === 0 ? name : `${name}_${String(generation)}`, text, values });
    } catch (error) {
      if (!resultTypeChanged(error)) throw error;
      retired.set(name, generation + 1);
      if (!again || client.getTransactionStatus() !== 'I') throw error;
      return named(name, text, values, false);
    }
  };
  const run = (...args: unknown[]) => {
    const [text, values] = args;
    if (args.length === 2 && typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = nameOf(text);
      if (name !== undefined) return named(name, text, values);
    }
    return query(...args);
  };
  client.query = run as typeof client.query;
}

/** PostgreSQL's "cached plan must not change result type". */
function resultTypeChanged(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '0A000' &&
    (error as { routine?: unknown }).routine === 'RevalidateCachedQuery'
  );
}
