/**
 * The feed's reads of the follow graph, delegated to the follows module (the CreatorGraph
 * Durable Object writes `follows`; keyset pages ride its (creator_id, follower_id) primary key).
 */
import { followerCount as mirroredFollowerCount, followerIdPage } from "~/modules/follows/queries.server";

export function followerPage(env: Env, creatorId: string, after: string | null, limit: number): Promise<string[]> {
  return followerIdPage(env, creatorId, after ?? "", limit);
}

/** The DO's exact count as mirrored into D1 (creator_stats). */
export function followerCount(env: Env, creatorId: string): Promise<number> {
  return mirroredFollowerCount(env, creatorId);
}
