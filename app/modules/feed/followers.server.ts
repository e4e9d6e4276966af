/**
 * The feed's only reads of the follow graph (issue 3 owns it: the CreatorGraph Durable Object
 * writes `follows`). Keyset pages ride the (creator_id, follower_id) primary key.
 */
import { sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";

// TEMPORARY until issue 3's `follows` table is merged into this branch: with no table there are
// no followers. Removed on merge.
const noTable = (e: unknown) => String((e as { cause?: unknown })?.cause ?? e).includes("no such table: follows");

export async function followerPage(env: Env, creatorId: string, after: string | null, limit: number): Promise<string[]> {
  try {
    const rows = await getDb(env).all<{ id: string }>(
      sql`SELECT follower_id AS id FROM follows WHERE creator_id = ${creatorId} AND follower_id > ${after ?? ""} ORDER BY follower_id LIMIT ${limit}`,
    );
    return rows.map((r) => r.id);
  } catch (e) {
    if (noTable(e)) return [];
    throw e;
  }
}

export async function followerCount(env: Env, creatorId: string): Promise<number> {
  try {
    const rows = await getDb(env).all<{ n: number }>(sql`SELECT count(*) AS n FROM follows WHERE creator_id = ${creatorId}`);
    return Number(rows[0]?.n ?? 0);
  } catch (e) {
    if (noTable(e)) return 0;
    throw e;
  }
}

/** TEMPORARY (see above): an empty result when the follows table does not exist yet. */
export function withoutFollowsTable(e: unknown): never[] {
  if (noTable(e)) return [];
  throw e;
}
