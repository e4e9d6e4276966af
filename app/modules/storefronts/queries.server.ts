import { desc, eq, sql } from "drizzle-orm";
import { getDb, prepared } from "~/lib/db.server";
import { creators } from "./schema";
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
