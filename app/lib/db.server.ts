import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { fillPlaceholders } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as tables from "~/modules/schema";

export const schema = { ...tables };
export type Db = DrizzleD1Database<typeof schema>;

const cache = new WeakMap<D1Database, Db>();

/** One Drizzle client per D1 binding (cheap, but no need to rebuild it per call). */
export function getDb(env: { DB: D1Database }): Db {
  let db = cache.get(env.DB);
  if (!db) {
    db = drizzle(env.DB, { schema });
    cache.set(env.DB, db);
  }
  return db;
}

const preparedByDb = new WeakMap<Db, Map<string, unknown>>();

/**
 * A drizzle prepared statement built once per D1 binding and reused: for the queries that run on
 * (nearly) every request — session lookup, edge-cache versions — where building the SQL each time
 * costs more CPU than the query itself. Parameters go through `sql.placeholder(name)`.
 */
export function prepared<T>(env: { DB: D1Database }, name: string, build: (db: Db) => T): T {
  const db = getDb(env);
  let byName = preparedByDb.get(db);
  if (!byName) preparedByDb.set(db, (byName = new Map()));
  let q = byName.get(name) as T | undefined;
  if (!q) byName.set(name, (q = build(db)));
  return q;
}

export type PreparedAll<R> = { all(values?: Record<string, unknown>): Promise<R> };
type Internals = { getQuery(): { params: unknown[] }; stmt: D1PreparedStatement; mapAllResult(rows: unknown, isFromBatch?: boolean): unknown };

/**
 * Runs prepared `.all()` queries (from `prepared`) as ONE D1 batch with placeholder values — what
 * `db.batch` does for query builders, minus rebuilding every statement's SQL on each request.
 * (drizzle's own batch doesn't fill placeholders.) Like any D1 batch, the rows come back keyed by
 * column name, so a joined select must not repeat a column name.
 */
export async function runPreparedBatch<const Q extends readonly PreparedAll<unknown>[]>(
  env: { DB: D1Database },
  queries: Q,
  values: Record<string, unknown>,
): Promise<{ [K in keyof Q]: Q[K] extends PreparedAll<infer R> ? R : never }> {
  const internals = queries as unknown as readonly Internals[];
  const results = await env.DB.batch(internals.map((q) => q.stmt.bind(...fillPlaceholders(q.getQuery().params, values))));
  return results.map((r, i) => internals[i].mapAllResult(r, true)) as never;
}

type BatchInternals = { _prepare(): { getQuery(): { sql: string; params: unknown[] }; mapResult(result: unknown, isFromBatch?: boolean): unknown } };

/**
 * `db.batch`, but it also takes raw `db.all(sql`…`)` statements that have parameters (drizzle
 * 0.45's D1 batch can't bind those). One D1 round trip; results typed per statement.
 */
export async function batch<const Q extends readonly BatchItem<"sqlite">[]>(env: { DB: D1Database }, queries: Q): Promise<{ [K in keyof Q]: Awaited<Q[K]> }> {
  const prepared = (queries as unknown as readonly BatchInternals[]).map((q) => q._prepare());
  const results = await env.DB.batch(prepared.map((p) => {
    const { sql, params } = p.getQuery();
    return env.DB.prepare(sql).bind(...params);
  }));
  return results.map((r, i) => prepared[i].mapResult(r, true)) as never;
}
