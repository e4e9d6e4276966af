/** The admin console's SQL: today's numbers, user search, suspension writes, featured order, the action log. */
import { and, asc, desc, eq, gte, inArray, isNull, or, sql } from "drizzle-orm";
import { noProfileHold, voterSuspensionStatements } from "~/modules/standing/queries.server";
import type { BatchItem } from "drizzle-orm/batch";
import { getDb, type Db } from "~/lib/db.server";
import { sessions, users } from "~/modules/identity/schema";
import { creators } from "~/modules/storefronts/schema";
import { apps, counters } from "~/modules/apps/schema";
import { deadLetters, invoices, memberships, orders } from "~/modules/payments/schema";
import { rssTokens } from "~/modules/posts/schema";
import { reports } from "~/modules/community/schema";
import { adminActions } from "./schema";

const LIVE = ["active", "trialing", "past_due"];

/** Counts for the console's home; GMV is paid orders plus paid invoices since `monthStart`, per currency. */
export async function consoleNumbers(env: Env, monthStart: number) {
  const db = getDb(env);
  const [c, m, o, i, d, r] = await db.batch([
    db
      .select({ n: sql<number>`count(*)` })
      .from(creators)
      .where(isNull(creators.hiddenAt)),
    db
      .select({ n: sql<number>`count(DISTINCT ${memberships.userId})` })
      .from(memberships)
      .where(inArray(memberships.status, LIVE)),
    db
      .select({ currency: orders.currency, gross: sql<number>`sum(${orders.gross})` })
      .from(orders)
      .where(gte(orders.createdAt, monthStart))
      .groupBy(orders.currency),
    db
      .select({ currency: invoices.currency, gross: sql<number>`sum(${invoices.gross})` })
      .from(invoices)
      .where(gte(invoices.paidAt, monthStart))
      .groupBy(invoices.currency),
    db
      .select({ n: sql<number>`count(*)` })
      .from(deadLetters)
      .where(isNull(deadLetters.outcome)),
    db
      .select({ n: sql<number>`count(*)` })
      .from(reports)
      .where(eq(reports.status, "open")),
  ]);
  const gmv = new Map<string, number>();
  for (const r of [...o, ...i]) gmv.set(r.currency, (gmv.get(r.currency) ?? 0) + Number(r.gross));
  return {
    creators: Number(c[0]?.n ?? 0),
    members: Number(m[0]?.n ?? 0),
    gmv: [...gmv].map(([currency, amount]) => ({ currency, amount })).sort((a, b) => b.amount - a.amount),
    deadLetters: Number(d[0]?.n ?? 0),
    openReports: Number(r[0]?.n ?? 0),
  };
}

