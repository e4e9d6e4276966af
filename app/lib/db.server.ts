import { drizzle, SQLiteD1Session, type DrizzleD1Database } from "drizzle-orm/d1";
import { fillPlaceholders } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as tables from "~/modules/schema";

export const schema = { ...tables };
export type Db = DrizzleD1Database<typeof schema>;

const cache = new WeakMap<D1Database, Db>();

/**
 * D1 read replication (decision D59): a request's `env.DB` is one D1 session (`withD1Session`), so
 * reads may be served by a nearby replica while staying sequentially consistent. A session has
 * `prepare` and `batch` (all drizzle and this module use), not `exec`/`dump`/`withSession`. Each
 * session remembers the binding it was opened on, so per-binding work is done once, not per request.
 */
const sessionBase = new WeakMap<object, D1Database>();

/**
 * `env` with `DB` replaced by a new D1 session on `env.DB` (a constraint or a bookmark). The other
 * bindings are inherited, not copied (copying them costs more than the rest of this): don't spread
 * the result (`{ ...env }` would keep only `DB`).
 */
export function withD1Session<E extends { DB: D1Database }>(env: E, constraintOrBookmark: D1SessionConstraint | D1SessionBookmark): E {
  const base = sessionBase.get(env.DB) ?? env.DB;
  const session = base.withSession(constraintOrBookmark);
  sessionBase.set(session, base);
  return Object.create(env, { DB: { value: session, enumerable: true } }) as E;
}

/** The session's latest bookmark (null before its first query, or when `env.DB` is not a session). */
export function d1Bookmark(env: { DB: D1Database }): string | null {
  return sessionBase.has(env.DB) ? (env.DB as unknown as D1DatabaseSession).getBookmark() : null;
}

/** One Drizzle client per D1 binding or session (a session's is a light view of its binding's). */
export function getDb(env: { DB: D1Database }): Db {
  let db = cache.get(env.DB);
  if (!db) {
    const base = sessionBase.get(env.DB);
    db = base ? onSession(getDb({ DB: base }), env.DB) : drizzle(env.DB, { schema });
    cache.set(env.DB, db);
  }
  return db;
}

type DbInternals = { session: { dialect: unknown; schema: unknown; options: unknown }; query: Record<string, object> };

/**
 * The binding's drizzle client with its session swapped for one on `client`: query builders read
 * `this.session`, so a view that overrides it (and `db.query.<table>` views, made when first used)
 * runs everything on the D1 session — without rebuilding the relational builders of every table.
 */
function onSession(base: Db, client: D1Database): Db {
  const b = base as unknown as DbInternals;
  const D1Session = SQLiteD1Session as unknown as new (...args: unknown[]) => object;
  const session = new D1Session(client, b.session.dialect, b.session.schema, b.session.options);
  const tables: Record<string, object> = {};
  const query = new Proxy(b.query, {
    get: (target, name) =>
      typeof name === "string" && name in target
        ? (tables[name] ??= Object.create(target[name], { session: { value: session } }))
        : Reflect.get(target, name),
  });
  return Object.create(base, { session: { value: session }, query: { value: query }, $client: { value: client } }) as Db;
}

const preparedByDb = new WeakMap<Db, Map<string, unknown>>();
const viewsBySession = new WeakMap<object, Map<string, unknown>>();

/**
 * A drizzle prepared statement built once per D1 binding and reused: for the queries that run on
 * (nearly) every request — session lookup, edge-cache versions — where building the SQL each time
 * costs more CPU than the query itself. Parameters go through `sql.placeholder(name)`.
 * On a request's D1 session it answers a view of the binding's statement(s) whose D1 statement
 * belongs to the session, so the query runs (and moves the bookmark) there.
 */
export function prepared<T>(env: { DB: D1Database }, name: string, build: (db: Db) => T): T {
  const base = sessionBase.get(env.DB);
  if (base) {
    let views = viewsBySession.get(env.DB);
    if (!views) viewsBySession.set(env.DB, (views = new Map()));
    let v = views.get(name) as T | undefined;
    if (!v) views.set(name, (v = onSessionView(prepared({ DB: base }, name, build), env.DB) ?? build(getDb(env))));
    return v;
  }
  const db = getDb(env);
  let byName = preparedByDb.get(db);
  if (!byName) preparedByDb.set(db, (byName = new Map()));
  let q = byName.get(name) as T | undefined;
  if (!q) byName.set(name, (q = build(db)));
  return q;
}

type PreparedInternals = { stmt: D1PreparedStatement; getQuery(): { sql: string } };
const isPrepared = (q: unknown): q is PreparedInternals =>
  typeof q === "object" && q !== null && "stmt" in q && typeof (q as PreparedInternals).getQuery === "function";

/** The same prepared query (or array of them) with its D1 statement prepared on `session`; null if unknown. */
function onSessionView<T>(q: T, session: D1Database): T | null {
  const view = (p: PreparedInternals) =>
    Object.create(p, { stmt: { value: session.prepare(p.getQuery().sql), writable: true } }) as PreparedInternals;
  if (isPrepared(q)) return view(q) as T;
  if (Array.isArray(q) && q.every(isPrepared)) return q.map(view) as T;
  return null;
}

export type PreparedAll<R> = { all(values?: Record<string, unknown>): Promise<R> };
type Internals = {
  getQuery(): { params: unknown[] };
  stmt: D1PreparedStatement;
  mapAllResult(rows: unknown, isFromBatch?: boolean): unknown;
};

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

type BatchInternals = {
  _prepare(): { getQuery(): { sql: string; params: unknown[] }; mapResult(result: unknown, isFromBatch?: boolean): unknown };
};

/**
 * `db.batch`, but it also takes raw `db.all(sql`…`)` statements that have parameters (drizzle
 * 0.45's D1 batch can't bind those). One D1 round trip; results typed per statement.
 */
export async function batch<const Q extends readonly BatchItem<"sqlite">[]>(
  env: { DB: D1Database },
  queries: Q,
): Promise<{ [K in keyof Q]: Awaited<Q[K]> }> {
  const prepared = (queries as unknown as readonly BatchInternals[]).map((q) => q._prepare());
  const results = await env.DB.batch(
    prepared.map((p) => {
      const { sql, params } = p.getQuery();
      return env.DB.prepare(sql).bind(...params);
    }),
  );
  return results.map((r, i) => prepared[i].mapResult(r, true)) as never;
}
