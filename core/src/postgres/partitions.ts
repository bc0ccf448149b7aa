import { sql, type Kysely } from 'kysely';

export interface Partition {
  readonly name: string;
  /** Its bound, as `create table … partition of … <bound>` takes it. */
  readonly bound: string;
}

/**
 * The partitions of a partitioned table, named as the search path resolves it or with its
 * schema (`schema.table`); none for a plain table.
 */
export async function partitionsOf<DB>(db: Kysely<DB>, table: string): Promise<Partition[]> {
  const rows = await sql<Partition>`
    select child.relname as name, pg_get_expr(child.relpartbound, child.oid) as bound
    from pg_inherits join pg_class child on child.oid = pg_inherits.inhrelid
    where pg_inherits.inhparent = ${table}::regclass
    order by child.relname`.execute(db);
  return rows.rows;
}
