/**
 * The feed's only reads of the follow graph (issue 3 owns it: the CreatorGraph Durable Object
 * writes `follows`). Keyset pages ride the (creator_id, follower_id) primary key.
 */
import { sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";

export async function followerPage(env: Env, creatorId: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await getDb(env).all<{ id: string }>(
    sql`SELECT follower_id AS id FROM follows WHERE creator_id = ${creatorId} AND follower_id > ${after ?? ""} ORDER BY follower_id LIMIT ${limit}`,
  );
  return rows.map((r) => r.id);
}

export async function followerCount(env: Env, creatorId: string): Promise<number> {
  const rows = await getDb(env).all<{ n: number }>(sql`SELECT count(*) AS n FROM follows WHERE creator_id = ${creatorId}`);
  return Number(rows[0]?.n ?? 0);
}
