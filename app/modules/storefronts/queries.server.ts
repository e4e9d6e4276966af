import { and, desc, eq, gt, sql } from "drizzle-orm";
import { getDb, prepared } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { creators, handleRedirects } from "./schema";
import { creatorStats } from "~/modules/follows/schema";

export async function findCreatorByHandle(env: Env, handle: string) {
  return getDb(env).query.creators.findFirst({ where: eq(creators.handle, handle.toLowerCase()) });
}

export async function findCreatorByUserId(env: Env, userId: string) {
  return getDb(env).query.creators.findFirst({ where: eq(creators.userId, userId) });
}

/** Newest creators first; used by the home page until discovery ranks them. */
export async function listCreators(env: Env, limit = 24) {
  return getDb(env).query.creators.findMany({ orderBy: [desc(creators.createdAt)], limit });
}

/**
 * Edge-cache version of `/@handle`: the storefront version (bumped by every edit shown on it,
 * including app changes) plus the follower count, so neither an edit nor a follow serves a stale page.
 */
export async function storefrontCacheVersion(env: Env, handle: string): Promise<string | null> {
  const r = await prepared(env, "storefrontCacheVersion", (db) =>
    db
      .select({ v: creators.version, f: creatorStats.followerCount })
      .from(creators)
      .leftJoin(creatorStats, eq(creatorStats.creatorId, creators.userId))
      .where(eq(creators.handle, sql.placeholder("handle")))
      .prepare(),
  ).get({ handle: handle.toLowerCase() });
  return r ? `v${r.v}.f${r.f ?? 0}` : null;
}

// ── Handle changes (D62) ────────────────────────────────────────────────────────────────────────

/** The live reservation of a handle given up by a rename (null when none or expired). */
export async function findLiveHandleRedirect(env: Env, handle: string) {
  const row = await getDb(env).query.handleRedirects.findFirst({ where: eq(handleRedirects.oldHandle, handle.toLowerCase()) });
  return row && row.expiresAt > nowSeconds() ? row : null;
}

/** Where `/@old` points now: the current handle of the person who gave `old` up, within 90 days. */
export async function currentHandleFor(env: Env, oldHandle: string): Promise<string | null> {
  const [row] = await getDb(env)
    .select({ handle: creators.handle })
    .from(handleRedirects)
    .innerJoin(creators, eq(creators.userId, handleRedirects.userId))
    .where(and(eq(handleRedirects.oldHandle, oldHandle.toLowerCase()), gt(handleRedirects.expiresAt, nowSeconds())))
    .limit(1);
  return row?.handle ?? null;
}

/**
 * The rename in one batch: the new handle (and a version bump, so no cached page of either handle
 * is reused), the old one reserved and redirected for `ttl` seconds, and any earlier reservation
 * of the new handle (the person's own, or an expired one) dropped.
 */
export async function renameHandle(env: Env, userId: string, from: string, to: string, ttl: number) {
  const db = getDb(env);
  const now = nowSeconds();
  await db.batch([
    db.delete(handleRedirects).where(eq(handleRedirects.oldHandle, to)),
    db
      .update(creators)
      .set({ handle: to, handleChangedAt: now, updatedAt: now, version: sql`${creators.version} + 1` })
      .where(and(eq(creators.userId, userId), eq(creators.handle, from))),
    db
      .insert(handleRedirects)
      .values({ oldHandle: from, userId, expiresAt: now + ttl, createdAt: now })
      .onConflictDoUpdate({ target: handleRedirects.oldHandle, set: { userId, expiresAt: now + ttl, createdAt: now } }),
  ]);
}