/** Accounts whose email or handle contains `q` (case-insensitive), up to 50. */
export async function searchUsers(env: Env, q: string) {
  const pattern = `%${q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return getDb(env)
    .select({
      id: users.id,
      email: users.email,
      isAdmin: users.isAdmin,
      suspendedAt: users.suspendedAt,
      suspendedReason: users.suspendedReason,
      deletedAt: users.deletedAt,
      createdAt: users.createdAt,
      handle: creators.handle,
    })
    .from(users)
    .leftJoin(creators, eq(creators.userId, users.id))
    .where(q ? or(sql`${users.email} LIKE ${pattern} ESCAPE '\\'`, sql`${creators.handle} LIKE ${pattern} ESCAPE '\\'`) : undefined)
    .orderBy(desc(users.createdAt))
    .limit(50);
}

export async function findUserForAdmin(env: Env, userId: string) {
  const rows = await getDb(env)
    .select({
      id: users.id,
      email: users.email,
      isAdmin: users.isAdmin,
      suspendedAt: users.suspendedAt,
      deletedAt: users.deletedAt,
      handle: creators.handle,
    })
    .from(users)
    .leftJoin(creators, eq(creators.userId, users.id))
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0] ?? null;
}

/** Statements that make every cached page of this creator and discovery/home miss (new keys). */
export function invalidateCreatorPages(db: Db, userId: string) {
  return [
    db
      .update(creators)
      .set({ version: sql`${creators.version} + 1` })
      .where(eq(creators.userId, userId)),
    db
      .update(counters)
      .set({ value: sql`${counters.value} + 1` })
      .where(eq(counters.name, "catalog")),
  ] as const;
}

export type ActionRow = typeof adminActions.$inferInsert;
export const logActionStatement = (db: Db, row: ActionRow) => db.insert(adminActions).values(row);

/**
 * Suspension in one batch: the flag and reason, the storefront hidden, cached pages invalidated,
 * every session and private RSS link ended, the action logged.
 */
export async function writeSuspension(env: Env, userId: string, reason: string, now: number, log: ActionRow) {
  const db = getDb(env);
  await db.batch([
    db.update(users).set({ suspendedAt: now, suspendedReason: reason }).where(eq(users.id, userId)),
    ...voterSuspensionStatements(db, userId, true),
    db.update(creators).set({ hiddenAt: now }).where(eq(creators.userId, userId)),
    ...invalidateCreatorPages(db, userId),
    db.delete(sessions).where(eq(sessions.userId, userId)),
    db.delete(rssTokens).where(eq(rssTokens.userId, userId)),
    logActionStatement(db, log),
  ]);
}

/** Appends one entry to the action log on its own (moderation actions that write elsewhere). */
export async function logAction(env: Env, row: ActionRow) {
  await logActionStatement(getDb(env), row);
}

export async function writeUnsuspension(env: Env, userId: string, log: ActionRow) {
  const db = getDb(env);
  await db.batch([
    db.update(users).set({ suspendedAt: null, suspendedReason: null }).where(eq(users.id, userId)),
    ...voterSuspensionStatements(db, userId, false),
    // A storefront an admin hid from the moderation queue stays hidden (decision 121).
    db
      .update(creators)
      .set({ hiddenAt: null })
      .where(and(eq(creators.userId, userId), noProfileHold(userId))),
    ...invalidateCreatorPages(db, userId),
    logActionStatement(db, log),
  ]);
}

/** Featured apps in editorial order (rank, then those without one), any state, with their creator. */
export async function listFeatured(env: Env) {
  return getDb(env)
    .select({
      id: apps.id,
      creatorId: apps.creatorId,
      slug: apps.slug,
      name: apps.name,
      published: apps.published,
      rank: apps.featuredRank,
      handle: creators.handle,
      hidden: sql<boolean>`${creators.hiddenAt} IS NOT NULL`,
    })
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(eq(apps.featured, true))
    .orderBy(sql`${apps.featuredRank} IS NULL`, asc(apps.featuredRank), desc(apps.trendingScore), desc(apps.id));
}

export async function findAppForAdmin(env: Env, slug: string) {
  return getDb(env).query.apps.findFirst({ where: eq(apps.slug, slug.toLowerCase()), columns: { id: true, slug: true, creatorId: true } });
}

/** Writes the featured set and order: `ids` in order get ranks 1..n; `removed` loses featured. */
export async function writeFeatured(
  env: Env,
  changes: { id: string; creatorId: string; featured: boolean; rank: number | null }[],
  log: ActionRow,
) {
  const db = getDb(env);
  const stmts: BatchItem<"sqlite">[] = [];
  for (const c of changes) {
    stmts.push(
      db
        .update(apps)
        .set({ featured: c.featured, featuredRank: c.rank, version: sql`${apps.version} + 1` })
        .where(eq(apps.id, c.id)),
    );
    stmts.push(...invalidateCreatorPages(db, c.creatorId));
  }
  await db.batch([logActionStatement(db, log), ...stmts]);
}

export async function listActions(env: Env, limit = 100) {
  return getDb(env).select().from(adminActions).orderBy(desc(adminActions.createdAt), desc(adminActions.id)).limit(limit);
}
