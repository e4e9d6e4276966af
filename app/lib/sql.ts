import { getTableName, sql, type Column, type SQL } from "drizzle-orm";

/**
 * A column as `"table"."column"`, always. Drizzle writes a column inside a `sql` template WITHOUT
 * its table when the outer query selects from one table, so in a correlated subquery
 * `${inner.col} = ${outer.col}` both names resolve to the inner table and the test compares a
 * column with itself. Hand-built subqueries name outer columns (and the inner ones they compare
 * with) through this.
 */
export function qualified(column: Column): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}
