import pg from 'pg';

/**
 * How MindFlow reads PostgreSQL values: as node-postgres does, except `date`, which stays the
 * 'YYYY-MM-DD' string it is. (By default it becomes a JS Date at local midnight, which shifts
 * entry dates in any time zone but UTC.)
 */
export const pgTypes = new pg.TypeOverrides();
pgTypes.setTypeParser(pg.types.builtins.DATE, 'text', (value: string) => value);
