import { sql, type AliasedRawBuilder } from 'kysely';

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
