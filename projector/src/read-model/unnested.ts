import { sql, type AliasedRawBuilder, type RawBuilder } from 'kysely';

/** A column of rows given as one array, and the PostgreSQL type of its elements. */
export interface Column<T> {
  readonly values: readonly T[];
  readonly type: 'uuid' | 'text' | 'int' | 'bigint' | 'boolean' | 'date';
}

/**
 * Rows passed column by column, as a FROM item named `alias`: `(select unnest($1::uuid[]) as a,
 * unnest($2::int[]) as b …)`. One parameter per column whatever the number of rows, for the
 * set-based `UPDATE … FROM` and `DELETE … USING` that multi-row VALUES cannot express in Kysely.
 */
export function unnested<Row extends Record<string, unknown>, A extends string>(
  alias: A,
  columns: { readonly [K in keyof Row & string]: Column<Row[K]> },
): AliasedRawBuilder<Row, A> {
  const parts = Object.entries(columns).map(
    ([name, column]: [string, Column<unknown>]) =>
      sql`unnest(${column.values}::${sql.raw(column.type)}[]) as ${sql.ref(name)}`,
  );
  return sql<Row>`(select ${sql.join(parts)})`.as(alias);
}

/**
 * Rows given as one JSON parameter, typed by `table`'s row type (in the search path, so a
 * rebuild's shadow table): `select a, b … from json_populate_recordset(null::table, $1)`, for an
 * `INSERT … SELECT`. One parameter and one JSON text whatever the number of rows: cheaper to
 * build, send and parse than a bound value per column per row. Keys are the column names; a
 * Date goes as its ISO text, an array as a JSON array (a PostgreSQL array once populated), an
 * object as JSON (for a json or jsonb column). Strings must be text (decoding makes what it
 * opens text): PostgreSQL refuses the escape of a lone surrogate or of U+0000.
 */
export function recordset<Row extends object>(
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
): RawBuilder<Row> {
  return sql<Row>`select ${sql.join(columns.map((column) => sql.ref(column)))}
    from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)`;
}

/** Values as one array parameter, for `column = any(…)`: one parameter whatever their number. */
export function anyOf(values: readonly string[], type: 'uuid' | 'text'): RawBuilder<string> {
  return sql<string>`any(${values}::${sql.raw(type)}[])`;
}
