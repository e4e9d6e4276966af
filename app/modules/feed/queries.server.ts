/**
 * The feed domain's own reads: the follow graph as fan-out pages it (the CreatorGraph Durable Object
 * writes `follows`; keyset pages ride its (creator_id, follower_id) primary key), and the feed cap.
 */
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { creatorStats, follows } from "~/modules/follows/schema";
import { feedConfig } from "./config";

/** Keyset page of the creator's follower ids, in id order. */
export async function followerPage(env: Env, creatorId: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: follows.followerId })
    .from(follows)
    .where(and(eq(follows.creatorId, creatorId), sql`${follows.followerId} > ${after ?? ""}`))
    .orderBy(follows.followerId)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The DO's exact count as mirrored into D1 (creator_stats). */
export async function followerCount(env: Env, creatorId: string): Promise<number> {
  const rows = await getDb(env).select({ n: creatorStats.followerCount }).from(creatorStats).where(eq(creatorStats.creatorId, creatorId));
  return rows[0]?.n ?? 0;
}

/** Trims one user's stored feed to the cap (also done per page during fan-out). */
export async function trimFeed(env: Env, userId: string) {
  const { cap } = feedConfig(env);
  await getDb(env).run(sql`DELETE FROM feed_items WHERE user_id = ${userId} AND published_at <= (
    SELECT published_at FROM feed_items WHERE user_id = ${userId} ORDER BY published_at DESC LIMIT 1 OFFSET ${cap})`);
}
