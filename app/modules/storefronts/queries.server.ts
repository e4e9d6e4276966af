import { and, desc, eq, gt, sql, isNull } from "drizzle-orm";
import { getDb, prepared } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { creators, handleRedirects, handleReservations } from "./schema";
import { creatorStats } from "~/modules/follows/schema";

/** The creator behind a public handle; none while their account is suspended or deleted (`hiddenAt`). */
export async function findCreatorByHandle(env: Env, handle: string) {
  return getDb(env).query.creators.findFirst({ where: and(eq(creators.handle, handle.toLowerCase()), isNull(creators.hiddenAt)) });
}

/** Whether a handle is held at all: by any creator (hidden ones too) or reserved after a deletion. */
export async function handleHeld(env: Env, handle: string, now: number): Promise<boolean> {
  const db = getDb(env);
  const [c, r] = await db.batch([
    db.select({ id: creators.userId }).from(creators).where(eq(creators.handle, handle.toLowerCase())).limit(1),
    db
      .select({ h: handleReservations.handle })
      .from(handleReservations)
      .where(and(eq(handleReservations.handle, handle.toLowerCase()), sql`${handleReservations.releasedAt} > ${now}`))
      .limit(1),
  ]);
  return c.length > 0 || r.length > 0;
}

export async function findCreatorByUserId(env: Env, userId: string) {
  return getDb(env).query.creators.findFirst({ where: eq(creators.userId, userId) });
}

/** Newest creators first; used by the home page until discovery ranks them. */
export async function listCreators(env: Env, limit = 24) {
  return getDb(env).query.creators.findMany({ where: isNull(creators.hiddenAt), orderBy: [desc(creators.createdAt)], limit });
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
      .where(and(eq(creators.handle, sql.placeholder("handle")), isNull(creators.hiddenAt)))
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
